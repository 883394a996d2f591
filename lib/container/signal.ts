/**
 * Signalling a container's init through a pidfd (opened, then checked
 * against the recorded start time, so a recycled pid is never signalled). --all signals every process of the container's pid
 * namespace; without a pid namespace of its own only the init is known to
 * be the container's (cgroup-based --all comes with cgroup support).
 */
import * as fs from 'node:fs';
import { ContainerNotFoundError } from '../errors';
import { native } from '../native/addon';
import { namespaceId, pidsInNamespace, readProcStat } from '../state/proc';
import type { StoredState } from '../state/store';

function signalPid(pid: number, startTime: number | undefined, signal: number): boolean {
  let pidfd: number;
  try {
    pidfd = native().pidfdOpen(pid, 0);
  } catch {
    return false;
  }
  try {
    if (startTime !== undefined && readProcStat(pid)?.startTime !== startTime) return false;
    native().pidfdSendSignal(pidfd, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  } finally {
    fs.closeSync(pidfd);
  }
}

/** What signalling needs to know of a container: its init, and whether it has a pid namespace of its own. */
export type SignalTarget = Pick<StoredState, 'id' | 'pid' | 'initStartTime' | 'ownPidNamespace'>;

export function signalContainer(stored: SignalTarget, signal: number, all: boolean): void {
  if (all && stored.ownPidNamespace) {
    const ns = namespaceId(stored.pid, 'pid');
    if (ns) {
      // Stop the init first so the others cannot be re-parented and missed.
      for (const pid of pidsInNamespace('pid', ns)) {
        signalPid(pid, pid === stored.pid ? stored.initStartTime : undefined, signal);
      }
      return;
    }
  }
  if (!signalPid(stored.pid, stored.initStartTime, signal)) {
    throw new ContainerNotFoundError(stored.id);
  }
}

/** Resolves once the init is gone (or a zombie); polls /proc, it is not our child. */
export async function waitForExit(pid: number, startTime: number, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
    const stat = readProcStat(pid);
    if (!stat || stat.startTime !== startTime || stat.state === 'Z' || stat.state === 'X') return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, delay));
  }
}

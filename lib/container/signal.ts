/**
 * Signalling a container's init through a pidfd (opened, then checked
 * against the recorded start time, so a recycled pid is never signalled). --all signals every process of the container's pid
 * namespace; without a pid namespace of its own only the init is known to
 * be the container's (cgroup-based --all comes with cgroup support).
 */
import * as fs from 'node:fs';
import { ContainerNotFoundError } from '../errors';
import type { WaitResult } from '../native/addon';
import { EFD_NONBLOCK, EVENTFD_ONE } from '../native/constants';
import { processCalls } from './syscalls';
import { namespaceId, pidsInNamespace, readProcStat } from '../state/proc';
import type { StoredState } from '../state/store';

/**
 * A pidfd for `pid` if it is still the process that started at `startTime`
 * (undefined when it is gone or the number now names another process). The
 * pidfd is opened first and the start time read after: a process that has
 * the recorded start time then was alive the whole time since the open, so
 * the pidfd is its, and a recycled pid is never signalled or waited on.
 */
function openVerified(pid: number, startTime: number | undefined): number | undefined {
  let pidfd: number;
  try {
    pidfd = processCalls.pidfdOpen(pid);
  } catch {
    return undefined;
  }
  if (startTime !== undefined && readProcStat(pid)?.startTime !== startTime) {
    fs.closeSync(pidfd);
    return undefined;
  }
  return pidfd;
}

function signalPid(pid: number, startTime: number | undefined, signal: number): boolean {
  const pidfd = openVerified(pid, startTime);
  if (pidfd === undefined) return false;
  try {
    processCalls.pidfdSendSignal(pidfd, signal);
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

/**
 * The exit of a container's init that this process may not be the parent
 * of (a loaded container): a pidfd becomes readable when its process exits,
 * so the addon's pidfdWait wakes the event loop then, with no timer. It
 * peeks (WNOWAIT) and never reaps: the init's parent (the process that
 * created it, or the subreaper or pid 1 it was left to) does that.
 *
 * What a non-parent can know: only that the init is gone. waitid() gives
 * its status to the parent alone (ECHILD for anyone else), so the result is
 * { exitCode: null, signal: null }; in the creating process itself, while
 * nothing reaped the init yet, the peek reads the real status.
 */
export async function waitForInit(pid: number, startTime: number): Promise<WaitResult> {
  const pidfd = openVerified(pid, startTime);
  if (pidfd === undefined) return { exitCode: null, signal: null };
  try {
    return await processCalls.pidfdWait(pidfd, false);
  } finally {
    fs.closeSync(pidfd);
  }
}

/**
 * Resolves true once the init is gone (or a zombie: its pidfd is readable
 * then), false when it still runs after `timeoutMs`. The wake-up is the
 * pidfd's, on the event loop: a delete --force under containerd waits for
 * the kill to land, and a /proc poll with a growing timer added a sleep
 * past the exit to every such delete. The deadline (a process in
 * uninterruptible sleep may take long to die) wakes the same wait through
 * an eventfd, so no wait is left pending and both fds are closed on return.
 */
export async function waitForExit(pid: number, startTime: number, timeoutMs = 10_000): Promise<boolean> {
  const pidfd = openVerified(pid, startTime);
  if (pidfd === undefined) return true;
  let wakeFd: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    wakeFd = processCalls.eventfd(0, EFD_NONBLOCK);
    const deadline = wakeFd;
    timer = setTimeout(() => fs.writeSync(deadline, EVENTFD_ONE), timeoutMs);
    return (await processCalls.waitReadable([pidfd, wakeFd])) === 0;
  } finally {
    clearTimeout(timer);
    if (wakeFd !== undefined) fs.closeSync(wakeFd);
    fs.closeSync(pidfd);
  }
}

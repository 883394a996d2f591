/**
 * Taking a container down (runtime.md, Lifecycle 12): kill what still
 * runs — through its cgroup when it has one, so every process goes, and a
 * paused one is thawed to die —, wait for the init (reaping it when we are
 * its parent: a zombie still pins its cgroup), then remove the cgroups
 * create made. delete and start (after a failed hook) share it; the state
 * directory is the caller's.
 */
import { openCgroups } from '../cgroups';
import type { CgroupRecord } from '../cgroups/driver';
import { isAlive } from '../state/proc';
import { destroyCgroups } from './cgroups';
import { signalContainer, waitForExit, type SignalTarget } from './signal';

const SIGKILL = 9;

export interface TeardownTarget extends SignalTarget {
  cgroup?: CgroupRecord;
}

/** `running`: the init may still run (else only the cgroups go). `reapChild`: we are the init's parent. */
export async function teardown(target: TeardownTarget, running: boolean, reapChild?: () => Promise<unknown>): Promise<void> {
  const cgroup = target.cgroup ? openCgroups(target.cgroup) : undefined;
  if (running && target.pid > 0) {
    try {
      if (cgroup) await cgroup.kill(SIGKILL);
      else signalContainer(target, SIGKILL, true);
    } catch {
      // gone already
    }
    if (reapChild) await reapChild();
    else if (isAlive(target.pid, target.initStartTime)) await waitForExit(target.pid, target.initStartTime);
  } else if (cgroup && reapChild) {
    await reapChild();
  }
  if (target.cgroup) await destroyCgroups(target.cgroup);
}

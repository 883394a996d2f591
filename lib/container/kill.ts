/**
 * kill: lock -> refresh -> assert (created, running, paused) -> signal.
 * --all goes through the container's cgroup when it has one: every
 * process, also without a pid namespace (v2 cgroup.kill for SIGKILL).
 * SIGKILL to a paused container thaws it, or nothing could die.
 */
import { openCgroups } from '../cgroups';
import { underLock, type ContainerRef } from './operation';
import { signalContainer } from './signal';

const SIGKILL = 9;

export function killContainer(ref: ContainerRef, signal: number, all: boolean): Promise<void> {
  return underLock(ref, 'kill', async (stored, status) => {
    // Every status kill is allowed in is derived from a stored state.
    const s = stored!;
    const cgroup = s.cgroup ? openCgroups(s.cgroup) : undefined;
    if (all && cgroup) {
      await cgroup.kill(signal);
      return;
    }
    signalContainer(s, signal, all);
    if (status === 'paused' && signal === SIGKILL && cgroup) await cgroup.thaw();
  });
}

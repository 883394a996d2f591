/** processes (ps): lock -> refresh -> assert (created, running, paused) -> the pids of the container's cgroup. */
import { storedCgroups } from './cgroups';
import { underLock, type ContainerRef } from './operation';

/** Host pids of every process in the container's cgroup (and its sub-cgroups), ascending. */
export function containerProcesses(ref: ContainerRef): Promise<number[]> {
  return underLock(ref, 'ps', async (stored) => (await storedCgroups(stored!, 'ps').procs()).sort((a, b) => a - b));
}

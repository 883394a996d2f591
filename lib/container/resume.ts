/** resume: lock -> refresh -> assert (paused) -> thaw the container's cgroup. */
import { storedCgroups } from './cgroups';
import { underLock, type ContainerRef } from './operation';

export function resumeContainer(ref: ContainerRef): Promise<void> {
  return underLock(ref, 'resume', async (stored) => {
    // "paused" is only derived from a stored state with a cgroup.
    await storedCgroups(stored!, 'resume').thaw();
  });
}

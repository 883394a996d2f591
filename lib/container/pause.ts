/** pause: lock -> refresh -> assert (created, running) -> freeze the container's cgroup. */
import { storedCgroups } from './cgroups';
import { underLock, type ContainerRef } from './operation';

export function pauseContainer(ref: ContainerRef): Promise<void> {
  return underLock(ref, 'pause', async (stored) => {
    await storedCgroups(stored!, 'pause').freeze();
  });
}

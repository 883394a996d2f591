/** stats: lock -> refresh -> assert (created, running, paused) -> the cgroup's counters, in runc's shape. */
import { openCgroups, type CgroupStats } from '../cgroups';
import { readState } from '../state/store';
import { storedCgroups } from './cgroups';
import { underLock, type ContainerRef } from './operation';

export function containerStats(ref: ContainerRef): Promise<CgroupStats> {
  return underLock(ref, 'stats', (stored) => storedCgroups(stored!, 'stats').stats());
}

/**
 * The OOM kills counted so far in the container's cgroup (for the 'oom'
 * event). Read without the lock and in any status: the init itself being
 * OOM-killed stops the container, and that kill must still be seen
 * until the container is deleted (ContainerNotFoundError then).
 */
export async function containerOomKills(ref: ContainerRef): Promise<number> {
  const stored = readState(ref.root, ref.id);
  return stored?.cgroup ? openCgroups(stored.cgroup).oomKills() : 0;
}

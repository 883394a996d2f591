/** stats: lock -> refresh -> assert (created, running, paused) -> the cgroup's counters, in runc's shape. */
import type { CgroupStats } from '../cgroups';
import { storedCgroups } from './cgroups';
import { underLock, type ContainerRef } from './operation';

export function containerStats(ref: ContainerRef): Promise<CgroupStats> {
  return underLock(ref, 'stats', (stored) => storedCgroups(stored!, 'stats').stats());
}

/** The OOM kills counted so far in the container's cgroup (for the 'oom' event). */
export function containerOomKills(ref: ContainerRef): Promise<number> {
  return underLock(ref, 'stats', (stored) => storedCgroups(stored!, 'stats').oomKills());
}

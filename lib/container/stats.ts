/** stats: lock -> refresh -> assert (created, running, paused) -> the cgroup's counters, in runc's shape. */
import type { CgroupStats } from '../cgroups';
import { CgroupError } from '../cgroups/files';
import { watchOomKills, type OomWatch, type OomWatchOptions } from '../cgroups/oom-watch';
import { SyscallError } from '../errors';
import { readState } from '../state/store';
import { storedCgroups } from './cgroups';
import { underLock, type ContainerRef } from './operation';

export function containerStats(ref: ContainerRef): Promise<CgroupStats> {
  return underLock(ref, 'stats', (stored) => storedCgroups(stored!, 'stats').stats());
}

/**
 * Watches the OOM kills in the container's cgroup (for the 'oom' event and
 * `kapsel events`): `onKills` gets the number of new kills as the kernel
 * reports them (lib/cgroups/oom-watch.ts). Set up without the lock and in
 * any status: the init itself being OOM-killed stops the container, and
 * that kill must still be seen; the watch ends when the cgroup is removed
 * (delete). Undefined when there is nothing to watch: the container is
 * gone, has no cgroup (or no memory cgroup), or its cgroup went meanwhile.
 */
export function watchContainerOom(ref: ContainerRef, onKills: (kills: number) => void, options?: OomWatchOptions): OomWatch | undefined {
  const stored = readState(ref.root, ref.id);
  if (!stored?.cgroup) return undefined;
  try {
    return watchOomKills(stored.cgroup, onKills, options);
  } catch (err) {
    // Deleted between the state read and the open: no OOM can come any more.
    const errno = err instanceof SyscallError ? err.errnoName : err instanceof CgroupError ? err.errno : undefined;
    if (errno === 'ENOENT' || errno === 'ENODEV') return undefined;
    throw err;
  }
}

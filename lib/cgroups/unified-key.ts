/** The keys of linux.resources.unified: files of the container's own cgroup2 directory. */
import { InvalidConfigError } from '../errors';

/** A key must name a controller file ("memory.high") of the cgroup itself: no path, no core cgroup.* file. */
export function checkUnifiedKey(key: string, at: string): void {
  if (!/^[a-z_]+\.[a-z0-9_.]+$/i.test(key) || key.includes('..') || key.startsWith('cgroup.')) {
    throw new InvalidConfigError(`${at}/unified/${key}`, "not a controller file of the container's cgroup");
  }
}

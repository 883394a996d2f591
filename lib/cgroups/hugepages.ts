/**
 * Huge page sizes: a hugepageLimits entry's pageSize becomes part of a
 * control file's name (hugetlb.<pageSize>.limit_in_bytes, .max), so it
 * must be one of the sizes this host has, as the kernel names them in
 * those files ("2MB", "1GB"). Checked for create and update alike: an
 * unchecked size was a path ("/../../x/victim") that update wrote as root
 * (issue 16).
 */
import * as fs from 'node:fs';
import type { LinuxResources } from '../config/types';
import { InvalidConfigError } from '../errors';

const HUGEPAGES_DIR = '/sys/kernel/mm/hugepages';
const UNITS = ['KB', 'MB', 'GB', 'TB', 'PB'];

/** "hugepages-2048kB" -> "2MB", as the kernel's hugetlb cgroup files (and runc) name the size. */
export function hugepageSizeName(entry: string): string | undefined {
  const m = /^hugepages-(\d+)kB$/.exec(entry);
  if (!m) return undefined;
  let size = Number(m[1]);
  let unit = 0;
  while (size >= 1024 && size % 1024 === 0 && unit < UNITS.length - 1) {
    size /= 1024;
    unit++;
  }
  return `${size}${UNITS[unit]}`;
}

/** The huge page sizes of this host (none when the kernel has no hugetlbfs support). */
export function hostHugepageSizes(dir = HUGEPAGES_DIR): string[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return entries.map(hugepageSizeName).filter((s): s is string => s !== undefined);
}

/**
 * Every hugepageLimits[i].pageSize is a size of this host; else an
 * InvalidConfigError naming `${at}/hugepageLimits/${i}/pageSize`.
 */
export function checkHugepageLimits(r: LinuxResources, at: string, sizes: readonly string[] = hostHugepageSizes()): void {
  (r.hugepageLimits ?? []).forEach((h, i) => {
    if (!sizes.includes(h.pageSize)) {
      const have = sizes.length > 0 ? `this host has ${sizes.join(', ')}` : 'this host has no huge pages';
      throw new InvalidConfigError(`${at}/hugepageLimits/${i}/pageSize`, `${JSON.stringify(h.pageSize)} is not a huge page size of this host (${have})`);
    }
  });
}

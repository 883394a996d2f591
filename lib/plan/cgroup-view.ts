/**
 * What a container's cgroup mount shows, as a host fact: the container's
 * own cgroup in each hierarchy it is placed in (a host directory), and
 * how each hierarchy is mounted afresh inside a cgroup namespace. The
 * directories are the ones create makes (lib/cgroups/path.ts resolves
 * them from linux.cgroupsPath) or, for a container that gets none, the
 * runtime's own, where it then stays. cgroup-mounts.ts plans the mounts
 * from this; nothing here decides what is mounted, and nothing here reads
 * the host (lib/host/cgroup-view.ts gathers it).
 */
import * as path from 'node:path';
import type { CgroupLayout } from '../cgroups/layout';
import type { CgroupTarget } from '../cgroups/path';

/** One v1 hierarchy as the container sees it. */
export interface CgroupHierarchyView {
  /** Its directory name below the cgroup mount: the host mount point's base name ("memory", "cpu,cpuacct", "systemd"). */
  name: string;
  /** What mounts it afresh (fsconfig options): its controllers ("cpu,cpuacct") or "name=systemd". */
  options: string;
  /** The container's cgroup in it, a host directory. */
  directory: string;
}

/** The container's own cgroups as it sees them under /sys/fs/cgroup (its cgroup mount). */
export interface CgroupViewFacts {
  /** The v1 hierarchies (none on a pure cgroup2 host), in the host's mount order. */
  hierarchies: CgroupHierarchyView[];
  /** The container's cgroup2 directory: of the pure cgroup2 hierarchy, or of a hybrid host's unified one. */
  unified?: string;
}

/** The view of `target` (the container's directories) on a host of `layout`. */
export function cgroupView(layout: CgroupLayout, target: CgroupTarget): CgroupViewFacts {
  const hierarchies: CgroupHierarchyView[] = [];
  const seen = new Set<string>();
  for (const [key, h] of Object.entries(layout.v1)) {
    // Co-mounted controllers are one hierarchy, listed under each of them.
    if (seen.has(h.mountPoint)) continue;
    seen.add(h.mountPoint);
    const directory = target.v1[key];
    const name = path.posix.basename(h.mountPoint);
    // Two hierarchies mounted under one name elsewhere than /sys/fs/cgroup: the first one shows.
    if (directory === undefined || hierarchies.some((v) => v.name === name)) continue;
    hierarchies.push({ name, options: h.controllers.join(','), directory });
  }
  return { hierarchies, ...(target.unified !== undefined ? { unified: target.unified } : {}) };
}

/**
 * Gathers a container's cgroup view (lib/plan/cgroup-view.ts) from this
 * host: its cgroup layout and, for a container that gets no cgroups of
 * its own, the runtime's cgroups (/proc/self/cgroup).
 */
import { detectLayout, ownCgroups } from '../cgroups/layout';
import { ownCgroupTarget, type CgroupTarget } from '../cgroups/path';
import { cgroupView, type CgroupViewFacts } from '../plan/cgroup-view';

/**
 * This host's view for a container placed in `target`; without one, in
 * the runtime's own cgroups (/proc/self/cgroup).
 */
export function gatherCgroupView(target?: CgroupTarget): CgroupViewFacts {
  const layout = detectLayout();
  return cgroupView(layout, target ?? ownCgroupTarget(layout, ownCgroups()));
}

/**
 * Whether a pooled helper sees the host's files as the plan needs them. A
 * helper's mount namespace is a copy of the runtime's made when the helper
 * was spawned, maybe long before the create: a mount made on the host
 * since (an engine's overlay rootfs, a volume) reaches the copy only
 * where the host's mounts propagate (shared ones), and on a host with
 * private mounts the helper would bind the directory underneath instead.
 * So before a create is served, the rootfs and every bind source are
 * looked up both ways, here and through the helper's root
 * (/proc/PID/root, in its mount namespace): the same device and inode, or
 * the create goes cold.
 */
import * as fs from 'node:fs';
import type { LaunchPlan } from '../plan/steps';
import { MS_BIND } from '../native/constants';

/**
 * The host paths the plan's steps open: its rootfs, its bind mounts'
 * sources; not the container's own cgroup directories (bound into its
 * /sys/fs/cgroup), which do not exist yet: create makes them (from the
 * helper's spares) after this check.
 */
export function hostPathsOf(plan: LaunchPlan): string[] {
  const cgroupDirs = plan.cgroups ? [...Object.values(plan.cgroups.v1), ...(plan.cgroups.unified !== undefined ? [plan.cgroups.unified] : [])] : [];
  const ownCgroup = (p: string): boolean => cgroupDirs.some((dir) => p === dir || p.startsWith(`${dir}/`));
  const paths: string[] = [];
  for (const step of plan.steps) {
    if (step.op === 'root') paths.push(step.path);
    else if (step.op === 'mount' && (step.flags & MS_BIND) !== 0 && step.source.startsWith('/') && !ownCgroup(step.source)) paths.push(step.source);
  }
  return paths;
}

function identity(path: string): string | undefined {
  try {
    const st = fs.statSync(path, { bigint: true });
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

/** The first of the plan's host paths that the helper `pid` sees otherwise (or not at all), or undefined. */
export function unseenPath(pid: number, plan: LaunchPlan): string | undefined {
  for (const path of hostPathsOf(plan)) {
    const here = identity(path);
    if (here === undefined || identity(`/proc/${pid}/root${path}`) !== here) return path;
  }
  return undefined;
}

/**
 * The one place the container layer calls the plan compiler, for create
 * and for Container.plan(), so that a change of the compiler's inputs (a
 * validated spec, the host's facts) is made here once.
 */
import type { ValidSpec } from '../config/valid';
import { compilePlan, type CompileOptions } from '../plan/compile';
import { gatherFacts, runtimeUnprivileged, type PlanFacts } from '../plan/facts';
import type { LaunchPlan } from '../plan/steps';
import { gatherCgroupFacts } from './cgroups';

/** Whose cgroups a plan without given facts is for: the id the default cgroupsPath is named after, and --systemd-cgroup. */
export interface PlanFor {
  id: string;
  systemdCgroup?: boolean;
}

/**
 * The facts create gathers for `spec` on this host and its rootfs
 * (read-only), the container's cgroups included.
 */
export function gatherPlanFacts(spec: ValidSpec, options: CompileOptions, container: PlanFor): PlanFacts {
  const cgroups = gatherCgroupFacts(spec, container.id, { systemd: container.systemdCgroup, unprivileged: runtimeUnprivileged() });
  return gatherFacts(spec, { bundle: options.bundle, rootfs: options.rootfs, cgroups });
}

/** Compiles `spec`; without `facts`, they are gathered from this host and the rootfs (read-only), as create gathers them. */
export function planContainer(spec: ValidSpec, options: CompileOptions, facts?: PlanFacts, container: PlanFor = { id: '<id>' }): LaunchPlan {
  return compilePlan(spec, options, facts ?? gatherPlanFacts(spec, options, container));
}

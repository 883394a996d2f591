/**
 * Whether a pooled helper can serve a plan (pool.ts): a pure function of
 * the plan and what the helper was made with. A helper sits in namespaces
 * made at its spawn, in cgroups made under a spare name beside where a
 * default container's go; anything else a plan asks of the spawn (other
 * namespaces, joined ones, a user namespace and its maps, a time
 * namespace's offsets, an oom score the spawner's child writes for
 * itself) it cannot give, and that create goes cold.
 */
import * as path from 'node:path';
import type { CgroupRecord } from '../cgroups';
import type { CgroupPlan } from '../plan/runtime-cgroups';
import type { LaunchPlan } from '../plan/steps';
import { CLONE_NEWUSER } from '../native/constants';

/** The most fds one hand-over carries (SCM_MAX_FD, native/common/pool_protocol.h). */
export const POOL_MAX_FDS = 253;

/** What a pooled helper was made with. */
export interface HelperShape {
  cloneFlags: number;
  /** Its spare cgroups; undefined: none (a host where the runtime makes no cgroups). */
  cgroups?: CgroupRecord;
}

/** Every container directory of `plan` in the same parent as the spare one, and the same hierarchies. */
function cgroupsFit(plan: CgroupPlan, spare: CgroupRecord): boolean {
  if ((plan.layout === 'v2' ? 2 : 1) !== spare.version) return false;
  const controllers = Object.keys(plan.v1);
  if (controllers.length !== Object.keys(spare.v1).length) return false;
  for (const c of controllers) {
    if (spare.v1[c] === undefined || path.dirname(plan.v1[c]) !== path.dirname(spare.v1[c])) return false;
  }
  if ((plan.unified === undefined) !== (spare.unified === undefined)) return false;
  return plan.unified === undefined || path.dirname(plan.unified) === path.dirname(spare.unified!);
}

/** Why a helper of `shape` cannot serve `plan`, or undefined when it can. */
export function poolMiss(plan: LaunchPlan, shape: HelperShape): string | undefined {
  if (plan.cloneFlags !== shape.cloneFlags) return 'its namespaces are not the pool\'s';
  if (plan.join.length > 0) return 'it joins existing namespaces';
  if ((plan.cloneFlags & CLONE_NEWUSER) !== 0 || plan.uidMappings.length > 0) return 'it has a user namespace';
  if (plan.timeOffsets) return 'it sets time namespace offsets';
  if (plan.oomScoreAdj !== undefined) return 'it sets oomScoreAdj';
  if (plan.fds.length > POOL_MAX_FDS) return `its fd table has more than ${POOL_MAX_FDS} fds`;
  // --systemd-cgroup: systemd makes the scope holding the init
  // (lib/cgroups/systemd*.ts); a spare cgroupfs directory is not that.
  if (plan.cgroups?.systemd) return 'its cgroups are systemd\'s';
  if (!plan.cgroups !== !shape.cgroups) return plan.cgroups ? 'the pool has no cgroups' : 'it has no cgroups';
  if (plan.cgroups && !cgroupsFit(plan.cgroups, shape.cgroups!)) return 'its cgroups are not beside the pool\'s';
  return undefined;
}

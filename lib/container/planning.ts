/**
 * The one place the container layer calls the plan compiler, for create
 * and for Container.plan(), so that a change of the compiler's inputs (a
 * validated spec, the host's facts) is made here once.
 */
import type { ValidSpec } from '../config/valid';
import { compilePlan, type CompileOptions } from '../plan/compile';
import { gatherFacts, type PlanFacts } from '../host/facts';
import type { LaunchPlan } from '../plan/steps';

/** Compiles `spec`; without `facts`, they are gathered from this host and the rootfs (read-only). */
export function planContainer(spec: ValidSpec, options: CompileOptions, facts?: PlanFacts): LaunchPlan {
  return compilePlan(spec, options, facts ?? gatherFacts(spec, { bundle: options.bundle, rootfs: options.rootfs }));
}

/**
 * The one place the container layer calls the plan compiler, for create
 * and for Container.plan(), so that a change of the compiler's inputs (a
 * validated spec, the host's facts) is made here once.
 */
import type { Spec } from '../config/types';
import { compilePlan, type CompileOptions } from '../plan/compile';
import type { LaunchPlan } from '../plan/steps';

export function planContainer(spec: Spec, options: CompileOptions): LaunchPlan {
  return compilePlan(spec, options);
}

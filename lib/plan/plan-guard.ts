/**
 * The shape of a LaunchPlan as the functions that take one from a caller
 * (formatPlan, planToJSON) rely on: checked first (lib/args.ts), so that
 * a wrong value from JavaScript is an InvalidArgumentError naming the
 * field, not a TypeError from the middle of the printing. The steps'
 * own fields are the compiler's to get right, not checked here.
 */
import { array, int, object, string, type Guard } from '../args';

export const LAUNCH_PLAN: Guard = object({
  cloneFlags: int(0, 2 ** 32 - 1),
  join: array(object()),
  uidMappings: array(object()),
  gidMappings: array(object()),
  preserveFds: int(0, 2 ** 31 - 4),
  fds: array(),
  steps: array(object({ op: string })),
  warnings: array(string),
});

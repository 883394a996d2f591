/**
 * Whether a profile lets syscalls run plainly: with SCMP_ACT_ALLOW, on
 * every call, whatever their arguments. The runtime asks this about the
 * syscalls its own init makes under the container's filter by choice, not
 * by need (the memory release before the wait for start, see
 * lib/plan/seccomp.ts), so the answer errs on "no":
 *
 * - a syscall no rule names is allowed exactly when the default action is
 *   SCMP_ACT_ALLOW;
 * - a syscall some rule names is allowed only when every rule naming it is
 *   SCMP_ACT_ALLOW without argument conditions.
 *
 * Anything else is "no": ERRNO, KILL*, TRAP, TRACE (ENOSYS without a
 * tracer), NOTIFY (the agent would see the init's calls), LOG (runs, but
 * puts the runtime's own calls in the audit log), and any argument
 * condition, even one that would match the init's arguments. Rules apply
 * to every architecture of the filter, the native one included.
 */
import type { NormalizedProfile } from './normalize';

/** Whether every syscall in `names` runs under `profile` with SCMP_ACT_ALLOW whatever its arguments. */
export function allowsPlainly(profile: NormalizedProfile, names: readonly string[]): boolean {
  return names.every((name) => {
    const rules = profile.syscalls.filter((rule) => rule.names.includes(name));
    if (rules.length === 0) return profile.defaultAction === 'SCMP_ACT_ALLOW';
    return rules.every((rule) => rule.action === 'SCMP_ACT_ALLOW' && rule.args.length === 0);
  });
}

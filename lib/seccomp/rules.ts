/**
 * Profile -> the numbers libseccomp compiles: one rule per (syscall, action,
 * argument set), syscall names resolved to numbers, names unknown on this
 * machine set aside. Resolution goes through a `SyscallResolver` so that
 * this step is unit-testable without libseccomp.
 */
import { ACTIONS, OPERATORS, actionValue, type ActionName } from '../config/seccomp/names';
import type { NormalizedArg, NormalizedProfile } from '../config/seccomp/normalize';

/** Name -> number lookups (libseccomp's, see ./library.ts). */
export interface SyscallResolver {
  /**
   * The number of syscall `name` on arch `arch` (an AUDIT_ARCH token), or
   * with arch 0 the number libseccomp's rules take (negative for syscalls
   * that only exist on other architectures); -1 when libseccomp does not know
   * the name at all.
   */
  syscall(name: string, arch: number): number;
}

/** __NR_SCMP_ERROR. */
export const SYSCALL_UNKNOWN = -1;

/** One comparison as seccompCompile takes it. */
export interface FilterArg {
  index: number;
  op: number;
  value: bigint;
  valueTwo: bigint;
}

/** One rule as seccompCompile takes it. */
export interface FilterRule {
  syscall: number;
  action: number;
  args: FilterArg[];
}

export interface RuleSet {
  defaultAction: number;
  rules: FilterRule[];
  /** For each rule, the index in the profile's `syscalls` it came from. */
  sources: number[];
  /** Names libseccomp does not know, in profile order, each once. */
  skipped: string[];
  /** Names per action that reached the filter (ERRNO/TRACE with any errno count together). */
  actionCounts: Record<string, number>;
}

function filterArg(arg: NormalizedArg): FilterArg {
  return { index: arg.index, op: OPERATORS[arg.op], value: arg.value, valueTwo: arg.valueTwo };
}

/**
 * The argument sets of one config rule. Comparisons on different arguments
 * must all hold (one libseccomp rule: AND). Several comparisons on the same
 * argument cannot be one libseccomp rule, and the profiles engines write use
 * them as alternatives (runc's and crun's reading): then each comparison
 * becomes a rule of its own (OR).
 */
export function argumentSets(args: readonly NormalizedArg[]): FilterArg[][] {
  if (args.length === 0) return [[]];
  const indexes = new Set(args.map((arg) => arg.index));
  if (indexes.size === args.length) return [args.map(filterArg)];
  return args.map((arg) => [filterArg(arg)]);
}

/** Builds the rule set of `profile`; names unknown to libseccomp are skipped. */
export function buildRuleSet(profile: NormalizedProfile, resolver: SyscallResolver): RuleSet {
  const defaultAction = actionValue(profile.defaultAction, profile.defaultErrnoRet);
  const set: RuleSet = { defaultAction, rules: [], sources: [], skipped: [], actionCounts: {} };
  const skipped = new Set<string>();
  profile.syscalls.forEach((rule, source) => {
    const action = actionValue(rule.action, rule.errnoRet);
    for (const name of rule.names) {
      const nr = resolver.syscall(name, 0);
      if (nr === SYSCALL_UNKNOWN) {
        if (!skipped.has(name)) set.skipped.push(name);
        skipped.add(name);
        continue;
      }
      set.actionCounts[rule.action] = (set.actionCounts[rule.action] ?? 0) + 1;
      // A rule with the default action changes nothing, and libseccomp
      // refuses it; it still counts for the ENOSYS maximum (./compile.ts).
      if (action === defaultAction) continue;
      for (const args of argumentSets(rule.args)) {
        set.rules.push({ syscall: nr, action, args });
        set.sources.push(source);
      }
    }
  });
  return set;
}

/**
 * The highest syscall number the profile names on each arch in `arches`
 * (tokens); an arch on which it names none is left out.
 */
export function maxNamedSyscalls(profile: NormalizedProfile, arches: readonly number[], resolver: SyscallResolver): Map<number, number> {
  const names = new Set(profile.syscalls.flatMap((rule) => rule.names));
  const out = new Map<number, number>();
  for (const arch of arches) {
    let max = -1;
    for (const name of names) max = Math.max(max, resolver.syscall(name, arch));
    if (max >= 0) out.set(arch, max);
  }
  return out;
}

/** Whether the default action lets syscalls run (then no ENOSYS prefix, see ./enosys.ts). */
export function defaultAllows(action: ActionName): boolean {
  return ACTIONS[action] === ACTIONS.SCMP_ACT_ALLOW || ACTIONS[action] === ACTIONS.SCMP_ACT_LOG;
}

/**
 * A validated `linux.seccomp` object in one canonical shape: defaults filled
 * in (errnoRet EPERM for ERRNO/TRACE, valueTwo 0), values as bigint, the
 * architecture and flag lists sorted and deduplicated, fields that do not
 * change the program (listenerPath, listenerMetadata, unknown keys) left out.
 * Two configs that compile to the same program normalize the same, so the
 * hash of this shape keys the program cache (lib/seccomp/compile.ts).
 */
import { createHash } from 'node:crypto';

import type { Seccomp } from '../types';
import {
  DEFAULT_ERRNO,
  ERRNO_ACTIONS,
  type ActionName,
  type ArchitectureName,
  type FlagName,
  type OperatorName,
} from './names';

/** One argument condition of a {@link NormalizedSyscallRule}. */
export interface NormalizedArg {
  /** Which argument of the syscall (0 .. 5). */
  index: number;
  /** The comparison ("SCMP_CMP_EQ", ...). */
  op: OperatorName;
  /** The value compared with, as a uint64. */
  value: bigint;
  /** 0 when the config has none (only SCMP_CMP_MASKED_EQ reads it). */
  valueTwo: bigint;
}

/** One rule of a {@link NormalizedProfile}. */
export interface NormalizedSyscallRule {
  /** The syscalls it applies to, in config order. */
  names: string[];
  /** What happens when one is called. */
  action: ActionName;
  /** Set exactly when the action is ERRNO or TRACE. */
  errnoRet?: number;
  /** Its argument conditions (empty: none). */
  args: NormalizedArg[];
}

/** A `linux.seccomp` object in the canonical shape (see the module's description): what the program is compiled from. */
export interface NormalizedProfile {
  /** What happens to a syscall no rule matches. */
  defaultAction: ActionName;
  /** Set exactly when the default action is ERRNO or TRACE. */
  defaultErrnoRet?: number;
  /** The extra architectures, sorted, without duplicates. */
  architectures: ArchitectureName[];
  /** The filter flags, sorted, without duplicates. */
  flags: FlagName[];
  /** In config order: the index of each is the index in `syscalls` of the config. */
  syscalls: NormalizedSyscallRule[];
}

const UINT64_MAX = (1n << 64n) - 1n;

/**
 * A uint64 of the config as bigint. JSON.parse reads 18446744073709551615
 * (2^64-1, which profiles use as "all bits") as the double 2^64: that one
 * value is taken back to 2^64-1, the only uint64 it can have meant.
 */
function uint64(value: number | bigint): bigint {
  const big = typeof value === 'bigint' ? value : BigInt(value);
  return big > UINT64_MAX ? UINT64_MAX : big;
}

function errnoFor(action: ActionName, errnoRet: number | undefined): number | undefined {
  return ERRNO_ACTIONS.includes(action) ? (errnoRet ?? DEFAULT_ERRNO) : undefined;
}

function sortedUnique<T extends string>(values: readonly T[] | undefined): T[] {
  return [...new Set(values ?? [])].sort();
}

/** Normalizes a seccomp object that validateSeccomp accepted. */
export function normalizeSeccomp(seccomp: Seccomp): NormalizedProfile {
  const defaultAction = seccomp.defaultAction as ActionName;
  const profile: NormalizedProfile = {
    defaultAction,
    architectures: sortedUnique(seccomp.architectures as ArchitectureName[] | undefined),
    flags: sortedUnique(seccomp.flags as FlagName[] | undefined),
    syscalls: (seccomp.syscalls ?? []).map((rule) => {
      const action = rule.action as ActionName;
      const normalized: NormalizedSyscallRule = {
        names: [...rule.names],
        action,
        args: (rule.args ?? []).map((arg) => ({
          index: arg.index,
          op: arg.op as OperatorName,
          value: uint64(arg.value),
          valueTwo: uint64(arg.valueTwo ?? 0),
        })),
      };
      const errnoRet = errnoFor(action, rule.errnoRet);
      if (errnoRet !== undefined) normalized.errnoRet = errnoRet;
      return normalized;
    }),
  };
  const defaultErrnoRet = errnoFor(defaultAction, seccomp.defaultErrnoRet);
  if (defaultErrnoRet !== undefined) profile.defaultErrnoRet = defaultErrnoRet;
  return profile;
}

/** A normalized argument as JSON holds it: the uint64 values as decimal text. */
export type NormalizedArgJSON = Omit<NormalizedArg, 'value' | 'valueTwo'> & {
  /** {@link NormalizedArg.value} as decimal text. */
  value: string;
  /** {@link NormalizedArg.valueTwo} as decimal text. */
  valueTwo: string;
};

/** A normalized profile as JSON holds it (what a plan without a compiled program shows, lib/plan/seccomp.ts). */
export type NormalizedProfileJSON = Omit<NormalizedProfile, 'syscalls'> & {
  /** The rules, in config order, their arguments as JSON. */
  syscalls: Array<
    Omit<NormalizedSyscallRule, 'args'> & {
      /** The rule's argument conditions, values as decimal text. */
      args: NormalizedArgJSON[];
    }
  >;
};

/** `profile` with its bigints as decimal text: exact for any uint64, and JSON.stringify cannot throw on it. */
export function profileToJSON(profile: NormalizedProfile): NormalizedProfileJSON {
  return {
    ...profile,
    syscalls: profile.syscalls.map((rule) => ({
      ...rule,
      args: rule.args.map((arg) => ({ ...arg, value: arg.value.toString(), valueTwo: arg.valueTwo.toString() })),
    })),
  };
}

/** sha256 (hex) of a normalized profile: the key of the program cache. */
export function profileHash(profile: NormalizedProfile): string {
  return createHash('sha256').update(JSON.stringify(profileToJSON(profile))).digest('hex');
}

/** Whether any rule uses SCMP_ACT_NOTIFY (then the filter needs a listener). */
export function usesNotify(profile: NormalizedProfile): boolean {
  return profile.syscalls.some((rule) => rule.action === 'SCMP_ACT_NOTIFY');
}

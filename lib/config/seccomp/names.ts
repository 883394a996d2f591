/**
 * The names config-linux.md allows in `linux.seccomp` and the kernel values
 * behind them (linux/seccomp.h, libseccomp's seccomp.h). Whether the library
 * and kernel actually present support each one is asked at run time
 * (lib/seccomp/features.ts, lib/host/seccomp.ts); these tables only say
 * what the names mean.
 */

/** SECCOMP_RET_* of each action; ERRNO and TRACE carry 16 bits of data. */
export const ACTIONS = {
  SCMP_ACT_KILL: 0x00000000, // = KILL_THREAD, as in libseccomp
  SCMP_ACT_KILL_PROCESS: 0x80000000,
  SCMP_ACT_KILL_THREAD: 0x00000000,
  SCMP_ACT_TRAP: 0x00030000,
  SCMP_ACT_ERRNO: 0x00050000,
  SCMP_ACT_TRACE: 0x7ff00000,
  SCMP_ACT_ALLOW: 0x7fff0000,
  SCMP_ACT_LOG: 0x7ffc0000,
  SCMP_ACT_NOTIFY: 0x7fc00000,
} as const;
export type ActionName = keyof typeof ACTIONS;

/** The actions whose data is an errno (errnoRet / defaultErrnoRet): runc's rule. */
export const ERRNO_ACTIONS: readonly ActionName[] = ['SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE'];

/** EPERM: the errno of ERRNO and TRACE when the config names none (config-linux.md). */
export const DEFAULT_ERRNO = 1;

/** ENOSYS: what a syscall newer than the profile returns (./enosys.ts). */
export const ENOSYS = 38;

/** Largest errnoRet: the action's data field is 16 bits wide. */
export const MAX_ERRNO_RET = 0xffff;

/** The SECCOMP_RET_* value of an action with its errno. */
export function actionValue(name: ActionName, errnoRet?: number): number {
  const base = ACTIONS[name];
  if (!ERRNO_ACTIONS.includes(name)) return base;
  return (base | ((errnoRet ?? DEFAULT_ERRNO) & 0xffff)) >>> 0;
}

/** enum scmp_compare of libseccomp. */
export const OPERATORS = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
} as const;
export type OperatorName = keyof typeof OPERATORS;

/**
 * The spec's architectures and libseccomp's name for each (what
 * seccomp_arch_resolve_name takes). Whether the installed libseccomp knows
 * one is asked at compile time: 2.5 lacks LOONGARCH64, M68K, SH and SHEB.
 */
export const ARCHITECTURES = {
  SCMP_ARCH_X86: 'x86',
  SCMP_ARCH_X86_64: 'x86_64',
  SCMP_ARCH_X32: 'x32',
  SCMP_ARCH_ARM: 'arm',
  SCMP_ARCH_AARCH64: 'aarch64',
  SCMP_ARCH_LOONGARCH64: 'loongarch64',
  SCMP_ARCH_M68K: 'm68k',
  SCMP_ARCH_MIPS: 'mips',
  SCMP_ARCH_MIPS64: 'mips64',
  SCMP_ARCH_MIPS64N32: 'mips64n32',
  SCMP_ARCH_MIPSEL: 'mipsel',
  SCMP_ARCH_MIPSEL64: 'mipsel64',
  SCMP_ARCH_MIPSEL64N32: 'mipsel64n32',
  SCMP_ARCH_PPC: 'ppc',
  SCMP_ARCH_PPC64: 'ppc64',
  SCMP_ARCH_PPC64LE: 'ppc64le',
  SCMP_ARCH_S390: 's390',
  SCMP_ARCH_S390X: 's390x',
  SCMP_ARCH_PARISC: 'parisc',
  SCMP_ARCH_PARISC64: 'parisc64',
  SCMP_ARCH_RISCV64: 'riscv64',
  SCMP_ARCH_SH: 'sh',
  SCMP_ARCH_SHEB: 'sheb',
} as const;
export type ArchitectureName = keyof typeof ARCHITECTURES;

/** SECCOMP_FILTER_FLAG_* of the flags a config may name. */
export const FLAGS = {
  SECCOMP_FILTER_FLAG_TSYNC: 1 << 0,
  SECCOMP_FILTER_FLAG_LOG: 1 << 1,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: 1 << 2,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: 1 << 5,
} as const;
export type FlagName = keyof typeof FLAGS;

/** Added by the init when the filter has a notify listener (not a config flag). */
export const SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3;

export function isActionName(value: unknown): value is ActionName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ACTIONS, value);
}
export function isOperatorName(value: unknown): value is OperatorName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(OPERATORS, value);
}
export function isArchitectureName(value: unknown): value is ArchitectureName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ARCHITECTURES, value);
}
export function isFlagName(value: unknown): value is FlagName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(FLAGS, value);
}

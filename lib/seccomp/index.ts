/**
 * Seccomp: `linux.seccomp` -> a finished BPF program (compiled in the
 * runtime process with libseccomp, cached by content) that the init helper
 * installs with seccomp(2). See ./compile.ts for the pipeline and
 * ./enosys.ts for the ENOSYS prefix.
 */
export { validateSeccomp, MAX_ARG_INDEX } from './validate';
export { normalizeSeccomp, profileHash, usesNotify } from './normalize';
export type { NormalizedProfile, NormalizedSyscallRule, NormalizedArg } from './normalize';
export { compileSeccomp, seccompCacheStats, clearSeccompCache } from './compile';
export type { SeccompProgram, SeccompSummary, CompileSeccompOptions } from './compile';
export { seccompFeatures, seccompAnnotations } from './features';
export type { SeccompFeatures } from './features';
export { libseccompVersionString } from './library';
export { SECCOMP_FILTER_FLAG_NEW_LISTENER } from './names';
export { containerProcessState } from './listener';
export type { ContainerProcessState } from './listener';

/**
 * The seccomp compiler: a validated, normalized `linux.seccomp` (the
 * profile part, lib/config/seccomp/) -> a finished BPF program (compiled
 * in the runtime process with libseccomp, cached by content) that the init
 * helper installs with seccomp(2). It runs where create gathers the host
 * facts (lib/host/seccomp.ts), never inside the plan compiler. See
 * ./compile.ts for the pipeline and ./enosys.ts for the ENOSYS prefix.
 */
export { compileSeccomp, seccompCacheStats, clearSeccompCache } from './compile';
export type { SeccompProgram, SeccompSummary, CompileSeccompOptions } from './compile';
export { seccompFeatures, seccompAnnotations } from './features';
export type { SeccompFeatures } from './features';
export { libseccompVersionString } from './library';
export { containerProcessState } from './listener';
export type { ContainerProcessState } from './listener';

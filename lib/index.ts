/**
 * kapsel: an OCI container runtime for Node.js.
 *
 *   import { Container } from 'kapsel';
 *   const { exitCode } = await Container.run({ id: 'demo', bundle: '/tmp/bundle' });
 *
 *   await using c = await Container.create({ id: 'demo', bundle: '/tmp/bundle' });
 *   await c.start();
 *   const p = await c.exec(['sh', '-c', 'exit 5']);
 *   const { exitCode: five } = await p.wait(); // c is force-deleted at the end of the scope
 *
 * @module kapsel
 */
export { Container } from './container/container';
export type {
  CreateOptions,
  LoadOptions,
  KillOptions,
  DeleteOptions,
  ExitStatus,
  PlanOptions,
  RunOptions,
  RunResult,
  ContainerEvents,
  ExecCommandAndOptions,
} from './container/container';
export { ExecProcess, type ExecProcessEvents } from './container/exec-process';
export type { ContainerPool, PoolOptions } from './container/pool';
export type { Runtime, RuntimeContainer, RuntimeProcess } from './container/runtime';
export type { ExecCommandOptions } from './container/exec-command';
export type { StartOptions, WaitOptions } from './container/container';
export { AbortError } from './container/abort';
export { collectOutput, type StdioOption, type StdioValue, type StreamWithFd, type PipedStdio } from './container/stdio';
export type { TerminalStream } from './container/stdio-terminal';
export type { ExecOptions } from './container/exec';
export { parseCgroupFlags, type CgroupSubPaths } from './container/exec-cgroup';
export * from './errors';
export type * from './config/types';
export type { ValidSpec, ValidProcess } from './config/valid';
export { loadBundle, defaultSpec } from './config';
export { validateConfig, type ValidateOptions, type ValidationReport, type ConfigIssue, type SkippedCheck } from './container/validate';
export { compilePlan, type CompileOptions } from './plan/compile';
export { gatherFacts } from './host/facts';
export type { PlanFacts, HostFacts, ImageFacts, LsmFacts, NotifySocketFact, NamespaceId, PasswdEntry, SeccompFacts } from './plan/plan-facts';
export { processPlan, type ProcessPlan, type ProcessPlanContext } from './plan/process';
export type { FdRole, FdSlot, HookNamespace, LaunchPlan, PlannedHook, Step } from './plan/steps';
export type { CgroupFacts, CgroupPlan } from './plan/runtime-cgroups';
export type { SystemdScope, UnitProperty, UnitPropertyOf } from './cgroups/systemd';
export type { SeccompCompiler, CompiledSeccomp, PlanPrograms } from './plan/seccomp';
export { libseccompCompiler } from './host/seccomp';
export { formatPlan, planToJSON } from './plan/format';
export { parseSignal, type Signal } from './signals';
export { defaultRoot } from './state/root';
export type { ContainerState } from './state/status';
export type { Logger } from './logger';
export type { CgroupStats } from './cgroups';
// The types that the signatures above name, exported so that a caller can
// name them too (and the API reference documents them).
export type { SocketActivation } from './container/socket-activation';
export type { WarningCode } from './config/findings';
export type { LoadedBundle } from './config/load';
export type { DefaultSpecOptions } from './config/default-spec';
export type { NormalizedProfile, NormalizedProfileJSON, NormalizedSyscallRule, NormalizedArg, NormalizedArgJSON } from './config/seccomp/normalize';
export type { CgroupViewFacts, CgroupHierarchyView } from './plan/cgroup-view';
export type { IdmapTree, PlanKind, ProcfsSource, MountFilesystem, DeviceType, SyncPoint, HookInContainer, U64, CheckedNamespace } from './plan/steps';
export type { SeccompProfile } from './plan/seccomp';
export type { JoinNamespace } from './native/addon';
export type { SeccompSummary } from './seccomp/summary';
export type { BpfInsn } from './cgroups/device-bpf';
export type { LayoutKind, CgroupLayout, V1Hierarchy } from './cgroups/layout';
export type { CgroupWrite } from './cgroups/writes';
export type { CgroupTarget } from './cgroups/path';
export type { CpusetStats, BlkioEntry, MemoryEntry } from './cgroups/stats';

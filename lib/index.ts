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
export type { PlanFacts, HostFacts, ImageFacts, PasswdEntry, SeccompFacts } from './plan/plan-facts';
export { processPlan, type ProcessPlan, type ProcessPlanContext } from './plan/process';
export type { FdRole, FdSlot, LaunchPlan, Step } from './plan/steps';
export type { CgroupFacts, CgroupPlan } from './plan/runtime-cgroups';
export type { SeccompCompiler, CompiledSeccomp, PlanPrograms } from './plan/seccomp';
export { libseccompCompiler } from './host/seccomp';
export { formatPlan, planToJSON } from './plan/format';
export { parseSignal, type Signal } from './signals';
export { defaultRoot } from './state/root';
export type { ContainerState } from './state/status';
export type { Logger } from './logger';
export type { CgroupStats } from './cgroups';

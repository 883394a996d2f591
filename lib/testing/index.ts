/**
 * kapsel/testing: tools for testing OCI runtimes and the programs around
 * them. `conformance()` registers node:test tests that check a
 * runc-compatible runtime CLI against the OCI runtime spec; `hostFacts`
 * makes up hosts, so that `Container.plan(config, { facts })` gives the
 * same plan on every machine (docs/testing.md); `SimulatedRuntime` stands
 * in for `Container` in the unit tests of programs that embed kapsel (no
 * root: scripted processes, real hooks, injectable faults, a
 * test-controlled clock).
 *
 * @module kapsel/testing
 */
export { conformance, AREA_NAMES, type ConformanceOptions } from './conformance/run';
export { AREAS } from './conformance/areas';
export { checkName, type Area, type Check, type Citation } from './conformance/spec';
export type { Harness } from './conformance/harness';
// The types that the Harness's members name, exported so that a check can
// name them too (and the API reference documents them).
export type { RunContext } from './conformance/harness';
export type { RuntimeCli, CliResult, StateJson } from './conformance/runtime-cli';
export type { HookEntry, Config } from './conformance/bundle';

// Plans that tests can pin: host facts made up the same on every machine
// (presets, or by hand from the exported constants), and the plan's
// stable printed form.
export {
  hostFacts,
  makeHostFacts,
  cgroupV2,
  cgroupV1Hybrid,
  defaultDeviceNodes,
  SECCOMP_ALL,
  SECCOMP_NONE,
  LSM_PRESETS,
  type HostFactsInit,
  type HostFactsOptions,
  type RootlessOptions,
} from './facts';
export { DEFAULT_DEVICES } from '../plan/default-devices';
export { deviceKey, type PlanFacts, type HostFacts, type ImageFacts, type LsmFacts, type SeccompFacts, type PasswdEntry } from '../plan/plan-facts';
export type { CgroupLayout } from '../cgroups/layout';
export type { CgroupFacts } from '../plan/runtime-cgroups';
export {
  MOUNT_FLAGS,
  MOUNT_ATTRS,
  CLONE_FLAGS,
  CAPABILITIES,
  SECCOMP_FILTER_FLAGS,
  flagNames,
  valueName,
  capabilityNames,
  octalMode,
  type NameTable,
} from '../plan/flag-names';
export { formatPlan, planToJSON, INHERITED_ENV } from '../plan/format';
export type { LaunchPlan, Step, PlannedHook, HookNamespace } from '../plan/steps';

export * from './simulated';
export type { Runtime, RuntimeContainer, RuntimeProcess } from '../container/runtime';

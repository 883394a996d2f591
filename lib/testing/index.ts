/**
 * kapsel/testing: tools for testing OCI runtimes and the programs around
 * them. `conformance()` registers node:test tests that check a
 * runc-compatible runtime CLI against the OCI runtime spec;
 * `SimulatedRuntime` stands in for `Container` in the unit tests of
 * programs that embed kapsel (no root: scripted processes, real hooks,
 * injectable faults, a test-controlled clock).
 */
export { conformance, AREA_NAMES, type ConformanceOptions } from './conformance/run';
export { AREAS } from './conformance/areas';
export { checkName, type Area, type Check, type Citation } from './conformance/spec';
export type { Harness } from './conformance/harness';
export * from './simulated';
export type { Runtime, RuntimeContainer, RuntimeProcess } from '../container/runtime';

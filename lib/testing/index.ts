/**
 * kapsel/testing: tools for testing OCI runtimes and the programs around
 * them. `conformance()` registers node:test tests that check a
 * runc-compatible runtime CLI against the OCI runtime spec.
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

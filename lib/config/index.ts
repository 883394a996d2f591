/**
 * The OCI configuration: types, validation, bundle loading and the default
 * (`kapsel spec`) config.
 */

export * from './types';
export type { ValidSpec, ValidProcess } from './valid';
export { normalizeKeys, type NormalizedKeys, type RenamedKey } from './keys';
export { validateConfig, validateProcess, validateResources, pointerSegment, type CollectOptions, type ConfigReport } from './validate';
export type { ConfigIssue, SkippedCheck, ValidationReport, WarningCode } from './findings';
export { loadBundle, type LoadedBundle } from './load';
export { defaultSpec, toRootless, isCgroup2UnifiedMode, OCI_VERSION, type DefaultSpecOptions } from './default-spec';
export { configSchema, processSchema, resourcesSchema } from './schema';

/**
 * validateConfig: checks a parsed config.json against the schema
 * (schema.ts) and then the cross-field rules (checks.ts). Every failure is an
 * InvalidConfigError naming the offending field as a JSON pointer: thrown
 * (the first; create, exec, Container.plan) or, with `{ collect: true }`,
 * all of them in a report with the warnings (`kapsel validate`). Both are
 * one pass over the same rules (findings.ts).
 */

import type Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { EXEC_PROCESS, InvalidConfigError } from '../errors';
import { checkProcess, checkSemantics } from './checks';
import { deprecatedForms } from './deprecated';
import { checkNestingDepth } from './depth';
import { Collector, THROW_FIRST, type ConfigIssue, type Findings, type ValidationReport } from './findings';
import { normalizeKeys, renamedKeyIssue } from './keys';
import { checkNoNulBytes } from './nul';
import { pointerSegment } from './pointer';
import { configSchema, processSchema, resourcesSchema, type SchemaNode } from './schema';
import type { LinuxResources, Spec } from './types';
import type { ValidProcess, ValidSpec } from './valid';

export { pointerSegment };

/** The schemas kapsel validates documents against, by the name of their precompiled module. */
export const SCHEMAS = { config: configSchema, process: processSchema, resources: resourcesSchema } as const;
export type SchemaName = keyof typeof SCHEMAS;

const compiled = new Map<SchemaName, ValidateFunction>();

/**
 * The validator of a schema. `npm install` precompiles each to plain code
 * (scripts/build-validators.js -> dist/lib/config/generated/): compiling
 * with ajv at run time costs ~150 ms, more than a whole container life.
 * Without the generated module (a TypeScript-only build) it compiles once.
 */
function schemaValidator(name: SchemaName): ValidateFunction {
  let validate = compiled.get(name);
  if (!validate) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      validate = require(`./generated/${name}-validator.js`) as ValidateFunction;
    } catch {
      validate = createAjv().compile(SCHEMAS[name]);
    }
    compiled.set(name, validate);
  }
  return validate;
}

/** The ajv instance of kapsel's schemas (also used to precompile them). */
export function createAjv(options: { source?: boolean } = {}): Ajv {
  // Loaded on demand: ajv itself takes ~60 ms to load, and the precompiled
  // validators do not need it.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const AjvClass = (require('ajv') as { default: typeof Ajv }).default;
  const instance = new AjvClass({
    // Every error, in the order of the schema: create throws the first,
    // `kapsel validate` lists them all (one validator serves both).
    allErrors: true,
    // Puts the failing schema node on each error, so toConfigError can read its `problem` text.
    verbose: true,
    // Strict mode turns mistakes in schema.ts into compile errors (caught by the unit tests).
    strict: true,
    // ...except for `required` inside if/else (devices' major/minor), which names properties defined next to it.
    strictRequired: false,
    code: { source: options.source ?? false },
  });
  instance.addKeyword('problem');
  return instance;
}

/** Runs a compiled schema and reports its errors in order (THROW_FIRST: throws the first as an InvalidConfigError). */
function checkSchema(name: SchemaName, value: unknown, f: Findings = THROW_FIRST): void {
  // Library callers' objects too: see depth.ts. Fatal either way: nothing deeper is walked.
  checkNestingDepth(value);
  const validate = schemaValidator(name);
  if (validate(value)) return;
  // An `if` error only says its `then`/`else` failed, a `propertyNames` one that some key did:
  // the error inside, which comes first, says which.
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if' && e.keyword !== 'propertyNames');
  if (errors.length === 0) f.error('/', 'is invalid');
  for (const err of errors) {
    const { jsonPath, problem } = toConfigError(err);
    f.error(jsonPath, problem);
  }
}

/** The one validation pass of a config: the schema, then the cross-field rules. */
function checkConfig(value: unknown, f: Findings): ValidSpec {
  checkSchema('config', value, f);
  f.shapesChecked();
  checkSemantics(value as Spec, f);
  return value as ValidSpec;
}

/** validateConfig's collecting mode. */
export interface CollectOptions {
  /** Report every error (and the warnings) instead of throwing the first. */
  collect: true;
}

/** A report of validateConfig(value, { collect: true }). */
export interface ConfigReport extends ValidationReport {
  /**
   * When valid: the config as create reads it (keys in the spec's
   * spelling), validated, for the checks that need more than the config
   * (the host's, the rootfs's).
   */
  config?: ValidSpec;
}

/**
 * Validates `value` as create reads config.json (keys matched as runc
 * matches them: keys.ts) and reports every error, each with its JSON
 * path, and the warnings: keys spelt in another case than the spec's, and
 * deprecated forms. Never throws for the config's faults. The host's and
 * the rootfs's checks are not here (lib/validate.ts adds them).
 */
export function validateConfig(value: unknown, options: CollectOptions): ConfigReport;
// Last, so that ReturnType<typeof validateConfig> is ValidSpec.
/**
 * Validates `value` (a parsed config.json) and returns it typed as a
 * ValidSpec, the only type the plan compiler accepts. The value is not
 * copied or modified. Unknown properties are accepted, as the spec requires
 * (keys spelt in another case are matched by loadBundle, see keys.ts).
 *
 * @throws InvalidConfigError with `jsonPath` like "/process/args/0" and a
 *   `problem` like "must be string" or "is required".
 */
export function validateConfig(value: unknown): ValidSpec;
export function validateConfig(value: unknown, options?: CollectOptions): ValidSpec | ConfigReport {
  if (!options?.collect) return checkConfig(value, THROW_FIRST);
  return collectConfig(value);
}

function collectConfig(value: unknown): ConfigReport {
  const collector = new Collector();
  const warnings: ConfigIssue[] = [];
  try {
    // Before normalizeKeys, which recurses into it.
    checkNestingDepth(value);
  } catch (err) {
    if (!(err instanceof InvalidConfigError)) throw err;
    return { valid: false, errors: [{ path: err.jsonPath, message: err.problem, code: err.code }], warnings, skipped: [] };
  }
  const { value: normalized, renamed } = normalizeKeys(value, configSchema);
  warnings.push(...renamed.map(renamedKeyIssue));
  const config = checkConfig(normalized, collector);
  // Deprecated forms only where the schema found the shapes right.
  if (collector.mayRead(['/mounts', '/hooks', '/linux/resources'])) warnings.push(...deprecatedForms(config));
  const valid = collector.errors.length === 0;
  return { valid, errors: collector.errors, warnings, skipped: collector.skipped, ...(valid ? { config } : {}) };
}

/**
 * Validates a standalone `process` object (the file of `exec --process`)
 * with the same rules as config.json's `process`. Paths in errors are
 * relative to that document ("/args/0"), and errors name it as `document`
 * ("invalid exec process: /cwd: is required"), never config.json.
 */
export function validateProcess(value: unknown, document = EXEC_PROCESS): ValidProcess {
  try {
    checkSchema('process', value);
    const proc = value as ValidProcess;
    checkProcess(proc, '');
    return proc;
  } catch (err) {
    throw err instanceof InvalidConfigError ? err.in(document) : err;
  }
}

/**
 * Validates a standalone LinuxResources object (the document of `update`)
 * with the same rules as config.json's `linux.resources`. Paths in errors
 * are relative to that document ("/hugepageLimits/0/pageSize").
 */
export function validateResources(value: unknown): LinuxResources {
  checkSchema('resources', value);
  checkNoNulBytes(value, resourcesSchema);
  return value as LinuxResources;
}

/** Turns ajv's first error into kapsel's (jsonPath, problem) form. */
function toConfigError(err: ErrorObject | undefined): InvalidConfigError {
  if (!err) return new InvalidConfigError('/', 'is invalid');
  const at = err.instancePath;
  // Only propertyNames errors carry the key separately, and the only key rule is "non-empty" (stringMap).
  if (err.propertyName !== undefined) {
    return new InvalidConfigError(`${at}/${pointerSegment(err.propertyName)}`, 'key must not be empty');
  }
  switch (err.keyword) {
    case 'required':
      return new InvalidConfigError(`${at}/${pointerSegment(err.params.missingProperty as string)}`, 'is required');
    case 'type':
      return new InvalidConfigError(at || '/', `must be ${err.params.type as string}`);
    case 'enum':
      return new InvalidConfigError(
        at,
        `must be one of ${(err.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      );
  }
  const problem = (err.parentSchema as SchemaNode | undefined)?.problem;
  return new InvalidConfigError(at || '/', typeof problem === 'string' ? problem : (err.message ?? 'is invalid'));
}

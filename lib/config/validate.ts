/**
 * validateConfig: checks a parsed config.json against the schema
 * (schema.ts) and then the cross-field rules (checks.ts). Every failure is an
 * InvalidConfigError naming the offending field as a JSON pointer.
 */

import type Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { EXEC_PROCESS, InvalidConfigError } from '../errors';
import { checkProcess, checkSemantics } from './checks';
import { checkNestingDepth } from './depth';
import { checkNoNulBytes } from './nul';
import { pointerSegment } from './pointer';
import { configSchema, processSchema, resourcesSchema, type SchemaNode } from './schema';
import type { LinuxResources } from './types';
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
    // Stop at the first problem: one precise error is what a user can act on.
    allErrors: false,
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

/** Runs a compiled schema; throws the first error as an InvalidConfigError. */
function checkSchema(name: SchemaName, value: unknown): void {
  // Library callers' objects too: see depth.ts.
  checkNestingDepth(value);
  const validate = schemaValidator(name);
  if (!validate(value)) throw toConfigError(validate.errors?.[0]);
}

/**
 * Validates `value` (a parsed config.json) and returns it typed as a
 * ValidSpec, the only type the plan compiler accepts. The value is not
 * copied or modified. Unknown properties are accepted, as the spec requires
 * (keys spelt in another case are matched by loadBundle, see keys.ts).
 *
 * @throws InvalidConfigError with `jsonPath` like "/process/args/0" and a
 *   `problem` like "must be string" or "is required".
 */
export function validateConfig(value: unknown): ValidSpec {
  checkSchema('config', value);
  const spec = value as ValidSpec;
  checkSemantics(spec);
  return spec;
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

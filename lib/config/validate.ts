/**
 * validateConfig: checks a parsed config.json against the schema
 * (schema.ts) and then the cross-field rules (checks.ts). Every failure is an
 * InvalidConfigError naming the offending field as a JSON pointer.
 */

import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { InvalidConfigError } from '../errors';
import { checkProcess, checkSemantics } from './checks';
import {
  ABSOLUTE_PATH_FORMAT,
  configSchema,
  isAbsolutePath,
  processSchema,
  resourcesSchema,
  type SchemaNode,
} from './schema';
import type { LinuxResources, Process, Spec } from './types';

let ajv: Ajv | undefined;
const compiled = new Map<SchemaNode, ValidateFunction>();

/**
 * Compiles a schema on first use and caches it: compiling costs a few ms
 * that most CLI commands (state, kill, delete) never need.
 */
function schemaValidator(schema: SchemaNode): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    ajv ??= createAjv();
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

function createAjv(): Ajv {
  const instance = new Ajv({
    // Stop at the first problem: one precise error is what a user can act on.
    allErrors: false,
    // Puts the failing schema node on each error, so toConfigError can read its `problem` text.
    verbose: true,
    // Strict mode turns mistakes in schema.ts into compile errors (caught by the unit tests).
    strict: true,
    // ...except for `required` inside if/else (devices' major/minor), which names properties defined next to it.
    strictRequired: false,
  });
  instance.addKeyword('problem');
  instance.addFormat(ABSOLUTE_PATH_FORMAT, isAbsolutePath);
  return instance;
}

/** Runs a compiled schema; throws the first error as an InvalidConfigError. */
function checkSchema(schema: SchemaNode, value: unknown): void {
  const validate = schemaValidator(schema);
  if (!validate(value)) throw toConfigError(validate.errors?.[0]);
}

/**
 * Validates `value` (a parsed config.json) and returns it typed as a Spec.
 * The value is not copied or modified. Unknown properties are accepted, as
 * the spec requires.
 *
 * @throws InvalidConfigError with `jsonPath` like "/process/args/0" and a
 *   `problem` like "must be string" or "is required".
 */
export function validateConfig(value: unknown): Spec {
  checkSchema(configSchema, value);
  const spec = value as Spec;
  checkSemantics(spec);
  return spec;
}

/**
 * Validates a standalone `process` object (the file of `exec --process`)
 * with the same rules as config.json's `process`. Paths in errors are
 * relative to that document ("/args/0").
 */
export function validateProcess(value: unknown): Process {
  checkSchema(processSchema, value);
  const proc = value as Process;
  checkProcess(proc, '');
  return proc;
}

/** Validates a standalone LinuxResources object (the file of `update --resources`). */
export function validateResources(value: unknown): LinuxResources {
  checkSchema(resourcesSchema, value);
  return value as LinuxResources;
}

/** Escapes one JSON-pointer segment (RFC 6901). */
export function pointerSegment(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
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

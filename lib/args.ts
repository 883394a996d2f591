/**
 * Argument guards of the public functions (issue 20, item 7): called from
 * JavaScript, nothing checks a call's types, and a library must answer a
 * wrong one with a typed error naming the argument, not with an
 * "undefined is not a function" from deep inside, nor a half-made
 * container. Each public function checks its arguments first, with a
 * guard from here; a bad one throws ArgumentTypeError (a wrong type),
 * ArgumentValueError (a value not allowed) or ArgumentRangeError (a
 * number out of range or not an integer), all InvalidArgumentError with
 * Node's codes (lib/errors.ts). Deeper checks (config.json's JSON paths,
 * the container id's characters, stdio's open fds) stay where they are:
 * the guards check the shape the rest relies on.
 */
import { ArgumentRangeError, ArgumentTypeError, ArgumentValueError } from './errors';

/** Checks `value`, named `name` in errors ("options.root"); throws when it is bad. */
export type Guard = (value: unknown, name: string) => void;

const INT32_MAX = 2 ** 31 - 1;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const string: Guard = (value, name) => {
  if (typeof value !== 'string') throw new ArgumentTypeError(name, 'of type string', value);
  // Paths and ids end up in C strings, where a NUL would cut them short.
  if (value.includes('\0')) throw new ArgumentValueError(name, 'a string without null bytes', value);
};

export const boolean: Guard = (value, name) => {
  if (typeof value !== 'boolean') throw new ArgumentTypeError(name, 'of type boolean', value);
};

export const func: Guard = (value, name) => {
  if (typeof value !== 'function') throw new ArgumentTypeError(name, 'of type function', value);
};

/** An integer number from `min` to `max`: NaN, Infinity and fractions are out of range. */
export function int(min: number, max: number): Guard {
  return (value, name) => {
    if (typeof value !== 'number') throw new ArgumentTypeError(name, 'of type number', value);
    if (!Number.isInteger(value) || value < min || value > max) throw new ArgumentRangeError(name, `an integer >= ${min} and <= ${max}`, value);
  };
}

/** A number from `min` to `max`, fractions allowed (milliseconds): NaN and the infinities are out of range. */
export function number(min: number, max: number): Guard {
  return (value, name) => {
    if (typeof value !== 'number') throw new ArgumentTypeError(name, 'of type number', value);
    if (!(value >= min && value <= max)) throw new ArgumentRangeError(name, `a number >= ${min} and <= ${max}`, value);
  };
}

/** A file descriptor number (whether it is open is for the code using it to say). */
export const fd: Guard = int(0, INT32_MAX);

/** One of these strings. */
export function oneOf(...values: readonly string[]): Guard {
  return (value, name) => {
    string(value, name);
    if (!values.includes(value as string)) throw new ArgumentValueError(name, `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`, value);
  };
}

/** `undefined` or what `guard` takes. */
export function optional(guard: Guard): Guard {
  return (value, name) => {
    if (value !== undefined) guard(value, name);
  };
}

/**
 * A value of one of several shapes; `expected` says them for the error.
 * The first guard whose type fits decides (so a value error of the right
 * shape is reported as such), else it is a type error.
 */
export function either(expected: string, ...shapes: ReadonlyArray<[(value: unknown) => boolean, Guard]>): Guard {
  return (value, name) => {
    const shape = shapes.find(([fits]) => fits(value));
    if (!shape) throw new ArgumentTypeError(name, expected, value);
    shape[1](value, name);
  };
}

/** An object (not null, not an array) whose listed fields pass their guards; other fields are not looked at. */
export function object(fields: Readonly<Record<string, Guard>> = {}): Guard {
  return (value, name) => {
    if (!isPlainObject(value)) throw new ArgumentTypeError(name, 'of type object', value);
    for (const [key, guard] of Object.entries(fields)) guard(value[key], `${name}.${key}`);
  };
}

/** An array whose items pass `item`. */
export function array(item?: Guard): Guard {
  return (value, name) => {
    if (!Array.isArray(value)) throw new ArgumentTypeError(name, 'an array', value);
    if (item) value.forEach((v, i) => item(v, `${name}[${i}]`));
  };
}

/** An instance of `type` (an AbortSignal: a look-alike would never fire). */
export function instance(type: abstract new (...args: never[]) => unknown): Guard {
  return (value, name) => {
    if (!(value instanceof type)) throw new ArgumentTypeError(name, `an instance of ${type.name}`, value);
  };
}

/** A Logger (lib/logger.ts): warn, and debug if there. */
export const logger: Guard = object({ warn: func, debug: optional(func) });

/** A signal as kill() takes it: a name (checked by parseSignal) or a number from 1 to 64. */
export const signal: Guard = either('of type string or number', [(v) => typeof v === 'string', string], [(v) => typeof v === 'number', int(1, 64)]);

/** Checks the arguments of one call: each value with its name and guard, in order. */
export function checkArgs(...checks: ReadonlyArray<[unknown, string, Guard]>): void {
  for (const [value, name, guard] of checks) guard(value, name);
}

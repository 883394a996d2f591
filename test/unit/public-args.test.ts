// No crash on bad input (issue 20, item 7): every public function of the
// library (lib/index.ts, lib/testing/index.ts), called from JavaScript
// with wrong types, numbers out of range or not integers, negative and
// huge numbers, throws an InvalidArgumentError with Node's code and the
// argument's name (lib/args.ts guards), in a child process that survives
// with nothing left behind (test/helpers/bad-args.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { libSources } from '../helpers/lib-sources';
import { assertBadCallsHandled } from '../helpers/bad-args';
import { ANY_VALUE, NO_ARGUMENTS, PUBLIC_MODULES, table } from '../helpers/public-arg-table';

const TABLE = path.join(__dirname, '..', 'helpers', 'public-arg-table.js');

/** A class (its source starts with "class"), not a plain function. */
function isClass(value: unknown): value is abstract new (...args: never[]) => unknown {
  return typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value));
}

/**
 * The members a class declares private (TypeScript's `private`: at run
 * time they are ordinary methods), from its source in lib/.
 */
function privateMembers(className: string): Set<string> {
  const file = libSources().find((f) => new RegExp(`^export class ${className}\\b`, 'm').test(fs.readFileSync(f, 'utf8')));
  assert.ok(file, `the source of class ${className}`);
  return new Set([...fs.readFileSync(file, 'utf8').matchAll(/^ {2}private (?:readonly |static |async )*(\w+)/gm)].map((m) => m[1]));
}

/** A plain object (a record of presets such as hostFacts), not a class instance or an array. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Every public function by name: "fn", "Class.staticMethod",
 * "Class#method", "object.member" (a function of an exported plain
 * object: hostFacts.root). A function exported twice (from both entries,
 * or also as an object's member: hostFacts.make is makeHostFacts) is
 * named once, by its first name: exports before object members. The
 * error classes' constructors are left out: the library makes them, and
 * their arguments go into a message only.
 */
function publicFunctions(): string[] {
  const names: string[] = [];
  const seen = new Set<unknown>();
  const add = (name: string, fn: unknown): void => {
    if (seen.has(fn)) return;
    seen.add(fn);
    names.push(name);
  };
  const exports = Object.values(PUBLIC_MODULES).flatMap((mod) => Object.entries(mod));
  for (const [name, value] of exports) {
    if (typeof value !== 'function') continue;
    if (!isClass(value)) {
      add(name, value);
      continue;
    }
    if (value.prototype instanceof Error || seen.has(value)) continue;
    seen.add(value);
    const hidden = privateMembers(name);
    for (const key of Object.getOwnPropertyNames(value)) {
      if (!['length', 'name', 'prototype'].includes(key) && typeof (value as unknown as Record<string, unknown>)[key] === 'function') names.push(`${name}.${key}`);
    }
    for (const key of Object.getOwnPropertyNames(value.prototype)) {
      const d = Object.getOwnPropertyDescriptor(value.prototype, key)!;
      if (key !== 'constructor' && typeof d.value === 'function' && !hidden.has(key)) names.push(`${name}#${key}`);
    }
  }
  for (const [name, value] of exports) {
    if (!isPlainObject(value)) continue;
    for (const [key, member] of Object.entries(value)) if (typeof member === 'function') add(`${name}.${key}`, member);
  }
  return names.sort();
}

test('the bad-argument table names exactly the public functions', () => {
  const covered = [...Object.keys(table.functions), ...NO_ARGUMENTS, ...ANY_VALUE].sort();
  // A new public function fails here until test/helpers/public-arg-table.ts says how to call it badly.
  assert.deepEqual(covered, publicFunctions());
});

for (const name of Object.keys(table.functions)) {
  test(`${name}: bad arguments throw typed errors naming the argument, nothing is left`, () => assertBadCallsHandled(TABLE, name));
}

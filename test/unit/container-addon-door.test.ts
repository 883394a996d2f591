/**
 * lib/container reaches the addon only through syscalls.ts (ParentSyscalls
 * for create's own calls, processCalls for the rest), so that create can
 * run on the recording double (test/helpers/recording-syscalls.ts) and
 * every native call of the container layer is in one file. Type-only
 * imports of the addon's types are fine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LIB, libSources } from '../helpers/lib-sources';

const CONTAINER = path.join(LIB, 'container');
const DOOR = path.join(CONTAINER, 'syscalls.ts');

/** The lines of `text` that call the addon or import a value from it. */
function addonUses(text: string): string[] {
  return text.split('\n').filter((line) => /\bnative\(\)/.test(line) || /^\s*import\s+(?!type\b)[^;]*from\s+['"]\.\.\/native\/addon['"]/.test(line) || /require\(\s*['"]\.\.\/native\/addon['"]\s*\)/.test(line));
}

test('lib/container calls the addon only in syscalls.ts', () => {
  const offenders = libSources(CONTAINER)
    .filter((file) => file !== DOOR)
    .flatMap((file) => addonUses(fs.readFileSync(file, 'utf8')).map((line) => `${path.relative(LIB, file)}: ${line.trim()}`));
  assert.deepEqual(offenders, []);
  assert.ok(addonUses(fs.readFileSync(DOOR, 'utf8')).length > 0, 'the door itself is found (the check can see an addon call)');
});

test('the check sees a value import and a call, and lets a type-only import through', () => {
  assert.equal(addonUses("import { native } from '../native/addon';").length, 1);
  assert.equal(addonUses("import { initHelperPath, type X } from '../native/addon';").length, 1);
  assert.equal(addonUses('  const fd = native().pidfdOpen(pid, 0);').length, 1);
  assert.equal(addonUses("import type { WaitResult } from '../native/addon';").length, 0);
});

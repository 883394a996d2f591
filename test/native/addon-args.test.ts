// No crash on bad input (issue 20, item 7): every function of the library
// addon, called with wrong types, numbers out of range or not integers,
// negative, huge and closed fds, throws a TypeError / RangeError (code
// ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE, ERR_OUT_OF_RANGE) or the
// kernel's errno error, in a child process that survives and is left with
// no fd, process or mount more than before (test/helpers/bad-args.ts). The
// checks themselves are native/addon/args.h.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { native } from '../../lib/native/addon';
import { table } from '../helpers/addon-arg-table';
import { assertBadCallsHandled } from '../helpers/bad-args';

const TABLE = path.join(__dirname, '..', 'helpers', 'addon-arg-table.js');

test('the bad-argument table names exactly the functions the addon exports', () => {
  const addon = native() as unknown as Record<string, unknown>;
  const exported = Object.keys(addon)
    .filter((name) => typeof addon[name] === 'function')
    .sort();
  // A new entry point fails here until test/helpers/addon-arg-table.ts says how to call it badly.
  assert.deepEqual(Object.keys(table.functions).sort(), exported);
});

for (const name of Object.keys(table.functions)) {
  test(`addon ${name}: bad arguments throw typed errors, the process survives, nothing is left`, () => assertBadCallsHandled(TABLE, name));
}

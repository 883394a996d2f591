// runc's stats JSON (lib/cgroups/stats.ts): omitted zero values, cpuset
// lists, and integers printed with every digit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_UINT64, memoryEntry, omitEmpty, parseCpuList, stringifyExact } from '../../lib/cgroups/stats';

test('an unlimited v1 limit prints as the kernel wrote it, MaxUint64 as runc prints it', () => {
  const unlimited = 9223372036854771712; // 2^63 - 4096: exact as a double, printed 9223372036854772000 by JSON.stringify
  assert.equal(JSON.stringify(unlimited), '9223372036854772000');
  assert.equal(stringifyExact({ limit: unlimited, max: MAX_UINT64, small: 5, frac: 0.5, s: 'x' }), '{"limit":9223372036854771712,"max":18446744073709551615,"small":5,"frac":0.5,"s":"x"}');
});

test('a string that looks like the marker stays a string', () => {
  assert.equal(stringifyExact({ s: '\u0000kapsel-exact:1' }), JSON.stringify({ s: '\u0000kapsel-exact:1' }));
});

test('zero, undefined and empty values are omitted (omitempty); a memory entry keeps limit and failcnt', () => {
  assert.deepEqual(omitEmpty({ a: 0, b: undefined, c: [], d: 1, e: [0] }), { d: 1, e: [0] });
  assert.deepEqual(memoryEntry(0, 0, undefined, undefined), { limit: 0, failcnt: 0 });
  assert.deepEqual(Object.keys(memoryEntry(1, 2, 3, 4)), ['limit', 'usage', 'max', 'failcnt']);
});

test('cpuset lists', () => {
  assert.deepEqual(parseCpuList('0-3,8,10-11\n'), [0, 1, 2, 3, 8, 10, 11]);
  assert.deepEqual(parseCpuList(''), []);
  assert.deepEqual(parseCpuList(undefined), []);
});

// The id maps the runtime reads to give a container's stdio to its user (lib/container/stdio-owner.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostIdOf, parseIdMap } from '../../lib/container/stdio-owner';

test('uid_map lines as the kernel prints them, and the host id of a container id', () => {
  const ranges = parseIdMap('         0     100000       1000\n      1000     200000      64536\n');
  assert.deepEqual(ranges, [
    { inside: 0, outside: 100000, size: 1000 },
    { inside: 1000, outside: 200000, size: 64536 },
  ]);
  assert.equal(hostIdOf(0, ranges), 100000);
  assert.equal(hostIdOf(999, ranges), 100999);
  assert.equal(hostIdOf(1000, ranges), 200000);
  assert.equal(hostIdOf(65535, ranges), 264535);
  // Past the last range: not mapped.
  assert.equal(hostIdOf(65536, ranges), undefined);
  assert.deepEqual(parseIdMap(''), []);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFields, encodeSteps } from '../../lib/plan/encode';

test('steps encode to length-prefixed fields with lists as count + items', () => {
  const bytes = encodeSteps([
    { op: 'mount', source: '', target: '/proc', fstype: 'proc', flags: 14, data: '', inContainer: true },
    { op: 'exec', args: ['/bin/sh', '-c', 'echo ü'], env: ['A=1'] },
    { op: 'capset', effective: 1n << 40n, permitted: 0n, inheritable: 3n },
    { op: 'no-new-privs' },
  ]);
  assert.equal(bytes.subarray(0, 4).toString(), 'KPL1');
  assert.deepEqual(decodeFields(bytes), [
    ['mount', '', '/proc', 'proc', '14', '', '1'],
    ['exec', '3', '/bin/sh', '-c', 'echo ü', '1', 'A=1'],
    ['capset', String(1n << 40n), '0', '3'],
    ['no-new-privs'],
  ]);
});

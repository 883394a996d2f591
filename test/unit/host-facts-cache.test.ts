/**
 * Host facts kept per process (lib/host/facts.ts): a device node found
 * before is reused only while one lstat shows it is still that device, and
 * never when it has become a symlink (a bind source must be the node itself).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hostDeviceNodes, stillTheDevice } from '../../lib/host/facts';
import { deviceKey } from '../../lib/plan/plan-facts';
import { tempDir } from '../helpers/tmp';

const NULL = deviceKey('c', 1, 3);
const ZERO = deviceKey('c', 1, 5);

test('a node is still the device only with the same type, major and minor', () => {
  assert.equal(stillTheDevice('/dev/null', NULL), true);
  assert.equal(stillTheDevice('/dev/null', ZERO), false);
  assert.equal(stillTheDevice('/dev/null', deviceKey('b', 1, 3)), false);
  assert.equal(stillTheDevice('/dev/missing-node-of-this-test', NULL), false);
});

test('a symlink to the device, or a regular file, is not the device', () => {
  const dir = tempDir('facts-cache');
  try {
    fs.symlinkSync('/dev/null', path.join(dir, 'link'));
    fs.writeFileSync(path.join(dir, 'file'), '');
    assert.equal(stillTheDevice(path.join(dir, 'link'), NULL), false);
    assert.equal(stillTheDevice(path.join(dir, 'file'), NULL), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a second lookup gives the same nodes, in a map of its own', () => {
  const devices = [{ type: 'c', path: '/dev/null', major: 1, minor: 3 }, { type: 'c', path: '/dev/zero', major: 1, minor: 5 }] as const;
  const first = hostDeviceNodes(devices);
  const second = hostDeviceNodes(devices);
  assert.deepEqual([...second], [...first]);
  assert.equal(first.get(NULL), '/dev/null');
  assert.notEqual(second, first);
  second.delete(NULL);
  assert.equal(hostDeviceNodes(devices).get(NULL), '/dev/null');
});

/**
 * lib/state/mountinfo.ts, the one TypeScript reader of mountinfo: fields,
 * optional fields of any number, octal escapes, lines that are not mounts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { parseMountinfo, parseMountinfoLine } from '../../lib/state/mountinfo';

test('a line with optional fields and escaped paths', () => {
  const line = '36 35 98:0 /mnt\\0401 /a\\040b\\134c rw,noatime shared:1 master:2 - ext3 /dev/my\\040disk rw,errors=continue';
  assert.deepEqual(parseMountinfoLine(line), {
    mountId: 36,
    parentId: 35,
    device: '98:0',
    root: '/mnt 1',
    mountPoint: '/a b\\c',
    options: ['rw', 'noatime'],
    optionalFields: ['shared:1', 'master:2'],
    fstype: 'ext3',
    source: '/dev/my disk',
    superOptions: ['rw', 'errors=continue'],
  });
});

test('no optional fields; a "-" inside a path is not the separator', () => {
  const m = parseMountinfoLine('22 1 0:21 / /x/- rw - tmpfs tmpfs rw,size=1024k');
  assert.equal(m?.mountPoint, '/x/-');
  assert.deepEqual(m?.optionalFields, []);
  assert.equal(m?.fstype, 'tmpfs');
});

test('lines that are not mounts are skipped', () => {
  assert.equal(parseMountinfoLine(''), undefined);
  assert.equal(parseMountinfoLine('22 1 0:21 / /x rw shared:1'), undefined);
  assert.deepEqual(parseMountinfo('\n22 1 0:21 / /x rw - tmpfs t rw\n\n').map((m) => m.mountPoint), ['/x']);
});

test('this process\'s own mountinfo parses, / included', () => {
  const mounts = parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
  assert.ok(mounts.some((m) => m.mountPoint === '/'));
  for (const m of mounts) {
    assert.ok(Number.isInteger(m.mountId) && Number.isInteger(m.parentId), JSON.stringify(m));
    assert.match(m.device, /^\d+:\d+$/);
    assert.ok(m.fstype !== '', JSON.stringify(m));
  }
});

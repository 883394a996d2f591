import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFields, encodeSteps } from '../../lib/plan/encode';

const text = (fields: Buffer[][]): string[][] => fields.map((f) => f.map((b) => b.toString('utf8')));

test('steps encode to length-prefixed fields with lists as count + items', () => {
  const bytes = encodeSteps([
    { op: 'mount', source: '', target: '/proc', fstype: 'proc', flags: 14, data: '', inContainer: true, filesystem: 'proc', inheritMode: false },
    { op: 'exec', args: ['/bin/sh', '-c', 'echo ü'], env: ['A=1'], searchPath: '/bin' },
    { op: 'capset', effective: String(1n << 40n), permitted: '0', inheritable: '3' },
    { op: 'no-new-privs' },
  ]);
  assert.equal(bytes.subarray(0, 4).toString(), 'KPL1');
  assert.deepEqual(text(decodeFields(bytes)), [
    // Wire enums go as their index (MOUNT_FILESYSTEMS: "proc" is 1).
    ['mount', '', '/proc', 'proc', '14', '', '1', '1', '0'],
    ['exec', '3', '/bin/sh', '-c', 'echo ü', '1', 'A=1', '/bin'],
    ['capset', String(1n << 40n), '0', '3'],
    ['no-new-privs'],
  ]);
});

test('a bytes field is copied as it is, NULs and invalid UTF-8 included', () => {
  const program = Uint8Array.from([0x20, 0x00, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x80]);
  const [[op, raw, flags]] = decodeFields(encodeSteps([{ op: 'seccomp', program, flags: 1, listenerFd: -1, allowsIdleRelease: false }]));
  assert.equal(op.toString(), 'seccomp');
  assert.deepEqual([...raw], [...program]);
  assert.equal(flags.toString(), '1');
});

test('a string field holding a NUL is refused', () => {
  assert.throws(() => encodeSteps([{ op: 'chdir', path: '/a\0b' }]), /NUL/);
});

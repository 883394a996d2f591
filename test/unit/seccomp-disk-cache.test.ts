// lib/seccomp/disk-cache.ts on its own: what makes an entry on disk a hit.
// (End to end through the CLI: test/system/seccomp-disk-cache.test.ts.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readDiskCache, useSeccompDiskCache, writeDiskCache, type CachedProgram } from '../../lib/seccomp/disk-cache';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-disk-cache-'));
after(() => {
  useSeccompDiskCache(undefined);
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A program of `instructions` sock_filters filled with `fill`, and its summary. */
function program(instructions: number, fill: number): CachedProgram {
  return {
    program: Buffer.alloc(instructions * 8, fill),
    summary: { defaultAction: 'SCMP_ACT_ALLOW', instructions, actions: {}, architectures: ['SCMP_ARCH_X86_64'], skipped: [], enosys: false, hash: `h${fill}` },
  };
}

const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);

test('an entry is read back under its own key', () => {
  useSeccompDiskCache(path.join(tmp, 'own'));
  writeDiskCache(KEY_A, program(4, 1));
  const read = readDiskCache(KEY_A);
  assert.ok(read);
  assert.deepEqual(read.program, program(4, 1).program);
  assert.deepEqual(fs.readdirSync(path.join(tmp, 'own', 'seccomp')), [KEY_A], 'no temporary file left');
});

test("an entry moved to another key's name is a miss: it is another profile's program", () => {
  const dir = path.join(tmp, 'moved', 'seccomp');
  useSeccompDiskCache(path.join(tmp, 'moved'));
  writeDiskCache(KEY_A, program(4, 1));
  fs.renameSync(path.join(dir, KEY_A), path.join(dir, KEY_B));
  assert.equal(readDiskCache(KEY_B), undefined);
  fs.renameSync(path.join(dir, KEY_B), path.join(dir, KEY_A));
  assert.ok(readDiskCache(KEY_A));
});

test('a symlink in place of the directory is neither read through nor written through', () => {
  const elsewhere = path.join(tmp, 'elsewhere');
  useSeccompDiskCache(elsewhere);
  writeDiskCache(KEY_A, program(4, 1));
  const linked = path.join(tmp, 'linked');
  fs.mkdirSync(linked);
  fs.symlinkSync(path.join(elsewhere, 'seccomp'), path.join(linked, 'seccomp'));
  useSeccompDiskCache(linked);
  assert.equal(readDiskCache(KEY_A), undefined);
  writeDiskCache(KEY_B, program(4, 2));
  assert.deepEqual(fs.readdirSync(path.join(elsewhere, 'seccomp')), [KEY_A]);
});

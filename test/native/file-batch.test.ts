// The addon's file batches (native/addon/file_batch.cc): calls run in
// order on a pool thread, the first failure not tolerated ends the batch
// (later ops do not run), and a failure comes back as the error Node's fs
// gives for the same call (lib/cgroups/file-batch.ts), so cgroup errors
// still name the file, the errno and the system call.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { failureError, isFailure, runFileBatch } from '../../lib/cgroups/file-batch';
import { native } from '../../lib/native/addon';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-file-batch-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const { EEXIST, ENOENT } = os.constants.errno;

/** What fs throws for `call`. */
function fsError(call: () => void): NodeJS.ErrnoException {
  try {
    call();
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
  throw new Error('fs did not fail');
}

test('ops run in order: mkdir, write, read, exists, subdirs, rmdir', async () => {
  const dir = path.join(tmp, 'order');
  const file = path.join(dir, 'f');
  const results = await runFileBatch([
    { op: 'mkdir', path: dir },
    { op: 'mkdir', path: path.join(dir, 'sub') },
    { op: 'write', path: dir, file: 'f', value: 'one\n' }, // never created: ENOENT
    { op: 'rmdir', path: path.join(dir, 'sub') },
  ]);
  assert.deepEqual(results.slice(0, 3), [true, true, { errno: ENOENT, code: 'ENOENT', syscall: 'open' }]);
  assert.equal(results[3], undefined, 'not run after the failure');
  assert.equal(fs.existsSync(file), false, 'a write never creates its file');
  fs.writeFileSync(file, 'zero, longer');
  const again = await runFileBatch([
    { op: 'write', path: dir, file: 'f', value: 'one\n' },
    { op: 'write', path: dir, file: 'f', value: 'two' }, // truncates, as writeFileSync
    { op: 'read', path: file },
    { op: 'exists', path: file },
    { op: 'subdirs', path: dir },
    { op: 'rmdir', path: path.join(dir, 'sub') },
    { op: 'subdirs', path: dir },
  ]);
  assert.deepEqual(again, [true, true, 'two', true, ['sub'], true, []]);
  assert.equal(fs.readFileSync(file, 'utf8'), 'two');
});

test('a write opens one file name from its directory: no path, no symlink (neither file nor directory), no new file', async () => {
  const dir = path.join(tmp, 'confined');
  const elsewhere = path.join(tmp, 'elsewhere');
  fs.mkdirSync(dir);
  fs.mkdirSync(elsewhere);
  const victim = path.join(elsewhere, 'victim');
  fs.writeFileSync(victim, 'secret', { mode: 0o600 });
  fs.symlinkSync(victim, path.join(dir, 'memory.max'));
  fs.symlinkSync(elsewhere, path.join(dir, 'link'));
  const [viaSymlink, viaLinkedDir, missing] = await runFileBatch([
    { op: 'write', path: dir, file: 'memory.max', value: 'x', tolerate: true },
    { op: 'write', path: path.join(dir, 'link'), file: 'victim', value: 'x', tolerate: true },
    { op: 'write', path: dir, file: 'hugetlb.2MB.max', value: 'x', tolerate: true },
  ]);
  assert.deepEqual(viaSymlink, { errno: os.constants.errno.ELOOP, code: 'ELOOP', syscall: 'open' });
  // O_DIRECTORY|O_NOFOLLOW on a symlink: ENOTDIR.
  assert.deepEqual(viaLinkedDir, { errno: os.constants.errno.ENOTDIR, code: 'ENOTDIR', syscall: 'open' });
  assert.deepEqual(missing, { errno: ENOENT, code: 'ENOENT', syscall: 'open' });
  const [read] = await runFileBatch([{ op: 'read', path: path.join(dir, 'memory.max'), tolerate: true }]);
  assert.deepEqual(read, { errno: os.constants.errno.ELOOP, code: 'ELOOP', syscall: 'open' }, 'a read does not follow one either');
  for (const file of ['../elsewhere/victim', '/etc/passwd', '..', '.', '', 'a/b']) {
    assert.throws(() => native().fileBatchAsync([{ op: 'write', path: dir, file, value: 'x' }]), /file must be one path component/, file);
  }
  assert.equal(fs.readFileSync(victim, 'utf8'), 'secret');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['link', 'memory.max']);
});

test('the first failure not tolerated ends the batch; tolerated ones are reported and it goes on', async () => {
  const dir = path.join(tmp, 'stop');
  fs.mkdirSync(dir);
  const results = await runFileBatch([
    { op: 'mkdir', path: dir, tolerate: [EEXIST] },
    { op: 'rmdir', path: path.join(dir, 'missing'), tolerate: true },
    { op: 'write', path: dir, file: 'absent', value: 'x', tolerate: [EEXIST] },
    { op: 'mkdir', path: path.join(dir, 'never') },
  ]);
  assert.equal(results.length, 4);
  assert.deepEqual(results[0], { errno: EEXIST, code: 'EEXIST', syscall: 'mkdir' });
  assert.deepEqual(results[1], { errno: ENOENT, code: 'ENOENT', syscall: 'rmdir' });
  assert.deepEqual(results[2], { errno: ENOENT, code: 'ENOENT', syscall: 'open' });
  assert.equal(results[3], undefined, 'not run after the failure');
  assert.equal(fs.existsSync(path.join(dir, 'never')), false);
  assert.equal(fs.existsSync(path.join(dir, 'absent')), false, 'a write never makes its file');
});

test('a failure becomes the error fs gives for the same call', async () => {
  const missing = path.join(tmp, 'no', 'such');
  const [mkdir, rmdir, read, subdirs] = await runFileBatch([
    { op: 'mkdir', path: missing, tolerate: true },
    { op: 'rmdir', path: missing, tolerate: true },
    { op: 'read', path: missing, tolerate: true },
    { op: 'subdirs', path: missing, tolerate: true },
  ]);
  for (const [result, call] of [
    [mkdir, () => fs.mkdirSync(missing)],
    [rmdir, () => fs.rmdirSync(missing)],
    [read, () => fs.readFileSync(missing, 'utf8')],
    [subdirs, () => fs.readdirSync(missing)],
  ] as const) {
    assert.ok(isFailure(result));
    const ours = failureError(result, missing);
    const theirs = fsError(call);
    assert.deepEqual(
      { message: ours.message, code: ours.code, errno: ours.errno, syscall: ours.syscall, path: ours.path },
      { message: theirs.message, code: theirs.code, errno: theirs.errno, syscall: theirs.syscall, path: theirs.path },
    );
  }
});

test('bad ops are refused before anything runs', () => {
  const dir = path.join(tmp, 'refused');
  assert.throws(() => native().fileBatchAsync([{ op: 'mkdir', path: dir }, { op: 'chmod' as 'mkdir', path: dir }]), /op 1: unknown op/);
  assert.throws(() => native().fileBatchAsync([{ op: 'mkdir', path: `${dir}\0x` }]), /without null bytes/);
  assert.throws(() => native().fileBatchAsync([{ op: 'write', path: dir } as never]), /value must be a string/);
  assert.throws(() => native().fileBatchAsync([{ op: 'write', path: dir, value: 'x' } as never]), /file must be one path component/);
  assert.equal(fs.existsSync(dir), false);
});

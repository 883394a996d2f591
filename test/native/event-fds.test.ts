// The addon's event fds (native/addon/event_fds.cc) and the wait that does
// not keep a process alive: eventfd and inotify descriptors are
// close-on-exec, readable when signalled, typed errors on failure; a
// waitReadable with keepAlive: false lets a program that is done exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { native } from '../../lib/native/addon';
import { EFD_NONBLOCK, IN_MODIFY, IN_NONBLOCK } from '../../lib/native/constants';
import { tempDir } from '../helpers/tmp';

const O_CLOEXEC = 0o2000000;
const O_NONBLOCK = 0o4000;

/** The open flags of one of our fds (octal "flags:" of /proc/self/fdinfo). */
function fdFlags(fd: number): number {
  const m = /^flags:\s+([0-7]+)$/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  assert.ok(m, 'fdinfo has flags');
  return parseInt(m[1]!, 8);
}

test('eventfd: close-on-exec, readable once written, EAGAIN when drained without blocking', async () => {
  const fd = native().eventfd(0, EFD_NONBLOCK);
  try {
    assert.equal(fdFlags(fd) & O_CLOEXEC, O_CLOEXEC);
    assert.equal(fdFlags(fd) & O_NONBLOCK, O_NONBLOCK);
    assert.throws(() => fs.readSync(fd, Buffer.alloc(8)), { code: 'EAGAIN' });
    const ready = native().waitReadable(fd);
    fs.writeSync(fd, Buffer.from([2, 0, 0, 0, 0, 0, 0, 0]));
    fs.writeSync(fd, Buffer.from([3, 0, 0, 0, 0, 0, 0, 0]));
    assert.equal(await ready, 0);
    const value = Buffer.alloc(8);
    assert.equal(fs.readSync(fd, value), 8);
    assert.equal(value.readBigUInt64LE(), 5n, 'the counter adds the writes up');
  } finally {
    fs.closeSync(fd);
  }
});

test('eventfd refuses bad arguments with typed errors', () => {
  assert.throws(() => native().eventfd(-1, 0), RangeError);
  assert.throws(() => native().eventfd('0' as unknown as number, 0), { code: 'ERR_INVALID_ARG_TYPE' });
  // An unknown flag is the kernel's EINVAL, as a Node-style system error.
  assert.throws(() => native().eventfd(0, 0x40), { code: 'EINVAL', syscall: 'eventfd' });
});

test('inotify: close-on-exec; a watched file\'s change makes it readable; a missing path is a typed error naming it', async () => {
  const dir = tempDir('inotify');
  const file = path.join(dir, 'watched');
  fs.writeFileSync(file, 'a');
  const fd = native().inotifyInit(IN_NONBLOCK);
  try {
    assert.equal(fdFlags(fd) & O_CLOEXEC, O_CLOEXEC);
    const wd = native().inotifyAddWatch(fd, file, IN_MODIFY);
    assert.ok(wd >= 1);
    const ready = native().waitReadable(fd);
    fs.appendFileSync(file, 'b');
    assert.equal(await ready, 0);
    // struct inotify_event: wd, mask, cookie, len.
    const event = Buffer.alloc(4096);
    assert.ok(fs.readSync(fd, event) >= 16);
    assert.equal(event.readInt32LE(0), wd);
    assert.equal(event.readUInt32LE(4) & IN_MODIFY, IN_MODIFY);
    const missing = path.join(dir, 'missing');
    assert.throws(() => native().inotifyAddWatch(fd, missing, IN_MODIFY), { code: 'ENOENT', syscall: 'inotify_add_watch', path: missing });
    assert.throws(() => native().inotifyAddWatch(fd, 'a\0b', IN_MODIFY), TypeError);
  } finally {
    fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('waitReadable with keepAlive: false does not keep a finished program alive; the default does', () => {
  const addon = require.resolve('../../lib/native/addon');
  // A pipe that nobody writes: the wait never ends by itself.
  const program = (options: string): string =>
    `const { native } = require(${JSON.stringify(addon)});
     const [r] = native().streamPair();
     native().waitReadable(r, ${options}).then(() => process.exit(3));
     ${options === 'undefined' ? 'setTimeout(() => process.exit(4), 200).unref();' : ''}`;
  const unref = spawnSync(process.execPath, ['-e', program('{ keepAlive: false }')], { timeout: 60_000 });
  assert.equal(unref.status, 0, `exits on its own: ${unref.stderr}`);
  // With the default the wait holds the process: the unref'd timer's exit code shows it was still alive.
  const held = spawnSync(process.execPath, ['-e', program('undefined')], { timeout: 60_000 });
  assert.equal(held.status, 4, `held until its timer fired: ${held.stderr}`);
  assert.throws(() => native().waitReadable(0, { keepAlive: 'no' as unknown as boolean }), TypeError);
});

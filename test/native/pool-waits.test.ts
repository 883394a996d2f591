// The addon's waits and clones for many containers in one process:
// spawnAsync clones on a pool thread and reports a child's failure as a
// rejection naming the syscall and what it was about; waitReadable on
// several fds resolves with the index of the first one ready (start waits
// on the exec fifo and the init's pidfd together) and leaves the others
// unwatched, so that they can be closed or waited on again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { native } from '../../lib/native/addon';
import * as C from '../../lib/native/constants';

const skip = process.getuid!() !== 0 ? 'needs root' : false;

test('spawnAsync runs a child in new namespaces and resolves with its pid and pidfd', { skip }, async () => {
  const { pid, pidfd } = await native().spawnAsync({
    file: '/bin/sh',
    argv: ['sh', '-c', 'exit 3'],
    env: [],
    fds: [0, 1, 2],
    cloneFlags: C.CLONE_NEWPID | C.CLONE_NEWUTS,
    join: [],
  });
  assert.ok(pid > 0);
  assert.deepEqual(await native().pidfdWait(pidfd), { exitCode: 3, signal: null });
  fs.closeSync(pidfd);
});

test('spawnAsync rejects with the failing syscall of the child and the fd it was about', { skip }, async () => {
  // An fd that is not open: the child's fcntl fails before the exec.
  const notOpen = 900;
  assert.throws(() => fs.fstatSync(notOpen));
  await assert.rejects(
    native().spawnAsync({ file: '/bin/true', argv: ['true'], env: [], fds: [0, 1, 2, notOpen], cloneFlags: 0, join: [] }),
    (err: NodeJS.ErrnoException) => {
      assert.equal(err.code, 'EBADF');
      assert.equal(err.syscall, 'fcntl');
      assert.equal(err.path, `fd ${notOpen} (passed as the child's fd 3)`);
      return true;
    },
  );
});

test('spawnAsync throws at once for options it cannot read', () => {
  assert.throws(() => native().spawnAsync({ file: '/bin/true', argv: 'x' } as never), TypeError);
  assert.throws(() => native().spawnAsync({ file: '/nonexistent/binary', argv: ['x'], env: [], fds: [0, 1, 2], cloneFlags: 0, join: [] }), {
    code: 'ENOENT',
    syscall: 'memfd_create',
  });
});

test('waitReadable on several fds resolves with the index of the first ready, and stops watching the rest', async () => {
  const [a0, a1] = native().seqpacketPair();
  const [b0, b1] = native().seqpacketPair();
  const open = new Set([a0, a1, b0, b1]);
  try {
    const waiting = native().waitReadable([a0, b0]);
    fs.writeSync(b1, Buffer.from('x'));
    assert.equal(await waiting, 1);
    fs.readSync(b0, Buffer.alloc(8));
    // a0 is no longer watched: a new wait on it and on b0 works.
    const again = native().waitReadable([b0, a0]);
    fs.writeSync(a1, Buffer.from('y'));
    assert.equal(await again, 1);
    fs.readSync(a0, Buffer.alloc(8));
    // A hang-up counts as ready, as for one fd.
    const hangUp = native().waitReadable([a0]);
    fs.closeSync(a1);
    open.delete(a1);
    assert.equal(await hangUp, 0);
  } finally {
    for (const fd of open) fs.closeSync(fd);
  }
});

test('waitReadable refuses an empty list and non-numbers', () => {
  assert.throws(() => native().waitReadable([]), TypeError);
  assert.throws(() => native().waitReadable(['3' as unknown as number]), TypeError);
});

// Issue 9 item 18 (NOTIFY_SOCKET): with NOTIFY_SOCKET in the runtime's
// environment, the container gets the socket bound at
// /run/notify/notify.sock and its NOTIFY_SOCKET points there (as crun).
//
// Issue 16, hole 6: only a socket is bound, the one the path names from the
// host's view. A regular host file, "/", a directory and a symlink (to a
// socket another user planted) are each refused, naming NOTIFY_SOCKET and
// the path, before anything exists: the container that would read and
// append to the host file never runs, and nothing is left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { InvalidArgumentError } from '../../lib/errors';
import { FIXTURES_BIN } from '../helpers/bundle';
import { childProcesses } from '../helpers/leaks';
import { findMount, probeReport, runProbe } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';
import { ensureTestUser } from '../helpers/user';

const suite = systemSuite();
const { skip } = suite;

/** Runs `fn` with the runtime's (this process's) NOTIFY_SOCKET set to `value`. */
async function withNotifySocket<T>(value: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.NOTIFY_SOCKET;
  process.env.NOTIFY_SOCKET = value;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.NOTIFY_SOCKET;
    else process.env.NOTIFY_SOCKET = saved;
  }
}

/** A listening stream socket at `socket` (the runtime only looks at its type); closed by the returned function. */
async function listenAt(socket: string): Promise<() => Promise<void>> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * The attack: a container that reads (`cat`) or writes (`write`) the bound
 * path from inside. Create must refuse, naming NOTIFY_SOCKET and the path,
 * and leave no container, process or file in the rootfs.
 */
async function expectRefused(value: string, why: RegExp): Promise<void> {
  const bundle = suite.bundle();
  for (const args of [['/probe', 'cat', '/run/notify/notify.sock'], ['/probe', 'write', '/run/notify/notify.sock']]) {
    await withNotifySocket(value, async () => {
      await assert.rejects(runProbe(bundle, { root: suite.root, args }), (err: unknown) => {
        assert.ok(err instanceof InvalidArgumentError, String(err));
        assert.ok(err.message.startsWith(`NOTIFY_SOCKET=${value}: `), err.message);
        assert.match(err.message, why);
        return true;
      });
    });
    assert.deepEqual(fs.readdirSync(suite.root), []);
    assert.deepEqual(childProcesses(), []);
    assert.equal(fs.existsSync(path.join(bundle.rootfs, 'run')), false, 'no bind target made in the rootfs');
  }
}

test('the runtime\'s NOTIFY_SOCKET is bound into the container, read-only, and named by its NOTIFY_SOCKET', { skip }, async () => {
  const dir = tempDir('notify');
  const socket = path.join(dir, 'notify.sock');
  const close = await listenAt(socket);
  try {
    await withNotifySocket(socket, async () => {
      const bundle = suite.bundle({ edit: (s) => (s.process!.env = [...(s.process!.env ?? []), 'NOTIFY_SOCKET=/elsewhere']) });
      const report = await probeReport(bundle, ['/run/notify/notify.sock']);
      assert.ok(report.env.includes('NOTIFY_SOCKET=/run/notify/notify.sock'), report.env.join(' '));
      assert.ok(!report.env.includes('NOTIFY_SOCKET=/elsewhere'));
      const st = report.stat['/run/notify/notify.sock'];
      assert.ok(!('error' in st), JSON.stringify(st));
      assert.equal(st.type, 'other', 'a socket, not a file created in its place');
      const mount = findMount(report, '/run/notify/notify.sock');
      assert.ok(mount, report.mounts.join('\n'));
      for (const option of ['ro', 'nosuid', 'nodev', 'noexec']) assert.ok(mount.options.includes(option), mount.options.join(','));
    });
  } finally {
    await close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('hole 6: a datagram sent from inside reaches the host listener; the socket\'s directory does not exist in the rootfs', { skip }, async () => {
  const dir = tempDir('notify');
  // A path the rootfs has nothing of: the source is a host path, never resolved in the rootfs.
  const socket = path.join(dir, 'deep', 'down', 'notify.sock');
  fs.mkdirSync(path.dirname(socket), { recursive: true });
  const listener = spawn(path.join(FIXTURES_BIN, 'probe'), ['notify-listen', socket, '20'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: listener.stdout! })[Symbol.asyncIterator]();
  const exited = new Promise((resolve) => listener.once('exit', resolve));
  try {
    assert.deepEqual(JSON.parse((await lines.next()).value as string), { ready: true });
    await withNotifySocket(socket, async () => {
      const bundle = suite.bundle();
      assert.equal(fs.existsSync(path.join(bundle.rootfs, path.dirname(socket))), false);
      const res = await runProbe(bundle, { root: suite.root, args: ['/probe', 'notify', 'READY=1'] });
      assert.equal(res.exit.exitCode, 0, res.stdout + res.stderr);
      assert.deepEqual(JSON.parse(res.stdout), { ok: true });
    });
    assert.deepEqual(JSON.parse((await lines.next()).value as string), { received: 'READY=1' });
  } finally {
    listener.kill('SIGKILL');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('hole 6: NOTIFY_SOCKET naming a regular host file is refused; the file is neither read nor written from inside', { skip }, async () => {
  const dir = tempDir('notify');
  const file = path.join(dir, 'host-secret');
  fs.writeFileSync(file, 'host secret\n');
  try {
    await expectRefused(file, /is a regular file, not a socket/);
    assert.equal(fs.readFileSync(file, 'utf8'), 'host secret\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('hole 6: NOTIFY_SOCKET=/ and NOTIFY_SOCKET naming a directory are refused', { skip }, async () => {
  await expectRefused('/', /is a directory, not a socket/);
  const dir = tempDir('notify');
  try {
    await expectRefused(dir, /is a directory, not a socket/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('hole 6: NOTIFY_SOCKET naming a symlink to a socket another user planted is refused, not followed', { skip }, async () => {
  const other = ensureTestUser();
  const dir = tempDir('notify');
  const socket = path.join(dir, 'planted.sock');
  const link = path.join(dir, 'notify');
  const close = await listenAt(socket);
  try {
    fs.symlinkSync(socket, link);
    fs.lchownSync(socket, other.uid, other.gid);
    fs.lchownSync(link, other.uid, other.gid);
    await expectRefused(link, /is a symbolic link \(not followed\)/);
  } finally {
    await close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Issue 8's attacks on the container's processes, performed as root: the
 * no-pivot escape to a fresh procfs (hole 4), a /dev/console symlink in the
 * image (hole 6), ptrace and /proc access to a created container's init
 * from a second container in its pid namespace (hole 7), and the fds hooks
 * and the container process inherit (hole 8).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Container } from '../../lib';
import type { Hook } from '../../lib/config/types';
import { native } from '../../lib/native/addon';
import { createTestContainer, findMount, runProbe, uniqueId, type ProbeReport } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';
import { testAddon } from '../helpers/test-addon';

const suite = systemSuite();
const { skip } = suite;

/** x86_64 and aarch64 numbers of ptrace(2), and PTRACE_ATTACH. */
const SYS_PTRACE = process.arch === 'arm64' ? 117 : 101;
const PTRACE_ATTACH = 16;

/** fds above stdio this test process holds without close-on-exec (from its own caller). */
function callerFds(): Set<string> {
  const fds = new Set<string>();
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    if (Number(fd) <= 2) continue;
    try {
      const flags = /flags:\s*([0-7]+)/.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
      if (flags && (parseInt(flags[1], 8) & 0o2000000) === 0) fds.add(fd);
    } catch {
      // closed meanwhile
    }
  }
  return fds;
}

/** Runs the bundle with --no-pivot through the library (`beforeStart` between create and start); its stdout. */
async function runNoPivot(bundleDir: string, beforeStart?: () => void): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  const out = tempDir('nopivot-out');
  const fds = [fs.openSync('/dev/null', 'r'), fs.openSync(path.join(out, 'o'), 'w'), fs.openSync(path.join(out, 'e'), 'w')];
  try {
    const c = await Container.create({ id: uniqueId(), bundle: bundleDir, root: suite.root, stdio: [fds[0], fds[1], fds[2]], noPivot: true });
    try {
      beforeStart?.();
      await c.start();
      const { exitCode } = await c.wait();
      return { exitCode, stdout: fs.readFileSync(path.join(out, 'o'), 'utf8'), stderr: fs.readFileSync(path.join(out, 'e'), 'utf8') };
    } finally {
      await c.delete({ force: true });
    }
  } finally {
    for (const fd of fds) fs.closeSync(fd);
    fs.rmSync(out, { recursive: true, force: true });
  }
}

test('hole 4: with --no-pivot, uid 1000 inside cannot mount a fresh procfs from a new user namespace', { skip }, async () => {
  const bundle = suite.bundle({
    edit: (spec, { rootfs }) => {
      fs.mkdirSync(path.join(rootfs, 'mnt'));
      spec.process!.user = { uid: 1000, gid: 1000 };
      spec.process!.args = ['/probe', 'mount-proc', '/mnt'];
    },
  });
  const noPivot = await runNoPivot(bundle.dir);
  assert.equal(noPivot.exitCode, 0, noPivot.stderr);
  // The host's /proc was detached before the move: no fully visible procfs
  // is left in the namespace, so the kernel refuses the new one.
  assert.deepEqual(JSON.parse(noPivot.stdout), { ok: false, errno: 'EPERM' });
  // The same as with pivot_root.
  const pivot = await runProbe(bundle, { root: suite.root });
  assert.deepEqual(pivot.report, { ok: false, errno: 'EPERM' });
});

test('hole 4: with --no-pivot, a procfs the host mounts after create does not reach the container', { skip }, async () => {
  const bundle = suite.bundle({
    edit: (spec, { rootfs }) => {
      fs.mkdirSync(path.join(rootfs, 'mnt'));
      spec.process!.user = { uid: 1000, gid: 1000 };
      spec.process!.args = ['/probe', 'mount-proc', '/mnt'];
    },
  });
  const out = tempDir('nopivot-late');
  // A shared mount of the host's (as / is on a systemd host; this
  // machine's / is private), so that mounts below it propagate into the
  // container's copy of it, which rootfsPropagation makes a slave.
  const shared = path.join(out, 'shared');
  const hostProc = path.join(shared, 'proc');
  fs.mkdirSync(hostProc, { recursive: true });
  execFileSync('mount', ['--bind', shared, shared]);
  execFileSync('mount', ['--make-shared', shared]);
  let mounted = false;
  try {
    // A fully visible procfs appearing in the host's namespace while the
    // container waits: the old root under the container's is private, so
    // it does not propagate there (or the kernel would allow a fresh one).
    const res = await runNoPivot(bundle.dir, () => {
      execFileSync('mount', ['-t', 'proc', 'proc', hostProc]);
      mounted = true;
    });
    assert.equal(res.exitCode, 0, res.stderr);
    assert.deepEqual(JSON.parse(res.stdout), { ok: false, errno: 'EPERM' });
  } finally {
    if (mounted) execFileSync('umount', [hostProc]);
    execFileSync('umount', [shared]);
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test('hole 4: --no-pivot still runs an ordinary container with its own /proc', { skip }, async () => {
  const bundle = suite.bundle({ edit: (spec) => void (spec.process!.args = ['/probe', 'report', '/proc/1']) });
  const res = await runNoPivot(bundle.dir);
  assert.equal(res.exitCode, 0, res.stderr);
  const report = JSON.parse(res.stdout) as ProbeReport;
  assert.ok(findMount(report, '/proc'), 'the container has its own /proc');
  assert.equal((report.stat['/proc/1'] as { type: string }).type, 'dir', 'its pid 1 is its own init');
});

test('hole 6: an image /dev/console that is a symlink does not carry the console bind to its target', { skip }, async () => {
  const dir = tempDir('console');
  const socketPath = path.join(dir, 'console.sock');
  const listener = testAddon().unixListen(socketPath);
  const b = suite.bundle({
    edit: (s, { rootfs }) => {
      // The image's own /dev (no tmpfs over it), with the trap in it.
      s.mounts = s.mounts!.filter((m) => m.destination !== '/dev');
      fs.mkdirSync(path.join(rootfs, 'dev'));
      fs.writeFileSync(path.join(rootfs, 'etc', 'target'), 'image file\n');
      fs.symlinkSync('/etc/target', path.join(rootfs, 'dev', 'console'));
      s.process!.terminal = true;
      s.process!.args = ['/probe', 'report', '/dev/console', '/etc/target'];
      // A writable root: the link is replaced by a file (a read-only one
      // makes create fail instead, also keeping the target untouched).
      s.root!.readonly = false;
    },
  });
  let connection = -1;
  let master = -1;
  try {
    const c = await Container.create({ id: uniqueId(), bundle: b.dir, root: suite.root, consoleSocket: socketPath });
    let output = '';
    try {
      connection = testAddon().unixAccept(listener);
      master = native().receiveFd(connection).fd;
      await c.start();
      assert.deepEqual(await c.wait(), { exitCode: 0, signal: null });
    } finally {
      await c.delete({ force: true });
    }
    const buf = Buffer.alloc(1 << 20);
    for (;;) {
      let n = 0;
      try {
        n = fs.readSync(master, buf);
      } catch {
        break;
      }
      if (n === 0) break;
      output += buf.subarray(0, n).toString('utf8');
    }
    const report = JSON.parse(output.replace(/\r\n/g, '\n')) as ProbeReport;
    const consoleStat = report.stat['/dev/console'] as { type: string; major: number };
    assert.equal(consoleStat.type, 'char');
    assert.equal(consoleStat.major, 136, 'a pty slave');
    assert.equal((report.stat['/etc/target'] as { type: string }).type, 'file');
    assert.equal(findMount(report, '/etc/target'), undefined, 'nothing is mounted on the link target');
    assert.equal(fs.readFileSync(path.join(b.rootfs, 'etc', 'target'), 'utf8'), 'image file\n');
  } finally {
    for (const fd of [master, connection, listener]) if (fd >= 0) fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('hole 6: on a read-only root, an image /dev/console symlink fails create clearly instead', { skip }, async () => {
  const dir = tempDir('console-ro');
  const socketPath = path.join(dir, 'console.sock');
  const listener = testAddon().unixListen(socketPath);
  const b = suite.bundle({
    edit: (s, { rootfs }) => {
      s.mounts = s.mounts!.filter((m) => m.destination !== '/dev');
      fs.mkdirSync(path.join(rootfs, 'dev'));
      fs.writeFileSync(path.join(rootfs, 'etc', 'target'), 'image file\n');
      fs.symlinkSync('/etc/target', path.join(rootfs, 'dev', 'console'));
      s.process!.terminal = true;
      s.root!.readonly = true;
    },
  });
  try {
    await assert.rejects(Container.create({ id: uniqueId(), bundle: b.dir, root: suite.root, consoleSocket: socketPath }), (err: Error) => {
      assert.match(err.message, /the image's \/dev\/console is a symlink and cannot be replaced by a file for the console/);
      return true;
    });
    assert.deepEqual(fs.readdirSync(suite.root), []);
    assert.equal(fs.readFileSync(path.join(b.rootfs, 'etc', 'target'), 'utf8'), 'image file\n');
  } finally {
    fs.closeSync(listener);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('hole 7: a second container in the pid namespace cannot ptrace or read a created container\'s init', { skip }, async () => {
  const target = suite.bundle();
  const created = await createTestContainer(target, { root: suite.root });
  try {
    const pid = created.container.pid;
    assert.ok(pid > 0);
    const attacker = suite.bundle({
      edit: (spec) => {
        spec.linux!.namespaces = spec.linux!.namespaces!.map((n) => (n.type === 'pid' ? { type: 'pid', path: `/proc/${pid}/ns/pid` } : n));
      },
    });
    const ptrace = await runProbe(attacker, { root: suite.root, args: ['/probe', 'syscall', String(SYS_PTRACE), String(PTRACE_ATTACH), '1'] });
    assert.equal(ptrace.exit.exitCode, 0, ptrace.stderr);
    assert.deepEqual(JSON.parse(ptrace.stdout), { ret: -1, errno: 'EPERM', errnum: 1 });
    for (const file of ['/proc/1/environ', '/proc/1/fd/3']) {
      const read = await runProbe(attacker, { root: suite.root, args: ['/probe', 'cat', file] });
      assert.equal(read.exit.exitCode, 1, `${file} was readable: ${read.stdout}`);
      assert.match(read.stderr, /Permission denied/);
    }
    // The target is still waiting for start, untouched.
    assert.equal(created.container.state().status, 'created');
  } finally {
    await created.destroy();
  }
});

test('hole 8: no internal fd reaches any kind of hook or the container process', { skip }, async () => {
  const out = tempDir('fds');
  fs.chmodSync(out, 0o777);
  const bundle = suite.bundle({
    edit: (spec, { rootfs }) => {
      const hostProbe = path.join(rootfs, 'probe');
      const host = (kind: string): Hook => ({ path: hostProbe, args: ['probe', 'fds-to', path.join(out, kind)] });
      spec.hooks = {
        prestart: [host('prestart')],
        createRuntime: [host('createRuntime')],
        createContainer: [host('createContainer')],
        startContainer: [{ path: '/probe', args: ['probe', 'fds-to', '/out/startContainer'] }],
        poststart: [host('poststart')],
        poststop: [host('poststop')],
      };
      spec.mounts!.push({ destination: '/out', type: 'bind', source: out, options: ['rbind', 'rw'] });
    },
  });
  try {
    const res = await runProbe(bundle, { root: suite.root });
    assert.equal(res.exit.exitCode, 0, res.stderr);
    assert.deepEqual(Object.keys(res.report!.fds).sort(), ['0', '1', '2'], `container: ${JSON.stringify(res.report!.fds)}`);
    // Hooks run by the runtime process inherit what its own caller gave it
    // without close-on-exec (a test harness's pipe), as runc's do; nothing
    // the runtime or the init opened may be there.
    const callers = callerFds();
    for (const kind of ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']) {
      const file = path.join(out, kind);
      assert.ok(fs.existsSync(file), `${kind} hook ran`);
      const { fds } = JSON.parse(fs.readFileSync(file, 'utf8')) as { fds: Record<string, string> };
      const inRuntime = !['createContainer', 'startContainer'].includes(kind);
      const own = Object.keys(fds).filter((fd) => !(inRuntime && callers.has(fd)));
      assert.deepEqual(own.sort(), ['0', '1', '2'], `${kind}: ${JSON.stringify(fds)}`);
    }
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

/**
 * Issue 8's attacks where they apply rootless: an unprivileged user
 * (kapsel-test) drives the library through test/helpers/rootless-runner.ts
 * with a bundle it owns, and the container gets a user namespace mapping
 * that user to root. Plus issue 9's sysfs without a network namespace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Spec } from '../../lib/config/types';
import { makeBundle } from '../helpers/bundle';
import { assertNoLeaks } from '../helpers/leaks';
import { rootlessSuite } from '../helpers/rootless-suite';
import { findMount, type RunResult } from '../helpers/run';
import { TMP_PREFIX, tempDir } from '../helpers/tmp';
import { runAsUser } from '../helpers/user';

const suite = rootlessSuite();
const { skip } = suite;

type Outcome = { ok: true; result: RunResult } | { ok: false; error: string };

/** Runs a rootless bundle as the user: the run's result, or create's error. */
function runRootless(edit: (spec: Spec, rootfs: string) => void, runnerArgs: string[] = []): Outcome {
  const bundle = makeBundle({ rootless: true, owner: suite.owner, edit: (spec, { rootfs }) => edit(spec, rootfs) });
  try {
    const run = runAsUser(suite.runner, [bundle.dir, ...runnerArgs]);
    const line = run.stdout.trim().split('\n').pop() ?? '';
    const out = JSON.parse(line) as RunResult & { error?: string; children: string[] };
    assert.deepEqual(out.children ?? [], [], 'container processes left in the runner');
    return out.error !== undefined ? { ok: false, error: out.error } : { ok: true, result: out };
  } finally {
    bundle.cleanup();
  }
}

function digest(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

test('rootless hole 1: a device entry naming a host file gets the real device, bound nosuid,noexec', { skip }, () => {
  const before = digest('/etc/shadow');
  const outcome = runRootless((spec) => {
    spec.linux!.devices = [{ path: '/dev/../etc/shadow', type: 'c', major: 1, minor: 3 }];
    spec.process!.args = ['/probe', 'report', '/etc/shadow'];
  });
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.error);
  const report = outcome.result.report!;
  const st = report.stat['/etc/shadow'] as { type: string; major: number; minor: number };
  assert.deepEqual([st.type, st.major, st.minor], ['char', 1, 3]);
  const mount = findMount(report, '/etc/shadow');
  assert.ok(mount && mount.options.includes('nosuid') && mount.options.includes('noexec'), JSON.stringify(mount));
  assert.equal(digest('/etc/shadow'), before);
});

test('rootless hole 2: a bind mount over /proc/sys is refused', { skip }, () => {
  const outcome = runRootless((spec, rootfs) => {
    fs.mkdirSync(path.join(rootfs, 'fake-sys'));
    spec.mounts!.push({ destination: '/proc/sys', type: 'bind', source: path.join(rootfs, 'fake-sys'), options: ['rbind'] });
  });
  assert.equal(outcome.ok, false);
  assert.match((outcome as { error: string }).error, /\/proc\/sys cannot be mounted because it is inside \/proc/);
});

test('rootless hole 14: a cwd through a procfs magic link is refused', { skip }, () => {
  const outcome = runRootless((spec, rootfs) => {
    fs.symlinkSync('/proc/self/fd/3', path.join(rootfs, 'trap'));
    spec.process!.cwd = '/trap/sub';
  });
  assert.equal(outcome.ok, false);
  assert.match((outcome as { error: string }).error, /refusing to follow the procfs symlink/);
});

test('issue 9 item 12: sysfs without a network namespace is the host /sys, read-only all the way down', { skip }, () => {
  const outcome = runRootless((spec) => {
    spec.mounts = spec.mounts!.map((m) => (m.destination === '/sys' ? { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev'] } : m));
    spec.linux!.namespaces = spec.linux!.namespaces!.filter((n) => n.type !== 'network');
    spec.process!.args = ['/probe', 'report'];
  });
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.error);
  const report = outcome.result.report!;
  const sys = findMount(report, '/sys');
  assert.ok(sys && sys.fstype === 'sysfs' && sys.options.includes('ro'), report.mounts.join('\n'));
  // Submounts (the cgroup hierarchies, ...) are read-only too.
  const below = report.mounts.map((l) => l.split(' ')).filter((f) => f[4].startsWith('/sys/'));
  assert.ok(below.length > 0);
  for (const f of below) assert.ok(f[5].split(',').includes('ro'), f.join(' '));
});

/** A rootless --no-pivot container whose process tries to mount a fresh procfs: it runs, and the kernel refuses the mount. */
function assertNoPivotRefusesFreshProcfs(): void {
  const outcome = runRootless(
    (spec, rootfs) => {
      fs.mkdirSync(path.join(rootfs, 'mnt'));
      spec.process!.args = ['/probe', 'mount-proc', '/mnt'];
    },
    ['--no-pivot'],
  );
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.error);
  assert.equal(outcome.result.exit.exitCode, 0, outcome.result.stderr);
  assert.deepEqual(JSON.parse(outcome.result.stdout), { ok: false, errno: 'EPERM' });
}

test('rootless hole 4: with --no-pivot, the host procfs (locked, not detachable) is covered; no fresh procfs can be mounted', { skip }, () => {
  assertNoPivotRefusesFreshProcfs();
});

/**
 * Host mounts the user cannot reach (below a root-owned 0700 directory, as
 * an engine's container rootfs is): a procfs with a file bound over it, as
 * an engine's container /proc has its masked paths, and a tmpfs. Runs `body`
 * with them mounted, then removes them.
 */
function withUnreachableHostMounts(bare: boolean, body: () => void): void {
  const outer = tempDir('unreachable');
  fs.chmodSync(outer, 0o755);
  const locked = path.join(outer, 'locked');
  const proc = path.join(locked, 'proc');
  const tmp = path.join(locked, 'tmp');
  fs.mkdirSync(proc, { recursive: true });
  fs.mkdirSync(tmp);
  fs.chmodSync(locked, 0o700);
  const mounted: string[] = [];
  try {
    execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', tmp]);
    mounted.unshift(tmp);
    execFileSync('mount', ['-t', 'proc', 'proc', proc]);
    mounted.unshift(proc);
    if (!bare) {
      execFileSync('mount', ['--bind', '/dev/null', path.join(proc, 'uptime')]);
      mounted.unshift(path.join(proc, 'uptime'));
    }
    body();
  } finally {
    for (const m of mounted) execFileSync('umount', [m]);
    fs.rmSync(outer, { recursive: true, force: true });
  }
}

test('issue 17 item 9: rootless --no-pivot with host mounts the user cannot reach runs; no fresh procfs either', { skip }, () => {
  withUnreachableHostMounts(false, assertNoPivotRefusesFreshProcfs);
});

test('issue 17 item 9: rootless --no-pivot refuses a fully visible host procfs it cannot reach to hide', { skip }, () => {
  withUnreachableHostMounts(true, () => {
    const outcome = runRootless(() => {}, ['--no-pivot']);
    assert.equal(outcome.ok, false);
    assert.match((outcome as { error: string }).error, /cannot hide this procfs or sysfs of the host: a directory above it is not searchable.*locked\/proc/);
  });
});

test('rootless hole 3: rootfs/proc that is a symlink is refused', { skip }, () => {
  const outcome = runRootless((_spec, rootfs) => {
    fs.mkdirSync(path.join(rootfs, 'elsewhere'));
    fs.symlinkSync('/elsewhere', path.join(rootfs, 'proc'));
  });
  assert.equal(outcome.ok, false);
  assert.match((outcome as { error: string }).error, /proc must be mounted on an ordinary directory/);
});

test('rootless hole 5: a /dev whose "null" is a regular file is refused for masking', { skip }, () => {
  const outcome = runRootless((spec, rootfs) => {
    const devDir = path.join(rootfs, 'fake-dev');
    fs.mkdirSync(devDir);
    fs.writeFileSync(path.join(devDir, 'null'), 'user data\n');
    spec.mounts = spec.mounts!.filter((m) => !m.destination.startsWith('/dev'));
    spec.mounts.push({ destination: '/dev', type: 'bind', source: devDir, options: ['rbind'] });
    spec.linux!.maskedPaths = ['/proc/keys'];
  });
  assert.equal(outcome.ok, false);
  assert.match((outcome as { error: string }).error, /is not the null device \(character device 1:3\): refusing to mask \/proc\/keys/);
});

test('nothing leaks', { skip }, () => {
  assertNoLeaks(suite.snapshot, TMP_PREFIX);
});

/**
 * Issue 9, items 4 and 5, as root: a mount namespace joined by path, and
 * none at all. Each is probed from inside the container (what "/" is,
 * what is mounted, which mount namespace it is in), and the host's whole
 * mount table (propagation included) must be the same after delete as
 * before create (lib/plan/mount-namespace.ts has the decision).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Spec } from '../../lib/config/types';
import { Container } from '../../lib/container/container';
import { NotSupportedError } from '../../lib/errors';
import type { Bundle } from '../helpers/bundle';
import { runProbe, uniqueId, type ProbeReport } from '../helpers/run';
import { hostMounts, namespaceHolder, type NamespaceHolder } from '../helpers/namespace-holder';
import { systemSuite } from '../helpers/suite';
import { execCapture, withStarted } from '../helpers/exec';

const suite = systemSuite();
const { skip } = suite;

/** No mount namespace, and nothing that would mount in the runtime's. */
function withoutMountNamespace(spec: Spec): void {
  spec.linux!.namespaces = spec.linux!.namespaces!.filter((ns) => ns.type !== 'mount');
  spec.mounts = [];
  spec.linux!.maskedPaths = [];
  spec.linux!.readonlyPaths = [];
  spec.root!.readonly = false;
  spec.process!.terminal = false;
}

/** A marker only the container's rootfs has. */
function markRootfs(rootfs: string): string {
  const name = `/only-in-rootfs-${process.pid}`;
  fs.writeFileSync(path.join(rootfs, name), 'x');
  return name;
}

/**
 * The probe needs /proc to report; without a mount namespace the container
 * has none of its own. The test mounts one in the rootfs itself (on the
 * host, before the snapshot) and removes it after: kapsel mounts nothing.
 */
function withTestProc<T>(bundle: Bundle, fn: () => Promise<T>): Promise<T> {
  const target = path.join(bundle.rootfs, 'proc');
  fs.mkdirSync(target, { recursive: true });
  // Under a private bind of the rootfs, so that this procfs does not
  // propagate into the mount namespaces of containers other tests run at
  // the same time (a procfs appearing there would let them mount one).
  execFileSync('mount', ['--bind', bundle.rootfs, bundle.rootfs]);
  execFileSync('mount', ['--make-private', bundle.rootfs]);
  execFileSync('mount', ['-t', 'proc', 'proc', target]);
  return fn().finally(() => {
    execFileSync('umount', [target]);
    execFileSync('umount', [bundle.rootfs]);
  });
}

function assertRootIsRootfs(report: ProbeReport, marker: string, bundle: Bundle): void {
  assert.equal(report.cwd, '/');
  assert.equal((report.stat[marker] as { type: string }).type, 'file', 'the rootfs\'s own file is at /');
  assert.deepEqual(report.stat[bundle.dir], { error: 'ENOENT' }, 'the host\'s directories are not');
}

test('no mount namespace: the runtime\'s is inherited, the rootfs entered by chroot, nothing mounted; the host\'s table unchanged', { skip }, async () => {
  const bundle = suite.bundle({ edit: withoutMountNamespace });
  const marker = markRootfs(bundle.rootfs);
  await withTestProc(bundle, async () => {
    const before = hostMounts();
    const report = (await runProbe(bundle, { root: suite.root, args: ['/probe', 'report', marker, bundle.dir, '/dev/null', '/dev/fd'] })).report!;
    assert.ok(report, 'the probe reported');
    assert.equal(report.namespaces.mnt, fs.readlinkSync('/proc/self/ns/mnt'), 'the runtime\'s mount namespace');
    assertRootIsRootfs(report, marker, bundle);
    // What the container sees mounted below its root: the test's own
    // private bind of the rootfs and its /proc, nothing of kapsel's.
    assert.deepEqual(report.mounts.map((l) => l.split(' ')[4]), ['/', '/proc']);
    // The default devices are nodes in the rootfs, made with mknod.
    assert.deepEqual(report.stat['/dev/null'], { ...(report.stat['/dev/null'] as object), type: 'char', major: 1, minor: 3 });
    assert.equal((report.stat['/dev/fd'] as { type: string }).type, 'link');
    assert.deepEqual(hostMounts(), before, 'the host\'s mount table after delete');
  });
});

test('no mount namespace, run twice on one rootfs: the /dev links the first run left are kept, not followed', { skip }, async () => {
  const bundle = suite.bundle({ edit: withoutMountNamespace });
  for (let run = 0; run < 2; run++) {
    const res = await runProbe(bundle, { root: suite.root, args: ['/probe', 'hello'] });
    assert.deepEqual(res.exit, { exitCode: 0, signal: null }, `run ${run}: ${res.stderr}`);
  }
  assert.equal(fs.readlinkSync(path.join(bundle.rootfs, 'dev', 'fd')), '/proc/self/fd');
  assert.equal(fs.readlinkSync(path.join(bundle.rootfs, 'dev', 'stdin')), '/proc/self/fd/0');
  // Nothing was made where the links point.
  assert.equal(fs.existsSync(path.join(bundle.rootfs, 'proc', 'self')), false);
});

/** Runs the bundle (a sleeping probe), execs `probe report MARKER BUNDLE` into it, deletes it: the exec'd report. */
async function execReport(bundle: Bundle, marker: string): Promise<ProbeReport> {
  return withStarted(bundle, suite.root, async (c) => {
    const res = await execCapture(c, { args: ['/probe', 'report', marker, bundle.dir], cwd: '/', env: ['PATH=/bin'] });
    assert.deepEqual(res.exit, { exitCode: 0, signal: null });
    return JSON.parse(res.stdout) as ProbeReport;
  });
}

test('no mount namespace: a process exec\'d into it gets the container\'s root too', { skip }, async () => {
  const bundle = suite.bundle({ edit: withoutMountNamespace });
  const marker = markRootfs(bundle.rootfs);
  await withTestProc(bundle, async () => {
    const before = hostMounts();
    assertRootIsRootfs(await execReport(bundle, marker), marker, bundle);
    assert.deepEqual(hostMounts(), before, 'the host\'s mount table after delete');
  });
});

test('no mount namespace with runc\'s default mounts: refused naming /mounts/0, nothing created', { skip }, async () => {
  const bundle = suite.bundle({ edit: (spec) => (spec.linux!.namespaces = spec.linux!.namespaces!.filter((ns) => ns.type !== 'mount')) });
  const before = hostMounts();
  const id = uniqueId();
  await assert.rejects(
    Container.create({ id, bundle: bundle.dir, root: suite.root, stdio: [0, 1, 2] }),
    (err: unknown) => err instanceof NotSupportedError && /config\.json \/mounts\/0: mounting "\/proc" without a mount namespace/.test(err.message),
  );
  assert.deepEqual(fs.readdirSync(suite.root), []);
  assert.deepEqual(hostMounts(), before);
});

/** A process in a mount namespace of its own, made from the host's. */
function mountNamespaceHolder(): Promise<NamespaceHolder> {
  return namespaceHolder(['unshare', '--mount', '--propagation', 'unchanged', 'sleep', '600'], 'mnt');
}

test('a mount namespace joined by path: the container is in it, its rootfs set up there; the host\'s table unchanged', { skip }, async () => {
  const holder = await mountNamespaceHolder();
  try {
    const bundle = suite.bundle({
      edit: (spec) => (spec.linux!.namespaces!.find((n) => n.type === 'mount')!.path = `/proc/${holder.pid}/ns/mnt`),
    });
    const marker = markRootfs(bundle.rootfs);
    const before = hostMounts();
    const report = (await runProbe(bundle, { root: suite.root, args: ['/probe', 'report', marker, bundle.dir] })).report!;
    assert.ok(report, 'the probe reported');
    assert.equal(report.namespaces.mnt, holder.ns, 'the joined namespace');
    assertRootIsRootfs(report, marker, bundle);
    // The config's mounts are there, at the container's paths.
    const points = report.mounts.map((l) => l.split(' ')[4]);
    for (const p of ['/', '/proc', '/dev', '/dev/pts', '/sys']) assert.ok(points.includes(p), `${p} in ${points.join(' ')}`);
    assert.deepEqual(hostMounts(), before, 'the host\'s mount table after delete');
  } finally {
    await holder.stop();
  }
});

test('a mount namespace joined by path: a process exec\'d into the container gets its root', { skip }, async () => {
  const holder = await mountNamespaceHolder();
  try {
    const bundle = suite.bundle({
      edit: (spec) => (spec.linux!.namespaces!.find((n) => n.type === 'mount')!.path = `/proc/${holder.pid}/ns/mnt`),
    });
    const marker = markRootfs(bundle.rootfs);
    const before = hostMounts();
    const report = await execReport(bundle, marker);
    assert.equal(report.namespaces.mnt, holder.ns);
    assertRootIsRootfs(report, marker, bundle);
    assert.deepEqual(hostMounts(), before, 'the host\'s mount table after delete');
  } finally {
    await holder.stop();
  }
});

test('joining the runtime\'s own mount namespace by path is inheriting it: the default mounts are refused', { skip }, async () => {
  const bundle = suite.bundle({
    edit: (spec) => (spec.linux!.namespaces!.find((n) => n.type === 'mount')!.path = '/proc/self/ns/mnt'),
  });
  const before = hostMounts();
  await assert.rejects(
    Container.create({ id: uniqueId(), bundle: bundle.dir, root: suite.root, stdio: [0, 1, 2] }),
    (err: unknown) => err instanceof NotSupportedError && /\/mounts\/0/.test(err.message),
  );
  assert.deepEqual(fs.readdirSync(suite.root), []);
  assert.deepEqual(hostMounts(), before);
});

// The systemd cgroup driver (issue 23, items 2 and 3), against a real
// systemd: this host has none as pid 1, so the test boots one as pid 1 of a
// container (the cached Debian rootfs, test/helpers/systemd-rootfs.ts), with
// node and this kapsel tree bound in read-only and the capabilities a
// runtime needs, and runs kapsel's CLI with --systemd-cgroup INSIDE it,
// where it reaches that systemd over /run/dbus/system_bus_socket. Checked
// from systemd's side (systemctl show), from the cgroup files, and from
// inside the nested container (a probe that hits its limits): the scope and
// its properties, update, pause/resume, delete leaving no unit and no
// cgroup, and a scope that cannot start leaving nothing and not touching
// the unit of that name someone else runs. Without systemd,
// --systemd-cgroup fails with runc's message and leaves nothing.
//
// One systemd boots for the whole file (a few seconds once the rootfs is
// cached); the file takes about 20 s.
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Container } from '../../lib/container/container';
import { detectLayout } from '../../lib/cgroups/layout';
import type { Spec } from '../../lib/config/types';
import { defaultSpec } from '../../lib/config/default-spec';
import { FIXTURES_BIN, missingFixture, REPO_ROOT } from '../helpers/bundle';
import { kapselCli } from '../helpers/cli';
import { execCapture } from '../helpers/exec';
import { uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { NESTED_RUNTIME_CAPS, roBind, rwBind, systemdBundle, systemdSpec } from '../helpers/systemd-container';
import { overlayRootfs, systemdRootfs } from '../helpers/systemd-rootfs';
import { tempDir } from '../helpers/tmp';

let systemd: Container | undefined;
let work = '';
const cleanups: Array<() => void | Promise<void>> = [];

// Registered before systemSuite()'s: node runs `after` hooks in order, and its leak check must come after this clean-up.
after(async () => {
  if (systemd) {
    // Halting systemd stops every unit: nothing of the nested containers outlives it.
    kapselCli(suite.root, ['kill', systemd.id, 'SIGRTMIN+3']);
    await systemd.wait();
    await systemd.delete({ force: true });
  }
  for (const c of cleanups.reverse()) await c();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const suite = systemSuite();
const layout = detectLayout();
let skip: string | false =
  suite.skip ||
  missingFixture('cgprobe') ||
  (layout.v1['name=systemd'] ? false : 'needs systemd\'s named v1 hierarchy for the systemd container (pure cgroup v2 hosts: not written yet)');

const KAPSEL = path.join(REPO_ROOT, 'bin', 'kapsel');
const NODE = '/usr/local/bin/node';
const MiB = 1024 * 1024;


before(async () => {
  if (skip) return;
  const found = systemdRootfs();
  if ('skip' in found) {
    skip = found.skip;
    return;
  }
  // The nested containers' rootfs and bundles, bound in at the same path.
  work = tempDir('systemd-nested');
  fs.chmodSync(work, 0o755);
  const rootfs = path.join(work, 'rootfs');
  fs.mkdirSync(path.join(rootfs, 'etc'), { recursive: true });
  for (const f of ['probe', 'cgprobe']) fs.copyFileSync(path.join(FIXTURES_BIN, f), path.join(rootfs, f));
  for (const f of ['probe', 'cgprobe']) fs.chmodSync(path.join(rootfs, f), 0o755);
  const overlay = overlayRootfs(found.dir);
  cleanups.push(() => overlay.cleanup());
  const spec = systemdSpec(overlay.rootfs, {
    extraCaps: NESTED_RUNTIME_CAPS,
    nestedRuntime: true,
    mounts: [roBind(process.execPath, NODE), roBind(REPO_ROOT), rwBind(work)],
  });
  const bundle = systemdBundle(spec);
  cleanups.push(() => bundle.cleanup());
  const out = fs.openSync(path.join(work, 'systemd.log'), 'w');
  const devNull = fs.openSync('/dev/null', 'r');
  try {
    systemd = await Container.create({ id: uniqueId(), bundle: bundle.dir, root: suite.root, stdio: [devNull, out, out] });
  } finally {
    fs.closeSync(out);
    fs.closeSync(devNull);
  }
  await systemd.start();
  for (let i = 0; !fs.existsSync(`/proc/${systemd.pid}/root/run/dbus/system_bus_socket`); i++) {
    if (i > 3000) throw new Error('systemd never started D-Bus');
    await sleep(10);
  }
  const state = await sh('systemctl is-system-running --wait');
  assert.equal(state.stdout.trim(), 'running', state.stdout);
});

/** Runs `script` with sh -c in the systemd container (as root, its capabilities); exit code and output. */
async function sh(script: string): Promise<{ code: number | null; stdout: string }> {
  const { exit, stdout } = await execCapture(systemd!, {
    args: ['sh', '-c', `${script} 2>&1`],
    cwd: '/',
    env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', `KAPSEL_NODE=${NODE}`],
    user: { uid: 0, gid: 0 },
  });
  return { code: exit.exitCode, stdout };
}

/** sh, failing unless it exits 0; its output trimmed. */
async function ok(script: string): Promise<string> {
  const r = await sh(script);
  assert.equal(r.code, 0, `${script}: ${r.stdout}`);
  return r.stdout.trim();
}

/** The nested kapsel, with --systemd-cgroup. */
const K = `${KAPSEL} --systemd-cgroup`;

/** A bundle for a nested container (the shared rootfs), `edit`ed. */
function nestedBundle(name: string, edit: (spec: Spec) => void): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  const spec = defaultSpec({ rootless: false });
  spec.process!.terminal = false;
  spec.root = { path: path.join(work, 'rootfs'), readonly: true };
  edit(spec);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
  return dir;
}

/** `systemctl show UNIT -p ...` as a map. */
async function show(unit: string, props: string[]): Promise<Record<string, string>> {
  const text = await ok(`systemctl show ${unit} ${props.map((p) => `-p ${p}`).join(' ')}`);
  return Object.fromEntries(text.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

const SLICE_DIR = '/kapsel.slice/kapsel-test.slice';

test('--systemd-cgroup: the scope with its properties, limits in the files and effective inside, update, pause/resume, delete leaves nothing', { timeout: 180_000 }, async (t: TestContext) => {
  if (skip) return t.skip(skip);
  const memsw = (await sh('test -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes')).code === 0;
  const limit = 32 * MiB;
  const b = nestedBundle('a', (s) => {
    s.process!.args = ['/cgprobe', 'fork', '3'];
    s.linux!.cgroupsPath = 'kapsel-test.slice:kt:a';
    s.linux!.resources = {
      ...s.linux!.resources,
      memory: { limit, ...(memsw ? { swap: limit } : {}) },
      pids: { limit: 16 },
      cpu: { shares: 512, quota: 50_000, period: 100_000 },
    };
  });
  await ok(`${K} run -d --bundle ${b} a </dev/null >/dev/null`);
  try {
    // systemd's side: the scope in a slice made for it, with the init, delegated, with the limits.
    const props = await show('kt-a.scope', ['ActiveState', 'Slice', 'ControlGroup', 'Delegate', 'MemoryLimit', 'TasksMax', 'CPUShares', 'CPUQuotaPerSecUSec', 'DevicePolicy']);
    assert.deepEqual(props, {
      ActiveState: 'active',
      Slice: 'kapsel-test.slice',
      ControlGroup: `${SLICE_DIR}/kt-a.scope`,
      Delegate: 'yes',
      MemoryLimit: String(limit),
      TasksMax: '16',
      CPUShares: '512',
      CPUQuotaPerSecUSec: '500ms',
      DevicePolicy: 'strict',
    });
    assert.equal(await ok('systemctl show kapsel-test.slice -p ActiveState'), 'ActiveState=active');
    // The init is in the scope in every hierarchy, and the files hold the limits.
    const pid = JSON.parse(await ok(`${K} state a`)).pid as number;
    const cgroups = await ok(`cat /proc/${pid}/cgroup`);
    for (const h of ['name=systemd', 'memory', 'pids', 'cpu,cpuacct|cpu']) {
      assert.match(cgroups, new RegExp(`^\\d+:(${h}):${SLICE_DIR}/kt-a\\.scope$`, 'm'), `${h} in ${cgroups}`);
    }
    const file = (h: string, f: string): Promise<string> => ok(`cat /sys/fs/cgroup/${h}${SLICE_DIR}/kt-a.scope/${f}`);
    assert.equal(await file('memory', 'memory.limit_in_bytes'), String(limit));
    assert.equal(await file('pids', 'pids.max'), '16');
    assert.equal(await file('cpu', 'cpu.shares'), '512');
    assert.equal(await file('cpu', 'cpu.cfs_quota_us'), '50000');
    // Effective, from inside: more processes than TasksMax cannot be made, more memory than the limit is OOM-killed.
    const fork = await sh(`${K} exec a /cgprobe fork 20 </dev/null`);
    assert.notEqual(fork.code, 0, `fork 20 under TasksMax=16: ${fork.stdout}`);
    const alloc = await sh(`${K} exec a /cgprobe alloc 64 </dev/null`);
    assert.equal(alloc.code, 137, `alloc 64 MiB under a 32 MiB limit: ${alloc.stdout}`);
    // update: systemd's properties and the files.
    await ok(`echo '{"memory":{"limit":${48 * MiB}${memsw ? `,"swap":${48 * MiB}` : ''}},"pids":{"limit":24}}' | ${K} update --resources - a`);
    assert.deepEqual(await show('kt-a.scope', ['MemoryLimit', 'TasksMax']), { MemoryLimit: String(48 * MiB), TasksMax: '24' });
    assert.equal(await file('memory', 'memory.limit_in_bytes'), String(48 * MiB));
    assert.equal(await file('pids', 'pids.max'), '24');
    // pause / resume: the scope's freezer (systemd does not manage it on v1; the scope stays active).
    await ok(`${K} pause a`);
    assert.equal(await file('freezer', 'freezer.state'), 'FROZEN');
    assert.equal(JSON.parse(await ok(`${K} state a`)).status, 'paused');
    await ok(`${K} resume a`);
    assert.equal(await file('freezer', 'freezer.state'), 'THAWED');
    assert.equal((await show('kt-a.scope', ['ActiveState'])).ActiveState, 'active');
  } finally {
    await ok(`${K} delete -f a`);
  }
  // delete: no unit, no cgroup of it in any hierarchy.
  assert.equal((await show('kt-a.scope', ['LoadState'])).LoadState, 'not-found');
  assert.equal(await ok(`ls -d /sys/fs/cgroup/*${SLICE_DIR}/kt-a.scope 2>/dev/null | wc -l`), '0');
  assert.equal(await ok(`${K} list -q`), '');
});

test('a scope that cannot start (its name is another\'s unit) leaves nothing, and the other unit runs on', { timeout: 120_000 }, async (t: TestContext) => {
  if (skip) return t.skip(skip);
  // Someone else's scope named as ours would be, in another slice: the name is taken.
  await ok('systemd-run --scope --unit=kt-b --slice=other.slice sleep 600 </dev/null >/dev/null 2>&1 & for i in $(seq 100); do systemctl is-active -q kt-b.scope && exit 0; sleep 0.1; done; exit 1');
  try {
    const b = nestedBundle('b', (s) => {
      s.process!.args = ['/probe', 'sleep', '600'];
      s.linux!.cgroupsPath = 'kapsel-test.slice:kt:b';
    });
    const create = await sh(`${K} create --bundle ${b} b </dev/null`);
    assert.notEqual(create.code, 0);
    assert.match(create.stdout, /kt-b\.scope/);
    // Nothing left: no container, no cgroup, no process; and theirs was not stopped by our clean-up.
    assert.equal(await ok(`${K} list -q`), '');
    assert.equal(await ok(`ls -d /sys/fs/cgroup/*${SLICE_DIR}/kt-b.scope 2>/dev/null | wc -l`), '0');
    assert.equal((await sh('pgrep -x probe')).code, 1, 'the nested init is gone');
    assert.equal((await show('kt-b.scope', ['ActiveState', 'Slice'])).ActiveState, 'active');
  } finally {
    await sh('systemctl stop kt-b.scope');
  }
});

test('--systemd-cgroup without a running systemd fails with runc\'s message and leaves nothing', { skip: suite.skip || (fs.existsSync('/run/systemd/system') ? 'systemd runs on this host' : false) }, () => {
  const dir = tempDir('systemd-none');
  try {
    const spec = defaultSpec({ rootless: false });
    spec.process!.terminal = false;
    spec.root = { path: path.join(dir, 'rootfs') };
    fs.mkdirSync(spec.root.path);
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
    const id = uniqueId();
    const r = kapselCli(suite.root, ['create', '--bundle', dir, id], { global: ['--systemd-cgroup'] });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /systemd not running on this host, cannot use systemd cgroups manager/);
    assert.ok(!fs.readdirSync(suite.root).includes(id), 'no state directory');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

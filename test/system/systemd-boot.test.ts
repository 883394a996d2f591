// systemd as pid 1 of a kapsel container (issue 23, item 1), configured as
// podman's --systemd=always configures one (test/helpers/systemd-container.ts):
// it boots to "running" with no failed unit, systemctl works inside, the
// cgroups it makes are all below the container's own cgroup (with a cgroup
// namespace and without one), and it halts cleanly on the stop signal
// systemd expects, SIGRTMIN+3, sent by `kapsel kill` by name and by number.
//
// The rootfs is Debian bookworm with systemd, built once by mmdebstrap and
// cached (test/helpers/systemd-rootfs.ts); where it cannot be built the
// tests skip and say why. Each test boots and halts one systemd: a few
// seconds each once the rootfs is cached.
import { before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Container } from '../../lib/container/container';
import { detectLayout } from '../../lib/cgroups/layout';
import { kapselCli } from '../helpers/cli';
import { execCapture } from '../helpers/exec';
import { uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { systemdBundle, systemdSpec } from '../helpers/systemd-container';
import { overlayRootfs, systemdRootfs } from '../helpers/systemd-rootfs';
import { tempDir } from '../helpers/tmp';

const suite = systemSuite();
const layout = detectLayout();
const SYSTEMD = layout.v1['name=systemd'];
let skip: string | false = suite.skip || (SYSTEMD ? false : 'needs systemd\'s named v1 hierarchy (this host is pure cgroup v2; systemd there uses cgroup2, the v2 view is checked by test/system/cgroup-view.test.ts)');
let lower = '';

before(() => {
  if (skip) return;
  const found = systemdRootfs();
  if ('skip' in found) skip = found.skip;
  else lower = found.dir;
});

/** Runs `args` in `c` as root (the container's own capabilities); its stdout, failing on a non-zero exit. */
async function inside(c: Container, args: string[]): Promise<string> {
  const { exit, stdout } = await execCapture(c, { args, cwd: '/', env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'], user: { uid: 0, gid: 0 } });
  assert.equal(exit.exitCode, 0, `${args.join(' ')} exited ${JSON.stringify(exit)}: ${stdout}`);
  return stdout.trim();
}

/** Waits (bounded by a count) until systemd listens on its private socket, where systemctl reaches it. */
async function untilBusUp(pid: number): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (fs.existsSync(`/proc/${pid}/root/run/systemd/private`)) return;
    await sleep(10);
  }
  throw new Error('systemd never made /run/systemd/private');
}

/** The host's top-level cgroups of systemd's named hierarchy. */
const topLevel = (): string[] => fs.readdirSync(SYSTEMD!.mountPoint, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);

/**
 * Boots systemd in a fresh container (an overlay of the cached rootfs),
 * waits until its boot is over, runs `check`, then halts it with
 * `kapsel kill ID <stop>` and checks that it exited by itself, cleanly.
 */
async function withSystemd(cgroupNamespace: boolean, stop: string, check: (c: Container, id: string) => Promise<void>): Promise<void> {
  const id = uniqueId();
  const overlay = overlayRootfs(lower);
  const bundle = systemdBundle(systemdSpec(overlay.rootfs, { cgroupNamespace, cgroupsPath: `/${id}` }));
  const out = tempDir('systemd-out');
  const fds = [fs.openSync('/dev/null', 'r'), fs.openSync(path.join(out, 'stdout'), 'w')];
  let c: Container | undefined;
  try {
    c = await Container.create({ id, bundle: bundle.dir, root: suite.root, stdio: [fds[0], fds[1], fds[1]] });
    await c.start();
    await untilBusUp(c.pid);
    // Returns once the boot is over, with the state it ended in.
    const state = await execCapture(c, { args: ['systemctl', 'is-system-running', '--wait'], cwd: '/', env: ['PATH=/usr/bin:/bin'], user: { uid: 0, gid: 0 } });
    const failed = await inside(c, ['systemctl', 'list-units', '--failed', '--plain', '--no-legend']);
    assert.equal(state.stdout.trim(), 'running', `systemd's boot ended "${state.stdout.trim()}", failed units: ${failed}`);
    assert.equal(failed, '', 'no unit failed');
    await check(c, id);
    const kill = kapselCli(suite.root, ['kill', id, stop]);
    assert.equal(kill.status, 0, kill.stderr);
    // systemd halts: stops its units and exits by itself, with status 0.
    assert.deepEqual(await c.wait(), { exitCode: 0, signal: null });
    assert.equal(c.state().status, 'stopped');
  } finally {
    for (const fd of fds) fs.closeSync(fd);
    await c?.delete({ force: true });
    bundle.cleanup();
    overlay.cleanup();
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** Where systemd put its units, as seen from the host: every cgroup it made is below the container's. */
function assertOwnSubtree(id: string, pid: number, before: string[]): void {
  const line = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.split(':')[1] === 'name=systemd');
  const hostPath = line!.split(':').slice(2).join(':');
  // The container's cgroup is /ID (cgroupsPath); systemd's init.scope is below it.
  assert.match(hostPath, new RegExp(`^/${id}/(.+/)?init\\.scope$`), `systemd's own cgroup on the host: ${hostPath}`);
  const systemSlice = path.join(SYSTEMD!.mountPoint, path.dirname(hostPath), 'system.slice');
  assert.ok(fs.existsSync(systemSlice), `systemd made its system.slice in its own subtree (${systemSlice})`);
  // And nothing at the top of the host's hierarchy but the container's own cgroup.
  assert.deepEqual(topLevel().filter((d) => !before.includes(d) && !d.startsWith('kapsel-test-')), []);
  for (const name of ['init.scope', 'system.slice', 'user.slice']) assert.ok(!topLevel().includes(name) || before.includes(name), `${name} at the host's top level`);
}

test('systemd boots as pid 1 with a cgroup namespace, systemctl works, its cgroups are its own; SIGRTMIN+3 halts it', { timeout: 120_000 }, async (t: TestContext) => {
  if (skip) return t.skip(skip);
  const before = topLevel();
  await withSystemd(true, 'SIGRTMIN+3', async (c, id) => {
    // In its cgroup namespace systemd is at the root of every hierarchy, in init.scope.
    assert.match(await inside(c, ['cat', '/proc/1/cgroup']), /^\d+:name=systemd:\/init\.scope$/m);
    // systemctl talks to it: units are listed, a service is started and stopped.
    assert.match(await inside(c, ['systemctl', 'show', '-p', 'ActiveState', 'dbus.service']), /^ActiveState=active$/m);
    await inside(c, ['systemd-run', '--unit=kapsel-probe', '--service-type=oneshot', '--remain-after-exit', 'true']);
    assert.match(await inside(c, ['systemctl', 'is-active', 'kapsel-probe.service']), /^active$/);
    await inside(c, ['systemctl', 'stop', 'kapsel-probe.service']);
    assertOwnSubtree(id, c.pid, before);
  });
});

test('systemd boots without a cgroup namespace: its cgroups are still below the container\'s; signal 37 halts it', { timeout: 120_000 }, async (t: TestContext) => {
  if (skip) return t.skip(skip);
  const before = topLevel();
  await withSystemd(false, '37', async (c, id) => {
    // Without a namespace it sees its host path and nests below it.
    assert.match(await inside(c, ['cat', '/proc/1/cgroup']), new RegExp(`^\\d+:name=systemd:/${id}/(.+/)?init\\.scope$`, 'm'));
    assertOwnSubtree(id, c.pid, before);
  });
});

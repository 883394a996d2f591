// kapsel/testing's host presets: a plan made with them is the same on
// every machine, as every user and under `env -i` (nothing of it is read
// from the host the test runs on), every combination of the options works
// and says what it should, and the caller's environment is in no plan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ArgumentRangeError, Container, defaultSpec, InvalidConfigError, planToJSON, type Spec } from '../../lib';
import { cgroupV1Hybrid, cgroupV2, hostFacts, makeHostFacts, SECCOMP_ALL } from '../../lib/testing';
import { runAs, TEST_USER_NAME } from '../helpers/user';

const DIST = path.resolve(__dirname, '../..');

/**
 * A child process that plans three configs on five presets and prints
 * each plan's JSON and text (or the error), keyed by preset. It runs the
 * compiled library only: what differs between two runs of it is the
 * process's user and environment.
 */
const CHILD = `
const { Container, defaultSpec, planToJSON, formatPlan } = require(${JSON.stringify(path.join(DIST, 'lib', 'index.js'))});
const { hostFacts } = require(${JSON.stringify(path.join(DIST, 'lib', 'testing', 'index.js'))});
const config = (rootless, apparmor) => {
  const c = defaultSpec({ rootless, uid: 1000, gid: 1000 });
  c.hooks = {
    prestart: [{ path: '/usr/bin/pre' }],
    createContainer: [{ path: '/bin/cc', args: ['cc', 'x'], timeout: 5 }],
    startContainer: [{ path: '/bin/sc', env: ['A=b'] }],
    poststop: [{ path: '/bin/ps' }],
  };
  c.linux.resources = { ...(c.linux.resources || {}), memory: { limit: 67108864 }, pids: { limit: 64 } };
  if (apparmor) c.process.apparmorProfile = 'kapsel-default';
  return c;
};
const withSeccomp = (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read', 'write', 'exit_group'], action: 'SCMP_ACT_ALLOW' }] }; return c; };
const presets = {
  'root v2': () => hostFacts.root(),
  'root v1-hybrid apparmor': () => hostFacts.root({ cgroups: 'v1-hybrid', lsm: 'apparmor' }),
  'rootless 1000 v2 no seccomp apparmor': () => hostFacts.rootless({ uid: 1000, cgroups: 'v2', seccomp: false, lsm: 'apparmor' }),
  'rootless 1000 v1-hybrid selinux': () => hostFacts.rootless({ uid: 1000, cgroups: 'v1-hybrid', lsm: 'selinux' }),
  'rootless 2000 no cgroups': () => hostFacts.rootless({ uid: 2000, cgroups: false, cgroupsPath: '/ignored' }),
};
const out = {};
for (const [name, facts] of Object.entries(presets)) {
  const apparmor = name.includes('apparmor');
  for (const [what, c] of [['root config', config(false, apparmor)], ['rootless config', config(true, apparmor)], ['seccomp', withSeccomp(config(name.startsWith('rootless'), apparmor))]]) {
    try {
      const plan = Container.plan(c, { bundle: '/b', facts: facts() });
      out[name + ' / ' + what] = { json: planToJSON(plan), text: formatPlan(plan) };
    } catch (e) {
      out[name + ' / ' + what] = { error: e.code + ' ' + e.message };
    }
  }
}
process.stdout.write(JSON.stringify(out));
`;

/** A secret in the environment of every run: no plan may carry it. */
const SECRET = 'kapsel-secret-4f1c2a9e';

function plans(res: { status: number | null; stdout: string; stderr: string }, who: string): Record<string, unknown> {
  assert.equal(res.status, 0, `${who}: ${res.stderr}`);
  assert.ok(!res.stdout.includes(SECRET), `${who}: a plan carries the caller's environment`);
  return JSON.parse(res.stdout) as Record<string, unknown>;
}

test('a preset plan is the same as root, as an unprivileged user and under env -i, in JSON and in text', () => {
  const self = plans(spawnSync(process.execPath, ['-e', CHILD], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, KAPSEL_SECRET: SECRET } }), `uid ${process.getuid!()}`);
  const empty = plans(spawnSync('env', ['-i', process.execPath, '-e', CHILD], { encoding: 'utf8', timeout: 60_000 }), 'env -i');
  assert.deepEqual(empty, self);
  if (process.getuid!() === 0) {
    const user = plans(runAs(TEST_USER_NAME, [process.execPath, '-e', CHILD], { KAPSEL_SECRET: SECRET }), TEST_USER_NAME);
    assert.deepEqual(user, self);
  }
  // The presets do what their names say (checked once here, on the shared output).
  const get = (key: string): { json?: { cgroups?: { layout: string; unified?: string }; hooks?: unknown[]; steps: Array<{ op: string; attr?: string }> }; text?: string; error?: string } =>
    self[key] as never;
  assert.equal(get('root v2 / root config').json?.cgroups?.unified, '/sys/fs/cgroup/system.slice/<id>');
  assert.equal(get('root v1-hybrid apparmor / root config').json?.cgroups?.layout, 'hybrid');
  assert.equal(get('rootless 1000 v2 no seccomp apparmor / rootless config').json?.cgroups?.unified, '/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/<id>');
  assert.ok(get('rootless 1000 v2 no seccomp apparmor / rootless config').json?.steps.some((s) => s.op === 'exec-label' && s.attr === 'attr/apparmor/exec'));
  assert.match(String(get('rootless 1000 v2 no seccomp apparmor / seccomp').error), /^ERR_INVALID_CONFIG .*\/linux\/seccomp/);
  assert.equal(get('root v2 / seccomp').error, undefined);
  assert.equal(get('rootless 1000 v1-hybrid selinux / rootless config').json?.cgroups, undefined);
  assert.match(String(get('rootless 1000 v1-hybrid selinux / rootless config').text), /warning: rootless: no cgroup is delegated/);
  assert.equal(get('rootless 2000 no cgroups / rootless config').json?.cgroups, undefined);
  assert.equal(get('root v2 / root config').json?.hooks?.length, 4);
});

/** A small config whose plan the tests below look at. */
function config(edit?: (s: Spec) => void): Spec {
  const c = defaultSpec({ rootless: false });
  edit?.(c);
  return c;
}

test('each call gives new facts: a test that changes its facts changes no other test\'s', () => {
  const a = hostFacts.root();
  const b = hostFacts.root();
  assert.notEqual(a.host, b.host);
  assert.notEqual(a.host.devices, b.host.devices);
  (a.host.directories as Set<string>).add('/x');
  assert.equal(b.host.directories.size, 0);
  assert.deepEqual(planToJSON(Container.plan(config(), { bundle: '/b', facts: hostFacts.root() })), planToJSON(Container.plan(config(), { bundle: '/b', facts: b })));
});

test('cgroupsPath and id place the preset\'s cgroups as create places them', () => {
  const absolute = Container.plan(config((c) => (c.linux!.cgroupsPath = '/kapsel/web')), { bundle: '/b', facts: hostFacts.root({ cgroupsPath: '/kapsel/web' }) });
  assert.equal(absolute.cgroups?.unified, '/sys/fs/cgroup/kapsel/web');
  const v1 = Container.plan(config(), { bundle: '/b', facts: hostFacts.root({ cgroups: cgroupV1Hybrid, id: 'web-1' }) });
  assert.equal(v1.cgroups?.v1.memory, '/sys/fs/cgroup/memory/system.slice/kapsel.service/web-1');
  assert.equal(v1.cgroups?.v1.cpuacct, v1.cgroups?.v1.cpu, 'cpu and cpuacct share a hierarchy');
  const v2 = Container.plan(config(), { bundle: '/b', facts: hostFacts.root({ cgroups: cgroupV2, id: 'web-1' }) });
  assert.deepEqual(v2.cgroups?.placement, { bornIn: '/sys/fs/cgroup/system.slice/web-1', join: [] });
  assert.throws(() => hostFacts.root({ cgroupsPath: '/a/../../b' }), (e: unknown) => e instanceof InvalidConfigError && e.jsonPath === '/linux/cgroupsPath');
});

test('rootless: a new user namespace denies setgroups, devices are bound, no device rules; v2 without delegation gets no cgroups', () => {
  const c = defaultSpec({ rootless: true, uid: 1000, gid: 1000 });
  c.linux!.resources = { memory: { limit: 1 << 26 } };
  const plan = Container.plan(c, { bundle: '/b', facts: hostFacts.rootless({ uid: 1000 }) });
  assert.equal(plan.denySetgroups, true);
  assert.ok(plan.steps.some((s) => s.op === 'bind-device' && s.path === '/dev/null' && s.source === '/dev/null'));
  assert.ok(!plan.steps.some((s) => s.op === 'mknod'));
  assert.equal(plan.cgroups?.deviceProgram, undefined);
  const undelegated = Container.plan(c, { bundle: '/b', facts: hostFacts.rootless({ uid: 1000, delegated: false }) });
  assert.equal(undelegated.cgroups, undefined);
  assert.ok(undelegated.warnings.some((w) => /no cgroup is delegated to this user/.test(w)));
  assert.throws(() => hostFacts.rootless({ uid: -1 }), (e: unknown) => e instanceof ArgumentRangeError && e.argument === 'options.uid');
});

test('facts by hand: the exported device constants and a partial host are enough for a plan', () => {
  const facts = makeHostFacts({ seccomp: SECCOMP_ALL, directories: ['/srv/data'], lsm: { selinux: true } });
  const c = config((s) => s.mounts!.push({ destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind', 'ro'] }));
  const plan = Container.plan(c, { bundle: '/b', facts });
  assert.ok(plan.steps.some((s) => s.op === 'mknod' && s.path === '/dev/null'));
  assert.ok(plan.steps.some((s) => s.op === 'mkdir' && s.path === '/data'), 'a directory source gets a directory target');
  // Without the default devices, the plan says which one it missed.
  assert.throws(() => Container.plan(defaultSpec({ rootless: true, uid: 1000, gid: 1000 }), { bundle: '/b', facts: makeHostFacts({ devices: {} }) }), /the host has no c 1:3 device/);
});

// The runtime's part of the plan (plan/runtime-cgroups.ts): what create
// does with cgroups is plain data in LaunchPlan, a pure function of the
// config and made-up host facts, and `kapsel plan --format json` prints
// exactly Container.plan()'s plan, cgroups included.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../lib/cli/main';
import { defaultSpec } from '../../lib/config/default-spec';
import type { Spec } from '../../lib/config/types';
import { Container } from '../../lib/container/container';
import { InvalidConfigError } from '../../lib/errors';
import type { CgroupLayout } from '../../lib/cgroups/layout';
import { formatPlan, planToJSON } from '../../lib/plan/format';
import type { CgroupFacts } from '../../lib/plan/runtime-cgroups';
import { fakeFacts } from '../helpers/facts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-plan-runtime-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const V2: CgroupLayout = { kind: 'v2', v1: {}, unified: { mountPoint: '/sys/fs/cgroup', mountRoot: '/' } };
const HYBRID: CgroupLayout = {
  kind: 'hybrid',
  v1: {
    memory: { mountPoint: '/sys/fs/cgroup/memory', mountRoot: '/', controllers: ['memory'] },
    pids: { mountPoint: '/sys/fs/cgroup/pids', mountRoot: '/', controllers: ['pids'] },
    devices: { mountPoint: '/sys/fs/cgroup/devices', mountRoot: '/', controllers: ['devices'] },
  },
  unified: { mountPoint: '/sys/fs/cgroup/unified', mountRoot: '/' },
};

function config(edit: (s: Spec) => void = () => undefined): Spec {
  const s = defaultSpec({ rootless: false });
  s.process!.terminal = false;
  s.process!.args = ['/hello'];
  s.linux!.resources = { ...s.linux!.resources, memory: { limit: 64 << 20 }, pids: { limit: 42 } };
  edit(s);
  return s;
}

function planWith(cgroups: CgroupFacts | undefined, edit?: (s: Spec) => void, host: { unprivileged?: boolean; inUserNamespace?: boolean } = {}) {
  return Container.plan(config(edit), { bundle: '/b', rootfs: '/b/rootfs', facts: fakeFacts({ ...host, ...(cgroups ? { cgroups } : {}) }) });
}

test('runtime plan, cgroup2: the directory, the writes, the device program, born into the cgroup; plain data', () => {
  const plan = planWith({ layout: V2, target: { v1: {}, unified: '/sys/fs/cgroup/c1' } });
  const c = plan.cgroups!;
  assert.equal(c.layout, 'v2');
  assert.deepEqual(c.directories, ['/sys/fs/cgroup/c1']);
  assert.equal(c.mountPoint, '/sys/fs/cgroup');
  assert.ok(c.writes.some((w) => w.file === 'memory.max' && w.value === String(64 << 20)));
  assert.ok(c.writes.some((w) => w.file === 'pids.max' && w.value === '42'));
  assert.ok(!c.writes.some((w) => w.file.startsWith('devices.')), 'cgroup2 has no devices.* files');
  assert.ok((c.deviceProgram?.length ?? 0) > 10, 'the default device rules become an eBPF program');
  assert.deepEqual(c.placement, { bornIn: '/sys/fs/cgroup/c1', join: [] });
  // Plain data: JSON gives it back as it is (no BigInt, no class).
  assert.deepEqual(JSON.parse(JSON.stringify(c)), c);
  assert.match(formatPlan(plan), /cgroups \(v2\):\n {2}unified: \/sys\/fs\/cgroup\/c1\n[\s\S]*write memory\.max=67108864[\s\S]*device filter \(BPF_PROG_TYPE_CGROUP_DEVICE\)[\s\S]*init born in: \/sys\/fs\/cgroup\/c1/);
});

test('runtime plan, hybrid: one directory per hierarchy, devices.* writes instead of a program, v1 hierarchies joined after the spawn', () => {
  const target = { v1: { memory: '/sys/fs/cgroup/memory/c2', pids: '/sys/fs/cgroup/pids/c2', devices: '/sys/fs/cgroup/devices/c2' }, unified: '/sys/fs/cgroup/unified/c2' };
  const c = planWith({ layout: HYBRID, target }).cgroups!;
  assert.equal(c.layout, 'hybrid');
  assert.deepEqual(c.directories, [...Object.values(target.v1), target.unified]);
  assert.equal(c.deviceProgram, undefined);
  assert.ok(c.writes.some((w) => w.controller === 'devices' && w.file === 'devices.deny' && w.value === 'a'));
  assert.ok(c.writes.some((w) => w.controller === 'memory' && w.file === 'memory.limit_in_bytes'));
  assert.deepEqual(c.placement, { bornIn: target.unified, join: Object.values(target.v1) });
});

test('runtime plan, rootless: no device rules; no usable cgroup: none planned, and a warning only when limits were asked for', () => {
  const target = { v1: {}, unified: '/sys/fs/cgroup/user.slice/c3' };
  for (const host of [{ unprivileged: true }, { inUserNamespace: true }]) {
    const c = planWith({ layout: V2, target }, undefined, host).cgroups!;
    assert.equal(c.deviceProgram, undefined, JSON.stringify(host));
    assert.ok(c.writes.some((w) => w.file === 'pids.max'));
  }
  const none = planWith({ unavailable: 'unprivileged' }, undefined, { unprivileged: true });
  assert.equal(none.cgroups, undefined);
  assert.ok(none.warnings.some((w) => /no cgroup is delegated to this user/.test(w)));
  const nothingAsked = planWith({ unavailable: 'user-namespace' }, (s) => delete s.linux!.resources, { inUserNamespace: true });
  assert.equal(nothingAsked.cgroups, undefined);
  assert.ok(!nothingAsked.warnings.some((w) => /cgroup/.test(w)));
  assert.match(formatPlan(none), /\ncgroups: \(none\)$/);
});

test('runtime plan: hand-made facts without cgroups plan none; a bad resource fails the plan, naming the field', () => {
  assert.equal(planWith(undefined).cgroups, undefined);
  assert.throws(() => planWith({ layout: V2, target: { v1: {}, unified: '/sys/fs/cgroup/c4' } }, (s) => (s.linux!.resources!.memory = { swap: 5 })), (err: unknown) => {
    return err instanceof InvalidConfigError && /\/linux\/resources\/memory/.test(err.message);
  });
});

test('kapsel plan --format json prints Container.plan() of the bundle, cgroups included (the host\'s layout, for "<id>")', async () => {
  const bundle = fs.mkdtempSync(path.join(tmp, 'bundle-'));
  fs.mkdirSync(path.join(bundle, 'rootfs'));
  const spec = config();
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec));
  let out = '';
  let err = '';
  const run = (argv: string[]) =>
    main(argv, { out: (t) => (out += t), logSinks: { stderr: (t) => (err += t), appendFile: () => undefined, now: () => new Date() } });
  assert.equal(await run(['--root', path.join(tmp, 'root'), 'plan', '--bundle', bundle, '--format', 'json']), 0, err);
  const printed = JSON.parse(out) as { cgroups?: { directories: string[] } };
  const plan = Container.plan(spec, { bundle });
  assert.deepEqual(printed, planToJSON(plan));
  if (process.geteuid!() === 0) {
    assert.ok(plan.cgroups, 'root gets cgroups on this host');
    assert.ok(printed.cgroups!.directories.every((d) => d.endsWith('/<id>')), JSON.stringify(printed.cgroups));
  }
  out = '';
  assert.equal(await run(['--root', path.join(tmp, 'root'), 'plan', '--bundle', bundle]), 0, err);
  assert.equal(out, `${formatPlan(plan)}\n`);
  assert.match(out, plan.cgroups ? /\ncgroups \((v1|hybrid|v2)\):\n/ : /\ncgroups: \(none\)/);
});

test('fd table: stdio, preserved, plan, sync, fifo, console, listener, tree N, one entry per fd; the steps use its numbers', () => {
  const shared = fs.mkdtempSync(path.join(tmp, 'shared-'));
  const plan = Container.plan(
    config((s) => {
      s.process!.terminal = true;
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/agent.sock', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] };
      s.mounts!.push(
        { destination: '/a', type: 'bind', source: shared, options: ['bind', 'idmap'] },
        { destination: '/b', type: 'bind', source: shared, options: ['bind', 'idmap'] },
      );
    }),
    { bundle: '/b', rootfs: '/b/rootfs', preserveFds: 2, facts: fakeFacts({ directories: [shared] }) },
  );
  assert.deepEqual(
    plan.fds.map((slot) => `${slot.fd}:${slot.role}${slot.n !== undefined ? ` ${slot.n}` : ''}`),
    ['0:stdin', '1:stdout', '2:stderr', '3:preserved 0', '4:preserved 1', '5:plan', '6:sync', '7:fifo', '8:console', '9:listener', '10:tree 0', '11:tree 1'],
  );
  const fdOf = (role: string): number => plan.fds.find((slot) => slot.role === role)!.fd;
  const step = <Op extends string>(op: Op) => plan.steps.filter((s) => s.op === op) as Array<Extract<(typeof plan.steps)[number], { op: Op }>>;
  assert.equal(step('console')[0].socketFd, fdOf('console'));
  assert.equal(step('wait-start')[0].fifoFd, fdOf('fifo'));
  assert.equal(step('seccomp')[0].listenerFd, fdOf('listener'));
  assert.deepEqual(step('attach-tree').map((s) => s.fd), [10, 11]);
});

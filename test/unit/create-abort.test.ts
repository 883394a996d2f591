// create's success and abort paths on the syscall double (no root, no
// process): whatever fails, create leaves no state directory, closes every
// fd it opened, and kills and reaps an init it spawned; a failed hook is
// followed by the poststop hooks.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultSpec } from '../../lib/config/default-spec';
import type { Spec } from '../../lib/config/types';
import { createContainer, type CreateEnv, type CreateOptions } from '../../lib/container/create';
import type { CgroupLayout } from '../../lib/cgroups/layout';
import type { CgroupTarget } from '../../lib/cgroups/path';
import type { SetupEvent } from '../../lib/container/init-link';
import { HookFailedError, InvalidConfigError, KapselError, SyscallError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { scriptedEnv, type RecordingSyscalls, type ScriptedLink } from '../helpers/recording-syscalls';
import { gatherFacts } from '../../lib/host/facts';

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-create-abort-')));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

let serial = 0;

/** A node one-liner as a hook (the hook's env is empty: no PATH lookup). */
function nodeHook(code: string): { path: string; args: string[] } {
  return { path: process.execPath, args: ['node', '-e', code] };
}

interface Setup {
  root: string;
  id: string;
  dir: string;
  options: CreateOptions;
  warnings: string[];
  poststopMarker: string;
}

/** A bundle (rootless default spec: a new user namespace, so id maps are written) and a state root. */
function setup(edit: (spec: Spec) => void = () => undefined, extra: Partial<CreateOptions> = {}): Setup {
  const dir = path.join(tmp, `case-${++serial}`);
  const bundle = path.join(dir, 'bundle');
  fs.mkdirSync(path.join(bundle, 'rootfs'), { recursive: true });
  const poststopMarker = path.join(dir, 'poststop-ran');
  const spec = defaultSpec({ rootless: true, cgroupNamespace: false });
  spec.process!.terminal = false;
  spec.hooks = { poststop: [nodeHook(`require('fs').writeFileSync(${JSON.stringify(poststopMarker)}, '')`)] };
  edit(spec);
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec));
  const warnings: string[] = [];
  const logger: Logger = { warn: (m) => warnings.push(m) };
  // createContainer takes a state root already opened and checked (Container.create does that).
  const root = path.join(dir, 'root');
  fs.mkdirSync(root, { mode: 0o700 });
  const id = `c${serial}`;
  return { root, id, dir, warnings, poststopMarker, options: { id, bundle, root, logger, ...extra } };
}

/** Nothing left: no state dir, no fd of the double open, every link closed, no live init. */
function assertLeftNothing(s: Setup, sys: RecordingSyscalls, links: ScriptedLink[]): void {
  assert.equal(fs.existsSync(path.join(s.root, s.id)), false, 'the state directory is removed');
  assert.deepEqual([...sys.open], [], 'every fd create opened is closed');
  assert.deepEqual([...sys.alive], [], 'no init is left unreaped');
  for (const link of links) assert.ok(link.closed, 'the setup channel is closed');
}

/** The spawned init was killed, then reaped, then its pidfd closed, in that order. */
function assertKilledAndReaped(sys: RecordingSyscalls): void {
  assert.equal(sys.named('spawn').length, 1, 'an init was spawned');
  const pidfd = sys.named('pidfdWait')[0]?.[0] as number;
  assert.ok(pidfd !== undefined, 'the init is waited for');
  const at = (name: string): number => sys.calls.findIndex((c) => c[0] === name && c[1] === pidfd);
  const kill = sys.calls.findIndex((c) => c[0] === 'pidfdSendSignal' && c[1] === pidfd && c[2] === 9);
  assert.ok(kill >= 0, 'SIGKILL through the pidfd');
  assert.ok(kill < at('pidfdWait') && at('pidfdWait') < at('close'), 'kill, then reap, then close the pidfd');
}

async function rejects(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  assert.fail('create must fail');
}

test('create on the double: spawns with the fd layout, writes the id maps, says go, and hands over only the pidfd', async () => {
  const s = setup();
  s.options.pidFile = path.join(s.dir, 'pid');
  const { env, sys, links } = scriptedEnv([{ kind: 'ready' }]);
  const created = await createContainer(s.options, env);
  try {
    const [[spawn]] = sys.named('spawn') as [[{ fds: number[]; argv: string[] }]];
    const [[fifoPathArg]] = sys.named('openPath') as [[string]];
    assert.equal(fifoPathArg, path.join(s.root, s.id, 'exec.fifo'));
    assert.equal(spawn.fds.length, 6, 'stdio, plan, sync socket, exec fifo');
    assert.deepEqual(spawn.fds.slice(0, 3), [0, 1, 2]);
    assert.deepEqual(spawn.argv, ['kapsel-init', '--plan-fd', '3', '--sync-fd', '4']);
    assert.equal(sys.named('writeIdMaps').length, 1);
    assert.equal(sys.named('writeIdMaps')[0][0], sys.pid);
    assert.deepEqual(links[0].said, ['go']);
    // The init's hooks run in its pid namespace, where it is pid 1 (runtime.md, State).
    assert.equal(links[0].goStates!.creating.pid, 1);
    assert.equal(links[0].goStates!.created.status, 'created');
    assert.ok(links[0].closed);
    assert.equal(created.stored.pid, sys.pid);
    assert.equal(created.stored.initStartTime, sys.startTime);
    const onDisk = JSON.parse(fs.readFileSync(path.join(s.root, s.id, 'state.json'), 'utf8'));
    assert.equal(onDisk.pid, sys.pid);
    assert.equal(fs.readFileSync(s.options.pidFile!, 'utf8'), String(sys.pid));
    assert.deepEqual([...sys.open], [created.pidfd], 'only the pidfd stays open, for the caller');
    assert.deepEqual(sys.named('pidfdSendSignal'), [], 'a created init is not killed');
    assert.equal(fs.existsSync(s.poststopMarker), false);
  } finally {
    fs.rmSync(path.join(s.root, s.id), { recursive: true, force: true });
  }
});

test('create abort: spawn throws', async () => {
  const s = setup();
  const { env, sys, links } = scriptedEnv([{ kind: 'ready' }]);
  sys.failing.set('spawn', Object.assign(new Error('clone: operation not permitted'), { code: 'EPERM', errno: -1, syscall: 'clone' }));
  const err = await rejects(createContainer(s.options, env));
  assert.ok(err instanceof SyscallError && err.errnoName === 'EPERM' && err.syscall === 'clone', String(err));
  assert.equal(links.length, 0, 'no conversation without an init');
  assert.deepEqual(sys.named('pidfdSendSignal'), [], 'nothing to kill');
  assert.ok(sys.named('close').length >= 4, 'the plan memfd, both socket ends and the fifo handle are closed');
  assertLeftNothing(s, sys, links);
  assert.equal(fs.existsSync(s.poststopMarker), false, 'poststop hooks run only after a failed hook');
});

test('create abort: the init reports a failed step', async () => {
  const s = setup();
  const reported = new SyscallError({ errnoName: 'ENOENT', errno: 2, syscall: 'mount', path: '/proc', step: { index: 4, op: 'mount' } });
  const { env, sys, links } = scriptedEnv([{ kind: 'failed', error: reported }]);
  const err = await rejects(createContainer(s.options, env));
  assert.equal(err, reported, 'the init\'s own error reaches the caller');
  assertKilledAndReaped(sys);
  assertLeftNothing(s, sys, links);
  assert.equal(fs.existsSync(s.poststopMarker), false);
});

test('create abort: the init exits without reporting', async () => {
  const s = setup();
  const { env, sys, links } = scriptedEnv([{ kind: 'exited' }]);
  const err = await rejects(createContainer(s.options, env));
  assert.ok(err instanceof KapselError && err.code === 'ERR_PROTOCOL', String(err));
  assert.match(err.message, /exited during setup without reporting/);
  assertKilledAndReaped(sys);
  assertLeftNothing(s, sys, links);
});

test('create abort: a createRuntime hook fails: abort is sent, the init killed, poststop hooks run', async () => {
  const s = setup((spec) => (spec.hooks!.createRuntime = [nodeHook('process.exit(3)')]));
  const script: SetupEvent[] = [{ kind: 'sync', point: 'runtime-hooks' }, { kind: 'ready' }];
  const { env, sys, links } = scriptedEnv(script);
  const err = await rejects(createContainer(s.options, env));
  assert.ok(err instanceof HookFailedError && err.kind === 'createRuntime', String(err));
  assert.match(err.message, /exit status 3/);
  assert.deepEqual(links[0].said, ['go', 'abort'], 'the init is told to abort, not to proceed');
  assertKilledAndReaped(sys);
  assertLeftNothing(s, sys, links);
  assert.ok(fs.existsSync(s.poststopMarker), 'the poststop hooks ran');
});

test('create abort: the init reports a failed createContainer hook: poststop hooks run', async () => {
  const s = setup();
  const { env, sys, links } = scriptedEnv([
    { kind: 'sync', point: 'runtime-hooks' },
    { kind: 'failed', error: new HookFailedError('createContainer', { path: '/bin/hook' }, 'exit status 1', { exitCode: 1 }) },
  ]);
  const err = await rejects(createContainer(s.options, env));
  assert.ok(err instanceof HookFailedError, String(err));
  assert.deepEqual(links[0].said, ['go', 'proceed']);
  assertKilledAndReaped(sys);
  assertLeftNothing(s, sys, links);
  assert.ok(fs.existsSync(s.poststopMarker), 'the poststop hooks ran');
});

test('create abort: the pid file cannot be written after the init is ready', async () => {
  const s = setup();
  s.options.pidFile = path.join(s.dir, 'no-such-dir', 'pid');
  const { env, sys, links } = scriptedEnv([{ kind: 'ready' }]);
  const err = await rejects(createContainer(s.options, env));
  assert.ok(err instanceof SyscallError && err.errnoName === 'ENOENT', String(err));
  assertKilledAndReaped(sys);
  assertLeftNothing(s, sys, links);
  assert.equal(fs.existsSync(s.poststopMarker), false);
});

test('create abort: the id maps cannot be written', async () => {
  const s = setup();
  const { env, sys, links } = scriptedEnv([{ kind: 'ready' }]);
  sys.failing.set('writeIdMaps', Object.assign(new Error('write: operation not permitted'), { code: 'EPERM', errno: -1, syscall: 'write', path: '/proc/1/uid_map' }));
  const err = await rejects(createContainer(s.options, env));
  assert.ok(err instanceof SyscallError && err.syscall === 'write', String(err));
  assert.deepEqual(links[0].said, [], 'go is never sent');
  assertKilledAndReaped(sys);
  assertLeftNothing(s, sys, links);
});

test('create abort: the console socket cannot be reached', async () => {
  const s = setup((spec) => (spec.process!.terminal = true), { consoleSocket: '/nonexistent/console.sock' });
  const { env, sys, links } = scriptedEnv([{ kind: 'ready' }]);
  sys.failing.set('unixConnect', Object.assign(new Error('connect: no such file or directory'), { code: 'ENOENT', errno: -2, syscall: 'connect', path: '/nonexistent/console.sock' }));
  const err = await rejects(createContainer(s.options, env));
  assert.ok(err instanceof SyscallError && err.errnoName === 'ENOENT', String(err));
  assert.deepEqual(sys.named('spawn'), []);
  assertLeftNothing(s, sys, links);
});

// The runtime's part of the plan on the double: cgroups, id-mapped trees
// and net-device moves are made through ParentSyscalls, and every abort
// path takes back exactly what was done, last first.

const HYBRID: CgroupLayout = {
  kind: 'hybrid',
  v1: {
    memory: { mountPoint: '/sys/fs/cgroup/memory', mountRoot: '/', controllers: ['memory'] },
    pids: { mountPoint: '/sys/fs/cgroup/pids', mountRoot: '/', controllers: ['pids'] },
  },
  unified: { mountPoint: '/sys/fs/cgroup/unified', mountRoot: '/' },
};

const V2: CgroupLayout = { kind: 'v2', v1: {}, unified: { mountPoint: '/sys/fs/cgroup', mountRoot: '/' } };

/** Made-up cgroup facts: the plan gets a cgroup part, which runs on the double (no real cgroup). */
function withCgroups(env: CreateEnv, id: string, layout: CgroupLayout = HYBRID): CreateEnv {
  const target: CgroupTarget =
    layout.kind === 'v2'
      ? { v1: {}, unified: `/sys/fs/cgroup/${id}` }
      : { v1: { memory: `/sys/fs/cgroup/memory/${id}`, pids: `/sys/fs/cgroup/pids/${id}` }, unified: `/sys/fs/cgroup/unified/${id}` };
  return { ...env, cgroupFacts: () => ({ layout, target }), gatherFacts: asRootHost };
}

/**
 * The facts of this host, as a runtime with root sees it: the runtime
 * part on the double moves net devices, which a rootless runtime refuses,
 * and the unit tier also runs as an unprivileged user.
 */
const asRootHost: typeof gatherFacts = (spec, paths) => {
  const facts = gatherFacts(spec, paths);
  return { ...facts, host: { ...facts.host, unprivileged: false, inUserNamespace: false } };
};

/** A second namespace-moved interface and an id-mapped bind, besides the cgroups. */
function everything(spec: Spec, dir: string): void {
  spec.linux!.namespaces!.push({ type: 'network' });
  spec.linux!.netDevices = { kapselundo0: { name: 'eth7' }, kapselundo1: { name: 'eth8' } };
  const source = path.join(dir, 'shared');
  fs.mkdirSync(source, { recursive: true });
  spec.mounts!.push({ destination: '/shared', type: 'bind', source, options: ['bind', 'idmap'], uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }], gidMappings: [{ containerID: 0, hostID: 1000, size: 1 }] });
}

/** What was made (cgroups, the init, each device moved), in order, and what was taken back, in order. */
function madeAndUndone(sys: RecordingSyscalls): { made: string[]; undone: string[] } {
  const made: string[] = [];
  const undone: string[] = [];
  for (const [name, ...args] of sys.calls) {
    if (name === 'makeCgroups') made.push('cgroup');
    else if (name === 'spawn' && !sys.failing.has('spawn')) made.push('init'); // a failed spawn made nothing
    else if (name === 'moveNetDevice') made.push(`netdev ${args[1] as string}`);
    else if (name === 'destroyCgroups') undone.push('cgroup');
    else if (name === 'pidfdSendSignal' && args[1] === 9) undone.push('init');
    else if (name === 'returnNetDevice') undone.push(`netdev ${args[2] as string}`);
  }
  return { made, undone };
}

/** Everything made is undone, last first, and no fd, cgroup, moved device or init is left. */
function assertUndoneInReverse(s: Setup, sys: RecordingSyscalls, links: ScriptedLink[], made: string[]): void {
  const seen = madeAndUndone(sys);
  assert.deepEqual(seen.made, made, 'what was made');
  assert.deepEqual(seen.undone, [...made].reverse(), 'undone in reverse order');
  assert.deepEqual([...sys.cgroups], [], 'no cgroup is left');
  assert.deepEqual([...sys.movedOut], [], 'every device is back on the host');
  assertLeftNothing(s, sys, links);
}

const fail = (syscall: string): NodeJS.ErrnoException => Object.assign(new Error(`${syscall}: operation not permitted`), { code: 'EPERM', errno: -1, syscall });

test('create on the double, runtime part: cgroups made and filled, the init born in its cgroup2 one and joined to v1, trees passed, devices moved; all kept', async () => {
  const s = setup((spec) => everything(spec, path.join(tmp, 'everything-ok')));
  const { env, sys, links } = scriptedEnv([{ kind: 'ready' }]);
  const created = await createContainer(s.options, withCgroups(env, s.id));
  try {
    const order = sys.calls.map((c) => c[0]).filter((n) => ['makeCgroups', 'writeCgroups', 'attachDeviceProgram', 'openDirectory', 'idmappedTree', 'spawn', 'joinCgroups', 'writeIdMaps', 'moveNetDevice'].includes(n));
    assert.deepEqual(order, ['makeCgroups', 'writeCgroups', 'openDirectory', 'idmappedTree', 'spawn', 'joinCgroups', 'writeIdMaps', 'moveNetDevice', 'moveNetDevice']);
    const [[spawn]] = sys.named('spawn') as [[{ fds: number[]; cgroupFd: number }]];
    assert.deepEqual(sys.named('openDirectory'), [[`/sys/fs/cgroup/unified/${s.id}`]], 'born into the cgroup2 directory');
    assert.ok(spawn.cgroupFd >= 10_000);
    assert.deepEqual(sys.named('joinCgroups'), [[sys.pid, [`/sys/fs/cgroup/memory/${s.id}`, `/sys/fs/cgroup/pids/${s.id}`]]]);
    assert.deepEqual(madeAndUndone(sys).undone, [], 'nothing undone');
    assert.equal(sys.cgroups.size, 3, 'the cgroups stay');
    assert.equal(sys.movedOut.size, 2, 'the devices stay in the container');
    assert.deepEqual([...sys.open], [created.pidfd], 'the tree, placement and namespace fds are closed');
    const onDisk = JSON.parse(fs.readFileSync(path.join(s.root, s.id, 'state.json'), 'utf8'));
    assert.deepEqual(onDisk.cgroup.created, [`/sys/fs/cgroup/memory/${s.id}`, `/sys/fs/cgroup/pids/${s.id}`, `/sys/fs/cgroup/unified/${s.id}`]);
    assert.equal(links[0].said[0], 'go');
  } finally {
    fs.rmSync(path.join(s.root, s.id), { recursive: true, force: true });
  }
});

test('create abort, cgroup made: the limits cannot be written: the cgroup is destroyed, nothing spawned', async () => {
  const s = setup();
  const { env, sys, links } = scriptedEnv([{ kind: 'ready' }]);
  sys.failing.set('writeCgroups', fail('write'));
  const err = await rejects(createContainer(s.options, withCgroups(env, s.id)));
  assert.ok(err instanceof SyscallError && err.syscall === 'write', String(err));
  assertUndoneInReverse(s, sys, links, ['cgroup']);
});

test('create on cgroup2 (the double): writes, then the device program attached to the cgroup, then the init born there', async () => {
  const s = setup();
  const { env, sys } = scriptedEnv([{ kind: 'ready' }]);
  const created = await createContainer(s.options, withCgroups(env, s.id, V2));
  try {
    const order = sys.calls.map((c) => c[0]).filter((n) => ['makeCgroups', 'writeCgroups', 'attachDeviceProgram', 'openDirectory', 'spawn', 'joinCgroups'].includes(n));
    assert.deepEqual(order, ['makeCgroups', 'writeCgroups', 'attachDeviceProgram', 'openDirectory', 'spawn']);
    const [[dir, instructions]] = sys.named('attachDeviceProgram') as [[string, number]];
    assert.equal(dir, `/sys/fs/cgroup/${s.id}`);
    assert.ok(instructions > 10);
    assert.deepEqual([...sys.open], [created.pidfd], 'the placement fd is closed');
  } finally {
    fs.rmSync(path.join(s.root, s.id), { recursive: true, force: true });
  }
});

test('create abort, cgroup made: the device program cannot be attached: the cgroup is destroyed, nothing spawned', async () => {
  const s = setup();
  const { env, sys, links } = scriptedEnv([{ kind: 'ready' }]);
  sys.failing.set('attachDeviceProgram', fail('bpf'));
  const err = await rejects(createContainer(s.options, withCgroups(env, s.id, V2)));
  assert.ok(err instanceof SyscallError && err.syscall === 'bpf', String(err));
  assertUndoneInReverse(s, sys, links, ['cgroup']);
});

test('create abort, cgroup made: the spawn fails: the placement fd is closed and the cgroup destroyed', async () => {
  const s = setup();
  const { env, sys, links } = scriptedEnv([{ kind: 'ready' }]);
  sys.failing.set('spawn', fail('clone'));
  await rejects(createContainer(s.options, withCgroups(env, s.id)));
  assertUndoneInReverse(s, sys, links, ['cgroup']);
});

test('create abort, cgroup made and init spawned: joining the v1 cgroups fails: the init is killed, then the cgroup destroyed', async () => {
  const s = setup();
  const { env, sys, links } = scriptedEnv([{ kind: 'ready' }]);
  sys.failing.set('joinCgroups', fail('write'));
  await rejects(createContainer(s.options, withCgroups(env, s.id)));
  assertKilledAndReaped(sys);
  assertUndoneInReverse(s, sys, links, ['cgroup', 'init']);
});

test('create abort, tree made: the spawn fails: the tree fd is closed, the cgroup destroyed', async () => {
  const s = setup((spec) => everything(spec, path.join(tmp, 'everything-spawn')));
  const { env, sys, links } = scriptedEnv([{ kind: 'ready' }]);
  sys.failing.set('spawn', fail('clone'));
  await rejects(createContainer(s.options, withCgroups(env, s.id)));
  assert.equal(sys.named('idmappedTree').length, 1, 'the tree was made');
  assert.deepEqual(sys.named('moveNetDevice'), [], 'no device moved without an init');
  assertUndoneInReverse(s, sys, links, ['cgroup']);
});

test('create abort, devices moved: the init fails a step: each device goes back (last first) while the init lives, then it is killed, then the cgroup destroyed', async () => {
  const s = setup((spec) => everything(spec, path.join(tmp, 'everything-step')));
  const reported = new SyscallError({ errnoName: 'EEXIST', errno: 17, syscall: 'netlink', step: { index: 3, op: 'netdev' } });
  const { env, sys, links } = scriptedEnv([{ kind: 'failed', error: reported }]);
  const err = await rejects(createContainer(s.options, withCgroups(env, s.id)));
  assert.equal(err, reported);
  assertUndoneInReverse(s, sys, links, ['cgroup', 'init', 'netdev kapselundo0', 'netdev kapselundo1']);
});

test('create abort, one device moved: the second cannot be: the first goes back, the init is killed, the cgroup destroyed', async () => {
  const s = setup((spec) => everything(spec, path.join(tmp, 'everything-second')));
  const { env, sys, links } = scriptedEnv([{ kind: 'ready' }]);
  const move = sys.moveNetDevice.bind(sys);
  sys.moveNetDevice = (nsFd, hostName, moveAs) => {
    if (hostName === 'kapselundo1') {
      sys.calls.push(['moveNetDevice-refused', hostName]);
      throw Object.assign(new Error('netlink: file exists'), { code: 'EEXIST', errno: -17, syscall: 'netlink' });
    }
    return move(nsFd, hostName, moveAs);
  };
  const err = await rejects(createContainer(s.options, withCgroups(env, s.id)));
  assert.ok(err instanceof InvalidConfigError && /\/linux\/netDevices\/kapselundo1/.test(err.message), String(err));
  assert.deepEqual(links[0].said, [], 'go is never sent');
  assertUndoneInReverse(s, sys, links, ['cgroup', 'init', 'netdev kapselundo0']);
});

test('create abort, everything done and the init ready: the pid file fails: devices back, init killed, cgroup destroyed, in that order', async () => {
  const s = setup((spec) => everything(spec, path.join(tmp, 'everything-pidfile')));
  s.options.pidFile = path.join(s.dir, 'no-such-dir', 'pid');
  const { env, sys, links } = scriptedEnv([{ kind: 'ready' }]);
  await rejects(createContainer(s.options, withCgroups(env, s.id)));
  assertKilledAndReaped(sys);
  assertUndoneInReverse(s, sys, links, ['cgroup', 'init', 'netdev kapselundo0', 'netdev kapselundo1']);
});

test('create abort: a cgroup clean-up that fails is a warning; the rest is still undone', async () => {
  const s = setup();
  const { env, sys, links } = scriptedEnv([{ kind: 'failed', error: new SyscallError({ errnoName: 'EPERM', errno: 1, syscall: 'mount' }) }]);
  const destroy = sys.destroyCgroups.bind(sys);
  sys.destroyCgroups = async (record) => {
    await destroy(record);
    throw Object.assign(new Error('rmdir: device or resource busy'), { code: 'EBUSY' });
  };
  const err = await rejects(createContainer(s.options, withCgroups(env, s.id)));
  assert.ok(err instanceof SyscallError && err.syscall === 'mount', 'the first failure is the one reported');
  assert.ok(s.warnings.some((w) => /^cgroup clean-up after a failed create: rmdir: device or resource busy/.test(w)), s.warnings.join('\n'));
  assertUndoneInReverse(s, sys, links, ['cgroup', 'init']);
});

/** withCgroups, the target a systemd scope's (--systemd-cgroup). */
function withSystemdScope(env: CreateEnv, id: string): CreateEnv {
  const base = withCgroups(env, id);
  return {
    ...base,
    cgroupFacts: (spec, cid, options) => {
      const facts = base.cgroupFacts!(spec, cid, options);
      return 'target' in facts ? { ...facts, target: { ...facts.target, systemd: { unit: `kapsel-${id}.scope`, slice: 'system.slice', bus: 'system' } } } : facts;
    },
  };
}

test('create --systemd-cgroup on the double: the scope is started with the init\'s pid after it joined its cgroups, and recorded', async () => {
  const s = setup((spec) => {
    spec.linux!.resources = { ...spec.linux!.resources, pids: { limit: 10 } };
  });
  const { env, sys } = scriptedEnv([{ kind: 'ready' }]);
  await createContainer(s.options, withSystemdScope(env, s.id));
  try {
    const order = sys.calls.map((c) => c[0]).filter((n) => ['spawn', 'joinCgroups', 'startSystemdScope'].includes(n));
    assert.deepEqual(order, ['spawn', 'joinCgroups', 'startSystemdScope']);
    const [[unit, names]] = sys.named('startSystemdScope') as [[string, string[]]];
    assert.equal(unit, `kapsel-${s.id}.scope`);
    assert.ok(names.includes('PIDs') && names.includes('Delegate') && names.includes('TasksMax'), names.join());
    const onDisk = JSON.parse(fs.readFileSync(path.join(s.root, s.id, 'state.json'), 'utf8'));
    assert.deepEqual(onDisk.cgroup.systemd, { unit: `kapsel-${s.id}.scope`, slice: 'system.slice', bus: 'system' });
  } finally {
    fs.rmSync(path.join(s.root, s.id), { recursive: true, force: true });
  }
});

test('create abort, the scope cannot start: cgroups and init undone, and the unit (perhaps someone else\'s) is not stopped', async () => {
  const s = setup();
  const { env, sys, links } = scriptedEnv([{ kind: 'ready' }]);
  sys.failing.set('startSystemdScope', fail('StartTransientUnit'));
  await rejects(createContainer(s.options, withSystemdScope(env, s.id)));
  assertUndoneInReverse(s, sys, links, ['cgroup', 'init']);
  // The unit of that name was never ours: the clean-up's record does not name it, so it is not stopped.
  assert.deepEqual(sys.named('destroyCgroups').map(([, unit]) => unit), [undefined]);
});

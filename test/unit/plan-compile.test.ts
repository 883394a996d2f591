// The plan compiler, without root: which steps a config turns into, in
// which order, with which resolved arguments.
import { test } from 'node:test';
import { fakeFacts, type FakeFacts } from '../helpers/facts';
import assert from 'node:assert/strict';
import { defaultSpec, validateConfig, validateProcess } from '../../lib/config';
import type { LinuxNamespaceType, Spec } from '../../lib/config/types';
import type { ValidSpec } from '../../lib/config/valid';
import { InvalidConfigError, NotSupportedError } from '../../lib/errors';
import * as C from '../../lib/native/constants';
import { compilePlan, type CompileOptions } from '../../lib/plan/compile';
import type { PlanFacts } from '../../lib/plan/plan-facts';
import { processPlan } from '../../lib/plan/process';
import { helperFdLayout, type Step } from '../../lib/plan/steps';
import { MOUNT_ATTR_RDONLY } from '../../lib/plan/mount-options';

const bundle = '/b';
const rootfs = '/b/rootfs';

/** A validated config: compilePlan takes nothing else. */
function spec(edit?: (s: Spec) => void, rootless = false): ValidSpec {
  const s = defaultSpec({ rootless, uid: 1000, gid: 1000 });
  s.process!.terminal = false;
  s.process!.args = ['/bin/app', '--flag'];
  edit?.(s);
  return validateConfig(s);
}

/** A fake host and image: the compiler reads nothing else. */
function facts(edit: FakeFacts = {}): PlanFacts {
  return fakeFacts(edit);
}

/** compilePlan with the test's bundle and rootfs, on a privileged (or, with rootless, unprivileged) fake host. */
function compile(s: ValidSpec, options: Partial<CompileOptions> & { rootless?: boolean } = {}, host?: PlanFacts): ReturnType<typeof compilePlan> {
  const { rootless, ...rest } = options;
  return compilePlan(s, { bundle, rootfs, ...rest }, host ?? facts({ unprivileged: rootless ?? false }));
}

function ops(steps: Step[]): string[] {
  return steps.map((s) => s.op);
}

function indexOfOp(steps: Step[], op: string): number {
  return steps.findIndex((s) => s.op === op);
}

test('the default spec creates pid, network, ipc, uts and mount namespaces', () => {
  const plan = compile(spec(), { bundle, rootfs, rootless: false });
  assert.equal(plan.cloneFlags, C.CLONE_NEWPID | C.CLONE_NEWNET | C.CLONE_NEWIPC | C.CLONE_NEWUTS | C.CLONE_NEWNS);
  assert.deepEqual(plan.join, []);
  assert.deepEqual(plan.uidMappings, []);
  assert.equal(plan.denySetgroups, false);
});

test('a rootless spec creates a user namespace, maps ids and denies setgroups', () => {
  const plan = compile(spec(undefined, true), { bundle, rootfs, rootless: true });
  assert.ok(plan.cloneFlags & C.CLONE_NEWUSER);
  assert.equal(plan.cloneFlags & C.CLONE_NEWNET, 0);
  assert.deepEqual(plan.uidMappings, [{ containerID: 0, hostID: 1000, size: 1 }]);
  assert.equal(plan.denySetgroups, true);
  assert.equal(indexOfOp(plan.steps, 'setgroups'), -1, 'setgroups is denied, so it is not attempted');
  // Devices cannot be created with mknod in a user namespace: they are bound.
  assert.equal(indexOfOp(plan.steps, 'mknod'), -1);
  assert.ok(plan.steps.some((s) => s.op === 'bind-device' && s.source === '/dev/null' && s.path === '/dev/null' && s.major === 1 && s.minor === 3));
});

test('a runtime inside a user namespace (rootless podman) binds devices even without one in the config', () => {
  const plain = compile(spec());
  assert.ok(indexOfOp(plain.steps, 'mknod') >= 0);
  const nested = compile(spec(), {}, facts({ inUserNamespace: true }));
  assert.equal(nested.cloneFlags & C.CLONE_NEWUSER, 0);
  assert.equal(indexOfOp(nested.steps, 'mknod'), -1);
  assert.ok(nested.steps.some((s) => s.op === 'bind-device' && s.source === '/dev/null' && s.path === '/dev/null'));
});

test('joined namespaces are listed user first and mount last', () => {
  const plan = compile(
    spec((s) => {
      s.linux!.namespaces = [
        { type: 'mount' },
        { type: 'network', path: '/proc/1/ns/net' },
        { type: 'user', path: '/proc/1/ns/user' },
        { type: 'pid' },
      ];
      delete s.linux!.uidMappings;
      delete s.linux!.gidMappings;
      delete s.hostname;
    }),
    { bundle, rootfs, rootless: false },
  );
  assert.deepEqual(plan.join, [
    { type: C.CLONE_NEWUSER, path: '/proc/1/ns/user' },
    { type: C.CLONE_NEWNET, path: '/proc/1/ns/net' },
  ]);
  assert.equal(plan.cloneFlags, C.CLONE_NEWNS | C.CLONE_NEWPID);
  const joinedMount = compile(
    spec((s) => (s.linux!.namespaces = [{ type: 'mount', path: '/run/mntns/a' }, { type: 'uts' }, { type: 'ipc', path: '/run/ipcns/a' }])),
    { bundle, rootfs },
  );
  assert.deepEqual(joinedMount.join, [
    { type: C.CLONE_NEWIPC, path: '/run/ipcns/a' },
    { type: C.CLONE_NEWNS, path: '/run/mntns/a' },
  ]);
});

test('a config without a mount namespace is refused as not supported, naming the field', () => {
  assert.throws(
    () => compile(spec((s) => (s.linux!.namespaces = [{ type: 'pid' }, { type: 'uts' }])), { bundle, rootfs }),
    (err: unknown) => err instanceof NotSupportedError && /\/linux\/namespaces/.test(err.message),
  );
});

test('steps follow the lifecycle order', () => {
  const plan = compile(
    spec((s) => {
      s.hooks = {
        createRuntime: [{ path: '/bin/cr' }],
        createContainer: [{ path: '/bin/cc', args: ['cc', 'x'], timeout: 5 }],
        startContainer: [{ path: '/bin/sc', env: ['A=b'] }],
      };
    }),
    { bundle, rootfs, rootless: false },
  );
  const order = ['mount', 'root', 'hostname', 'sync', 'hook', 'pivot-root', 'readonly', 'mask', 'setresuid', 'check-exec', 'wait-start', 'exec'];
  const positions = order.map((op) => indexOfOp(plan.steps, op));
  for (let i = 1; i < positions.length; i++) {
    assert.ok(positions[i] > positions[i - 1], `${order[i]} comes after ${order[i - 1]}: ${ops(plan.steps).join(' ')}`);
  }
  const hooks = plan.steps.filter((s) => s.op === 'hook');
  assert.deepEqual(hooks, [
    // No env: the runtime's own, which the plan never holds (filled in at launch).
    { op: 'hook', kind: 'createContainer', path: '/bin/cc', timeout: 5, args: ['cc', 'x'] },
    { op: 'hook', kind: 'startContainer', path: '/bin/sc', timeout: 0, args: ['/bin/sc'], env: ['A=b'] },
  ]);
  assert.deepEqual(
    plan.hooks!.map((h) => `${h.kind}[${h.index}] ${h.namespace} ${h.operation} ${h.status} ${h.onFailure} ${h.env ? h.env.join(',') : 'inherits'}`),
    [
      'createRuntime[0] runtime create creating fails inherits',
      'createContainer[0] container create creating fails inherits',
      'startContainer[0] container start created fails A=b',
    ],
  );
  assert.ok(indexOfOp(plan.steps, 'wait-start') < plan.steps.findIndex((s) => s.op === 'hook' && s.kind === 'startContainer'));
  assert.equal(plan.steps[plan.steps.length - 1].op, 'exec');
});

test('no sync point when there are no runtime-namespace create hooks', () => {
  const plan = compile(spec(), { bundle, rootfs });
  assert.equal(indexOfOp(plan.steps, 'sync'), -1);
});

test('the rootfs is made a private mount point before anything is mounted in it', () => {
  const { steps: all } = compile(spec(), { bundle, rootfs });
  // After the header, which the init reads before "go" (it mounts nothing).
  assert.equal(all[0].op, 'header');
  const steps = all.slice(1);
  assert.deepEqual(steps[0], { op: 'mount', source: '', target: '/', fstype: '', flags: C.MS_SLAVE | C.MS_REC, data: '', inContainer: false, filesystem: 'other', inheritMode: false });
  assert.deepEqual(steps[1], { op: 'mount', source: rootfs, target: rootfs, fstype: '', flags: C.MS_BIND | C.MS_REC, data: '', inContainer: false, filesystem: 'other', inheritMode: false });
  assert.deepEqual(steps[2], { op: 'root', path: rootfs });
});

test('mount options become flags and data; bind flags are set with setattr', () => {
  const { steps } = compile(
    spec((s) => {
      s.mounts = [
        { destination: '/data', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', 'size=1m', 'mode=700', 'rprivate'] },
        { destination: '/host', type: 'bind', source: 'relative/dir', options: ['rbind', 'ro'] },
      ];
    }),
    { bundle, rootfs },
  );
  assert.ok(
    steps.some(
      (s) =>
        s.op === 'mount' && s.target === '/data' && s.fstype === 'tmpfs' &&
        s.flags === (C.MS_NOSUID | C.MS_NODEV | C.MS_NOEXEC) && s.data === 'size=1m,mode=700',
    ),
  );
  assert.ok(steps.some((s) => s.op === 'mount' && s.target === '/data' && s.flags === (C.MS_PRIVATE | C.MS_REC)));
  // Relative bind sources resolve against the bundle.
  assert.ok(steps.some((s) => s.op === 'mount' && s.source === '/b/relative/dir' && s.flags === (C.MS_BIND | C.MS_REC)));
  // "rbind,ro": only the top mount is read-only, as in runc; "rro" is the recursive form.
  assert.ok(steps.some((s) => s.op === 'setattr' && s.target === '/host' && s.set === MOUNT_ATTR_RDONLY && !s.recursive));
  assert.ok(!steps.some((s) => s.op === 'setattr' && s.target === '/host' && s.recursive));
});

test('default devices, /dev symlinks and the ptmx link are planned', () => {
  const { steps } = compile(spec(), { bundle, rootfs, rootless: false });
  const nodes = steps.filter((s): s is Extract<Step, { op: 'mknod' }> => s.op === 'mknod');
  assert.deepEqual(
    nodes.map((n) => [n.path, n.major, n.minor, n.mode]),
    [
      ['/dev/null', 1, 3, 0o666],
      ['/dev/zero', 1, 5, 0o666],
      ['/dev/full', 1, 7, 0o666],
      ['/dev/random', 1, 8, 0o666],
      ['/dev/urandom', 1, 9, 0o666],
      ['/dev/tty', 5, 0, 0o666],
    ],
  );
  const links = steps.filter((s) => s.op === 'symlink').map((s) => s.op === 'symlink' && [s.path, s.target]);
  assert.deepEqual(links, [
    ['/dev/fd', '/proc/self/fd'],
    ['/dev/stdin', '/proc/self/fd/0'],
    ['/dev/stdout', '/proc/self/fd/1'],
    ['/dev/stderr', '/proc/self/fd/2'],
    ['/dev/ptmx', 'pts/ptmx'],
  ]);
});

test('/dev/ptmx: no node where the link goes (a listed ptmx device), the link replaces the image\'s; a mount there or a bound /dev is left alone', () => {
  const ptmx = { path: '/dev/ptmx', type: 'c' as const, major: 5, minor: 2 };
  const listed = compile(spec((s) => (s.linux!.devices = [ptmx, { path: '/dev/fuse', type: 'c', major: 10, minor: 229 }])), { bundle, rootfs, rootless: false }).steps;
  assert.ok(!listed.some((st) => st.op === 'mknod' && st.path === '/dev/ptmx'), 'no ptmx node');
  assert.ok(listed.some((st) => st.op === 'mknod' && st.path === '/dev/fuse'), 'the other devices are made');
  assert.deepEqual(listed.filter((st) => st.op === 'symlink' && st.path === '/dev/ptmx'), [{ op: 'symlink', target: 'pts/ptmx', path: '/dev/ptmx', replace: true }]);
  // The other /dev links keep what an image has there.
  assert.ok(listed.filter((st) => st.op === 'symlink' && st.path !== '/dev/ptmx').every((st) => st.op === 'symlink' && !st.replace));
  const mountedAt = compile(
    spec((s) => {
      s.linux!.devices = [ptmx];
      s.mounts!.push({ destination: '/dev/ptmx', type: 'bind', source: '/dev/ptmx', options: ['bind'] });
    }),
    { bundle, rootfs, rootless: false },
  ).steps;
  assert.ok(!mountedAt.some((st) => st.op === 'symlink' && st.path === '/dev/ptmx'), 'a mount at /dev/ptmx is the config\'s');
  assert.ok(mountedAt.some((st) => st.op === 'mknod' && st.path === '/dev/ptmx'));
  const noDevpts = compile(spec((s) => (s.mounts = s.mounts!.filter((m) => m.destination !== '/dev/pts'))), { bundle, rootfs, rootless: false }).steps;
  assert.ok(!noDevpts.some((st) => st.op === 'symlink' && st.path === '/dev/ptmx'), 'no devpts, no link');
  const hostDev = compile(spec((s) => s.mounts!.push({ destination: '/dev', type: 'bind', source: '/dev', options: ['rbind'] })), { bundle, rootfs, rootless: false }).steps;
  assert.ok(!hostDev.some((st) => (st.op === 'symlink' || st.op === 'mknod') && st.path.startsWith('/dev/')), 'the host\'s /dev is not touched');
});

test('capabilities, user and rlimits compile to masks and ids', () => {
  const { steps } = compile(
    spec((s) => {
      s.process!.user = { uid: 1000, gid: 100, additionalGids: [5, 6], umask: 0o077 };
      s.process!.capabilities = {
        bounding: ['CAP_CHOWN', 'CAP_KILL'],
        effective: ['CAP_KILL'],
        permitted: ['CAP_CHOWN', 'CAP_KILL'],
        inheritable: ['CAP_KILL'],
        ambient: ['CAP_KILL'],
      };
      s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 256, hard: 512 }, { type: 'RLIMIT_CORE', soft: 2 ** 64, hard: 2 ** 64 }];
    }),
    { bundle, rootfs, rootless: false },
  );
  const find = <T extends Step['op']>(op: T) => steps.find((s) => s.op === op) as Extract<Step, { op: T }>;
  assert.equal(find('bounding').keep, String((1n << 0n) | (1n << 5n)));
  assert.deepEqual(find('capset'), { op: 'capset', effective: String(1n << 5n), permitted: String(1n | (1n << 5n)), inheritable: String(1n << 5n) });
  assert.equal(find('ambient').raise, String(1n << 5n));
  assert.deepEqual(find('setgroups').gids, [5, 6]);
  assert.equal(find('setresgid').gid, 100);
  assert.equal(find('setresuid').uid, 1000);
  assert.equal(find('umask').mask, 0o077);
  const limits = steps.filter((s) => s.op === 'rlimit');
  assert.deepEqual(limits[0], { op: 'rlimit', type: 'RLIMIT_NOFILE', resource: 7, soft: '256', hard: '512' });
  assert.deepEqual(limits[1], { op: 'rlimit', type: 'RLIMIT_CORE', resource: 4, soft: String(C.RLIM_INFINITY), hard: String(C.RLIM_INFINITY) });
  // keep-caps brackets the uid change so capset can still pick from permitted.
  assert.ok(indexOfOp(steps, 'keep-caps') < indexOfOp(steps, 'setresuid'));
  assert.ok(indexOfOp(steps, 'capset') > indexOfOp(steps, 'setresuid'));
});

test('unknown capabilities name the field (validation refuses them before compiling)', () => {
  assert.throws(
    () => compile(spec((s) => (s.process!.capabilities = { effective: ['CAP_NOPE'] })), { bundle, rootfs }),
    (err: unknown) => err instanceof InvalidConfigError && err.jsonPath === '/process/capabilities/effective/0',
  );
});

test('HOME is added when the config has none, from the default "/"', () => {
  const { steps } = compile(spec(), { bundle, rootfs: '/nonexistent-rootfs' });
  const exec = steps.find((s) => s.op === 'exec') as Extract<Step, { op: 'exec' }>;
  assert.deepEqual(exec.args, ['/bin/app', '--flag']);
  assert.ok(exec.env.includes('HOME=/'));
  assert.ok(exec.env.some((e) => e.startsWith('PATH=')));
});

test('the exec fifo fd follows stdio and the preserved fds', () => {
  const { steps, preserveFds } = compile(spec(), { bundle, rootfs, preserveFds: 2 });
  assert.equal(preserveFds, 2);
  const wait = steps.find((s) => s.op === 'wait-start') as Extract<Step, { op: 'wait-start' }>;
  assert.equal(wait.fifoFd, helperFdLayout(2).fifoFd);
  assert.deepEqual(helperFdLayout(2), { planFd: 5, syncFd: 6, fifoFd: 7, consoleFd: 8, listenerFd: 8, firstTreeFd: 8 });
  assert.equal(helperFdLayout(2, { console: true }).listenerFd, 9);
  assert.equal(helperFdLayout(2, { console: true, listener: true }).firstTreeFd, 10);
});

test('root.readonly, readonlyPaths and maskedPaths run after pivot_root', () => {
  const { steps } = compile(spec(), { bundle, rootfs });
  const pivot = indexOfOp(steps, 'pivot-root');
  const ro = steps.findIndex((s) => s.op === 'setattr' && s.target === '/');
  assert.ok(ro > pivot);
  assert.ok(indexOfOp(steps, 'mask') > pivot && indexOfOp(steps, 'readonly') > pivot);
  const { steps: noPivot } = compile(spec(), { bundle, rootfs, noPivot: true });
  assert.equal(indexOfOp(noPivot, 'pivot-root'), -1);
  assert.notEqual(indexOfOp(noPivot, 'move-root'), -1);
});

test('a process is required', () => {
  assert.throws(
    () => compile(spec((s) => delete s.process), { bundle, rootfs }),
    (err: unknown) => err instanceof InvalidConfigError && err.jsonPath === '/process',
  );
});

test('a terminal adds the console step after pivot_root, with the console size', () => {
  const { steps } = compile(
    spec((s) => {
      s.process!.terminal = true;
      s.process!.consoleSize = { height: 40, width: 120 };
    }),
    { bundle, rootfs, preserveFds: 1 },
  );
  const at = indexOfOp(steps, 'console');
  assert.ok(at > indexOfOp(steps, 'pivot-root') && at < indexOfOp(steps, 'setresuid'));
  assert.deepEqual(steps[at], { op: 'console', socketFd: helperFdLayout(1).consoleFd, rows: 40, cols: 120, bindConsole: true });
  assert.equal(indexOfOp(compile(spec(), { bundle, rootfs }).steps, 'console'), -1);
});

test('sysctls are written after pivot_root, before /proc/sys turns read-only', () => {
  const { steps } = compile(spec((s) => (s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' })), { bundle, rootfs });
  const at = indexOfOp(steps, 'sysctl');
  assert.ok(at > indexOfOp(steps, 'pivot-root') && at < indexOfOp(steps, 'readonly'));
  assert.throws(
    () => compile(spec((s) => (s.linux!.sysctl = { 'kernel.panic': '1' })), { bundle, rootfs }),
    (err: unknown) => err instanceof InvalidConfigError && err.jsonPath === '/linux/sysctl/kernel.panic',
  );
});

test('Container.plan takes a config alone, as the design sketch has it', async () => {
  const { Container } = await import('../../lib');
  const plan = Container.plan(spec());
  const pivot = plan.steps.find((s) => s.op === 'pivot-root') as Extract<Step, { op: 'pivot-root' }>;
  assert.equal(pivot.rootfs, `${process.cwd()}/rootfs`);
  assert.equal(Container.plan(spec(), { bundle: '/b', rootfs: '/r' }).steps.find((s) => s.op === 'pivot-root')?.op, 'pivot-root');
});

test('a relative mount destination is mounted relative to "/", with a warning (as runc)', () => {
  const plan = compile(spec((s) => s.mounts!.push({ destination: 'data', type: 'tmpfs', source: 'tmpfs' })));
  assert.ok(plan.steps.some((s) => s.op === 'mkdir' && s.path === '/data'));
  assert.ok(plan.steps.some((s) => s.op === 'mount' && s.target === '/data' && s.fstype === 'tmpfs'));
  const index = spec().mounts!.length;
  assert.deepEqual(plan.warnings.filter((w) => w.includes('destination')), [
    `/mounts/${index}/destination "data" is not absolute: mounted at "/data" (relative destinations are deprecated)`,
  ]);
  assert.deepEqual(compile(spec()).warnings.filter((w) => w.includes('destination')), []);
});

test('processPlan builds the process steps from a process alone (as exec will)', () => {
  const proc = validateProcess({
    args: ['/bin/sh', '-c', 'id'],
    cwd: '/work',
    env: ['PATH=/bin'],
    user: { uid: 5, gid: 6, additionalGids: [7] },
    rlimits: [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 20 }],
    capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] },
    noNewPrivileges: true,
  });
  const image = { passwd: [{ name: 'u', uid: 5, gid: 6, home: '/home/u' }] };
  const plan = processPlan(proc, { image, setgroupsDenied: false });
  assert.deepEqual(ops(plan.setup), [
    'rlimit', 'bounding', 'keep-caps', 'setgroups', 'setresgid', 'setresuid', 'keep-caps', 'capset', 'ambient', 'no-new-privs', 'umask', 'chdir',
  ]);
  assert.deepEqual(plan.check, { op: 'check-exec', file: '/bin/sh', env: ['PATH=/bin', 'HOME=/home/u'], searchPath: '/bin' });
  assert.deepEqual(plan.exec, { op: 'exec', args: ['/bin/sh', '-c', 'id'], env: ['PATH=/bin', 'HOME=/home/u'], searchPath: '/bin' });
  // Additional groups where setgroups is denied: named in the process document's own terms.
  assert.throws(
    () => processPlan(proc, { image, setgroupsDenied: true, jsonPath: '' }),
    (err: unknown) => err instanceof InvalidConfigError && err.jsonPath === '/user/additionalGids',
  );
});

test('additional groups on an unprivileged host with a new user namespace name the field', () => {
  assert.throws(
    () => compile(spec((s) => (s.process!.user = { uid: 0, gid: 0, additionalGids: [5] }), true), { rootless: true }),
    (err: unknown) => err instanceof InvalidConfigError && err.jsonPath === '/process/user/additionalGids',
  );
  // A privileged runtime writes any map and keeps setgroups: the same config compiles.
  const plan = compile(spec((s) => (s.process!.user = { uid: 0, gid: 0, additionalGids: [5] }), true), { rootless: false });
  assert.equal(plan.denySetgroups, false);
  assert.deepEqual((plan.steps.find((s) => s.op === 'setgroups') as Extract<Step, { op: 'setgroups' }>).gids, [5]);
});

test('Container.plan validates first, and plans for the facts it is given', async () => {
  const { Container } = await import('../../lib');
  const bad = defaultSpec({ rootless: false });
  bad.process!.capabilities = { bounding: ['CAP_NOPE'] };
  assert.throws(
    () => Container.plan(bad),
    (err: unknown) => err instanceof InvalidConfigError && err.jsonPath === '/process/capabilities/bounding/0',
  );
  const rootless = defaultSpec({ rootless: true, uid: 1000, gid: 1000 });
  assert.equal(Container.plan(rootless, { facts: facts({ unprivileged: true }) }).denySetgroups, true);
  assert.equal(Container.plan(rootless, { facts: facts({ unprivileged: false }) }).denySetgroups, false);
  const home = Container.plan(rootless, { facts: facts({ passwd: [{ name: 'root', uid: 0, gid: 0, home: '/r00t' }] }) });
  assert.ok((home.steps.find((s) => s.op === 'exec') as Extract<Step, { op: 'exec' }>).env.includes('HOME=/r00t'));
});

test('a sysctl in a namespace joined by path: set when it is not the runtime\'s own, refused when it is', () => {
  const joined = spec((s) => {
    s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'network' ? { type: 'network', path: '/run/netns/podman' } : n));
    s.linux!.sysctl = { 'net.ipv4.ping_group_range': '0 2147483647' };
  });
  const plan = compile(joined);
  assert.ok(plan.steps.some((s) => s.op === 'sysctl' && s.key === 'net.ipv4.ping_group_range' && s.value === '0 2147483647'));
  assert.throws(() => compile(joined, {}, facts({ joinedRuntimeNamespaces: ['network'] })), (err: unknown) => {
    assert.ok(err instanceof InvalidConfigError);
    assert.equal(err.jsonPath, '/linux/sysctl/net.ipv4.ping_group_range');
    assert.match(err.message, /would change the host: the network namespace joined at \/run\/netns\/podman is the runtime's own/);
    return true;
  });
});

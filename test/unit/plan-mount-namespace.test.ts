// Issue 9, items 4 and 5: a mount namespace joined by path, and none at all
// (the runtime's, inherited). The plan never mounts in the runtime's
// namespace: a chroot, or a precise refusal naming the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSpec, validateConfig, validateProcess } from '../../lib/config';
import type { Spec } from '../../lib/config/types';
import { NotSupportedError } from '../../lib/errors';
import * as C from '../../lib/native/constants';
import { compilePlan } from '../../lib/plan/compile';
import { compileExecPlan } from '../../lib/plan/exec-plan';
import { NO_LSM } from '../../lib/plan/labels';
import { gatherHostFacts } from '../../lib/host/facts';
import type { Step } from '../../lib/plan/steps';
import { fakeFacts, type FakeFacts } from '../helpers/facts';
import * as fs from 'node:fs';

const bundle = '/b';
const rootfs = '/b/rootfs';

/** A config with no mount namespace and nothing that would mount. */
function inheritedSpec(edit?: (s: Spec) => void): Spec {
  const s = defaultSpec({ rootless: false });
  s.process!.terminal = false;
  s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'mount');
  s.mounts = [];
  s.linux!.maskedPaths = [];
  s.linux!.readonlyPaths = [];
  s.root!.readonly = false;
  edit?.(s);
  return s;
}

function joinedSpec(path: string): Spec {
  const s = defaultSpec({ rootless: false });
  s.process!.terminal = false;
  s.linux!.namespaces!.find((n) => n.type === 'mount')!.path = path;
  return s;
}

function plan(s: Spec, facts: FakeFacts = {}, noPivot = false) {
  return compilePlan(validateConfig(s), { bundle, rootfs, noPivot }, fakeFacts(facts));
}

const ops = (steps: Step[]) => steps.map((s) => s.op);
const MOUNTING: Step['op'][] = ['mount', 'setattr', 'mask', 'readonly', 'bind-device', 'tmpfs-copyup', 'attach-tree', 'pivot-root', 'move-root'];

function assertNoMount(steps: Step[]): void {
  const found = steps.filter((s) => MOUNTING.includes(s.op));
  assert.deepEqual(found, [], 'nothing that mounts or moves the root');
}

test('no mount namespace: nothing is mounted, the init chroots into the rootfs; devices are made with mknod', () => {
  for (const noPivot of [false, true]) {
    const p = plan(inheritedSpec(), {}, noPivot);
    assertNoMount(p.steps);
    assert.equal(p.cloneFlags & C.CLONE_NEWNS, 0);
    assert.ok(!p.join.some((j) => j.type === C.CLONE_NEWNS));
    const o = ops(p.steps);
    assert.deepEqual(p.steps.filter((s) => s.op === 'chroot'), [{ op: 'chroot', rootfs }]);
    assert.ok(o.indexOf('root') < o.indexOf('mknod') && o.indexOf('mknod') < o.indexOf('chroot'), o.join(' '));
    assert.ok(o.indexOf('chroot') < o.indexOf('wait-start'));
    assert.deepEqual(p.steps.find((s) => s.op === 'root'), { op: 'root', path: rootfs });
    assert.ok(!o.includes('check-ns'));
  }
});

test('no mount namespace: sysctls still come after the chroot, hooks before it', () => {
  const p = plan(inheritedSpec((s) => {
    s.linux!.sysctl = { 'kernel.msgmax': '8192' };
    s.hooks = { createContainer: [{ path: '/bin/cc' }] };
  }));
  const o = ops(p.steps);
  assert.ok(o.indexOf('hook') < o.indexOf('chroot') && o.indexOf('chroot') < o.indexOf('sysctl'), o.join(' '));
});

test('a joined mount namespace that is the runtime\'s (or pid 1\'s) is the inherited one: not joined, nothing mounted', () => {
  const p = plan(
    inheritedSpec((s) => s.linux!.namespaces!.push({ type: 'mount', path: '/proc/1/ns/mnt' })),
    { joinedRuntimeNamespaces: ['mount'] },
  );
  assertNoMount(p.steps);
  assert.deepEqual(p.join, []);
  assert.ok(ops(p.steps).includes('chroot'));
  // The same path with a full config: refused, as without a mount namespace.
  assert.throws(() => plan(joinedSpec('/proc/1/ns/mnt'), { joinedRuntimeNamespaces: ['mount'] }), /\/mounts\/0/);
});

test('every field that would mount in the runtime\'s namespace is refused by name', () => {
  const cases: Array<[string, (s: Spec) => void]> = [
    ['/mounts/0', (s) => (s.mounts = [{ destination: '/proc', type: 'proc', source: 'proc' }])],
    ['/linux/maskedPaths', (s) => (s.linux!.maskedPaths = ['/proc/kcore'])],
    ['/linux/readonlyPaths', (s) => (s.linux!.readonlyPaths = ['/proc/sys'])],
    ['/root/readonly', (s) => (s.root!.readonly = true)],
    ['/linux/rootfsPropagation', (s) => (s.linux!.rootfsPropagation = 'rslave')],
    ['/process/terminal', (s) => (s.process!.terminal = true)],
  ];
  for (const [field, edit] of cases) {
    assert.throws(
      () => plan(inheritedSpec(edit)),
      (err: unknown) => err instanceof NotSupportedError && err.message.startsWith(`config.json ${field}:`) && /host's\) mount table/.test(err.message),
      field,
    );
  }
  // runc spec's own config, as is but without the mount namespace: its first mount is named.
  const full = defaultSpec({ rootless: false });
  full.linux!.namespaces = full.linux!.namespaces!.filter((n) => n.type !== 'mount');
  assert.throws(() => plan(full), /config\.json \/mounts\/0: mounting "\/proc"/);
});

test('devices in a user namespace would be binds: refused without a mount namespace, rootless or in one', () => {
  const rootless = defaultSpec({ rootless: true, uid: 1000, gid: 1000 });
  rootless.process!.terminal = false;
  rootless.linux!.namespaces = rootless.linux!.namespaces!.filter((n) => n.type !== 'mount');
  rootless.mounts = [];
  rootless.linux!.maskedPaths = [];
  rootless.linux!.readonlyPaths = [];
  rootless.root!.readonly = false;
  assert.throws(() => plan(rootless, { unprivileged: true }), /config\.json \/linux\/namespaces: devices in a user namespace/);
  assert.throws(() => plan(inheritedSpec(), { inUserNamespace: true }), /\/linux\/namespaces: devices in a user namespace/);
});

test('NOTIFY_SOCKET without a mount namespace: not bound in, with a warning', () => {
  const p = plan(inheritedSpec(), { runtimeEnv: ['NOTIFY_SOCKET=/run/systemd/notify'] });
  assertNoMount(p.steps);
  assert.ok(p.warnings.some((w) => /NOTIFY_SOCKET: the socket is not passed/.test(w)), p.warnings.join('\n'));
  const exec = p.steps.at(-1) as Extract<Step, { op: 'exec' }>;
  assert.ok(!exec.env.some((e) => e.startsWith('NOTIFY_SOCKET=')));
});

test('a mount namespace joined by path: set up there as in a new one, after checking it is not the host\'s', () => {
  const hostNs = [{ dev: 4, ino: 4026531840 }, { dev: 4, ino: 4026532000 }];
  const p = plan(joinedSpec('/run/mntns/pod'), { hostNamespaceIds: { mnt: hostNs } });
  assert.deepEqual(p.join.at(-1), { type: C.CLONE_NEWNS, path: '/run/mntns/pod' });
  assert.equal(p.cloneFlags & C.CLONE_NEWNS, 0);
  const o = ops(p.steps);
  assert.deepEqual(p.steps.find((s) => s.op === 'check-ns'), { op: 'check-ns', ns: 'mnt', forbiddenDevs: [4, 4], forbiddenInodes: [4026531840, 4026532000] });
  assert.ok(o.indexOf('check-ns') < o.indexOf('mount'), o.join(' '));
  assert.ok(o.includes('pivot-root') && !o.includes('chroot'));
  // A new mount namespace needs no check.
  assert.ok(!ops(plan(defaultSpec({ rootless: false })).steps).includes('check-ns'));
});

test('exec into a container in the runtime\'s mount namespace chroots into its rootfs first', () => {
  const spec = validateConfig(inheritedSpec());
  const ctx = { initPidfd: 9, container: { process: spec.process }, image: { passwd: [] }, setgroupsDenied: false, preserveFds: 0, rootfs, lsm: NO_LSM };
  const proc = validateProcess({ args: ['/bin/true'], cwd: '/work', terminal: true });
  const shared = compileExecPlan(proc, { ...ctx, namespaces: C.CLONE_NEWPID });
  // The root's procfs is the runtime's (the header says "host"), the helper's own terminal first.
  assert.deepEqual(shared.steps[0], { op: 'header', kind: 'exec', procfs: 'host', procBinds: [] });
  assert.deepEqual(ops(shared.steps).slice(1, 3), ['console', 'chroot']);
  assert.deepEqual(shared.steps[2], { op: 'chroot', rootfs });
  assert.ok(ops(shared.steps).indexOf('chroot') < ops(shared.steps).indexOf('chdir'));
  const own = compileExecPlan(proc, { ...ctx, namespaces: C.CLONE_NEWPID | C.CLONE_NEWNS });
  assert.ok(!ops(own.steps).includes('chroot'));
  assert.throws(() => compileExecPlan(proc, { ...ctx, rootfs: undefined, namespaces: 0 }), /rootfs was not given/);
});

test('host facts: a path that is the runtime\'s own mount namespace is told apart, and its id recorded', () => {
  const facts = gatherHostFacts({ linux: { namespaces: [{ type: 'mount', path: '/proc/self/ns/mnt' }] } }, bundle);
  assert.ok(facts.joinedRuntimeNamespaces.has('mount'));
  const own = fs.statSync('/proc/self/ns/mnt');
  assert.ok(facts.hostNamespaceIds!.mnt!.some((n) => n.dev === own.dev && n.ino === own.ino));
  const other = gatherHostFacts({ linux: { namespaces: [{ type: 'mount', path: '/proc/self/ns/net' }] } }, bundle);
  assert.ok(!other.joinedRuntimeNamespaces.has('mount'));
});

test('no mount namespace with CAP_SYS_CHROOT or CAP_SYS_ADMIN kept: a warning that the chroot does not confine it', () => {
  // runc's default bounding set has neither.
  assert.ok(!plan(inheritedSpec()).warnings.some((w) => /can leave the rootfs/.test(w)));
  const chroot = plan(inheritedSpec((s) => s.process!.capabilities!.bounding!.push('CAP_SYS_CHROOT')));
  assert.ok(chroot.warnings.some((w) => /^\/process\/capabilities\/bounding: CAP_SYS_CHROOT without a mount namespace.*can leave the rootfs/.test(w)), chroot.warnings.join('\n'));
  const admin = plan(inheritedSpec((s) => s.process!.capabilities!.bounding!.push('CAP_SYS_ADMIN')));
  assert.ok(admin.warnings.some((w) => /CAP_SYS_ADMIN without a mount namespace/.test(w)));
  // A namespace of its own: no such warning.
  const own = defaultSpec({ rootless: false });
  own.process!.capabilities!.bounding!.push('CAP_SYS_CHROOT');
  assert.ok(!plan(own).warnings.some((w) => /can leave the rootfs/.test(w)));
});

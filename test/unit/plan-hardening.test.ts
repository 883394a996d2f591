// What the plan compiler does about issue 8's holes that it can decide
// alone (the init's own checks are exercised by test/system/hardening-*):
// device binds come from host nodes found by type and number, device paths
// are cleaned, "rbind,ro" is not recursive, sysfs in a user namespace
// without a network namespace is the host's /sys read-only, and the init
// becomes root of a new user namespace before creating anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSpec, validateConfig } from '../../lib/config';
import type { Spec } from '../../lib/config/types';
import { InvalidConfigError } from '../../lib/errors';
import { compilePlan } from '../../lib/plan/compile';
import { hostDeviceNodes } from '../../lib/host/facts';
import { deviceKey } from '../../lib/plan/plan-facts';
import { MOUNT_ATTR_RDONLY } from '../../lib/plan/mount-options';
import { createPlanHeader } from '../../lib/plan/header';
import type { Step } from '../../lib/plan/steps';
import { fakeFacts, type FakeFacts } from '../helpers/facts';

function plan(edit: (s: Spec) => void, rootless: boolean, facts: FakeFacts = {}): Step[] {
  const s = defaultSpec({ rootless, uid: 1000, gid: 1000 });
  s.process!.terminal = false;
  edit(s);
  return compilePlan(validateConfig(s), { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts({ unprivileged: rootless, ...facts })).steps;
}

const FUSE = { path: '/dev/fuse', type: 'c' as const, major: 10, minor: 229 };

test('a device in a user namespace binds the host node found by type and number, never the config path', () => {
  const devices = new Map(fakeFacts().host.devices);
  devices.set(deviceKey('c', 10, 229), '/dev/fuse');
  const steps = plan((s) => (s.linux!.devices = [{ path: '/dev/../etc/shadow', type: 'c', major: 1, minor: 3 }, FUSE]), true, { devices });
  const binds = steps.filter((s): s is Extract<Step, { op: 'bind-device' }> => s.op === 'bind-device');
  // The first entry's target is its cleaned path in the container; its
  // source is the host's null device, whatever path the config wrote.
  assert.deepEqual(
    binds.find((b) => b.path === '/etc/shadow'),
    { op: 'bind-device', path: '/etc/shadow', type: 'c', major: 1, minor: 3, source: '/dev/null' },
  );
  assert.ok(binds.some((b) => b.path === '/dev/fuse' && b.source === '/dev/fuse'));
  assert.ok(!steps.some((s) => s.op === 'mount' && (s.source.includes('shadow') || s.source.includes('..'))));
});

test('a device the host lacks is a config error naming the entry', () => {
  assert.throws(
    () => plan((s) => (s.linux!.devices = [FUSE]), true),
    (e: unknown) => e instanceof InvalidConfigError && e.jsonPath === '/linux/devices/0' && /no c 10:229 device/.test(e.message),
  );
});

test('device paths are cleaned: a trailing slash is dropped, ".." resolved', () => {
  const steps = plan((s) => (s.linux!.devices = [{ path: '/dev/mydev/', type: 'c', major: 1, minor: 5 }, { path: '/dev/x/../null2', type: 'c', major: 1, minor: 3 }]), false);
  const nodes = steps.filter((s): s is Extract<Step, { op: 'mknod' }> => s.op === 'mknod').map((n) => n.path);
  assert.ok(nodes.includes('/dev/mydev'));
  assert.ok(nodes.includes('/dev/null2'));
});

test('a FIFO is created with mknod even in a user namespace (no device is involved)', () => {
  const steps = plan((s) => (s.linux!.devices = [{ path: '/dev/pipe', type: 'p' }]), true);
  assert.ok(steps.some((s) => s.op === 'mknod' && s.path === '/dev/pipe' && s.type === 'p'));
});

test('the host device lookup accepts a node only when it is the requested device', () => {
  // /dev/../etc/passwd names a regular file: the lookup finds the real 1:3.
  const found = hostDeviceNodes([{ path: '/dev/../etc/passwd', type: 'c', major: 1, minor: 3 }]);
  assert.equal(found.get(deviceKey('c', 1, 3)), '/dev/null');
  // /dev/zero exists but is 1:5: not taken for a 1:3 request at its path.
  assert.equal(hostDeviceNodes([{ path: '/dev/zero', type: 'c', major: 1, minor: 3 }]).get(deviceKey('c', 1, 3)), '/dev/null');
  // A character device is not a block device of the same numbers.
  assert.equal(hostDeviceNodes([{ path: '/dev/null', type: 'b', major: 1, minor: 3 }]).has(deviceKey('b', 1, 3)), false);
});

test('"rbind,ro" makes only the top mount read-only; "rro" all of it', () => {
  const steps = plan(
    (s) =>
      (s.mounts = [
        { destination: '/a', type: 'bind', source: '/tmp', options: ['rbind', 'ro'] },
        { destination: '/b', type: 'bind', source: '/tmp', options: ['rbind', 'rro'] },
      ]),
    false,
  );
  const attrs = (target: string) => steps.filter((s) => s.op === 'setattr' && s.target === target);
  assert.deepEqual(attrs('/a'), [{ op: 'setattr', target: '/a', set: MOUNT_ATTR_RDONLY, clear: 0, propagation: 0, recursive: false }]);
  assert.deepEqual(attrs('/b'), [{ op: 'setattr', target: '/b', set: MOUNT_ATTR_RDONLY, clear: 0, propagation: 0, recursive: true }]);
});

test('sysfs in a user namespace without a network namespace is the host /sys, bound read-only recursively', () => {
  const sysfs = (s: Spec) => {
    s.mounts = s.mounts!.map((m) => (m.destination === '/sys' ? { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] } : m));
  };
  const steps = plan((s) => (sysfs(s), (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'network'))), true);
  const sys = steps.filter((s) => (s.op === 'mount' || s.op === 'setattr') && s.target === '/sys');
  assert.ok(sys.some((s) => s.op === 'mount' && s.source === '/sys' && s.fstype === '' && s.flags & 0x1000 /* MS_BIND */));
  assert.ok(sys.some((s) => s.op === 'setattr' && s.recursive && s.set & MOUNT_ATTR_RDONLY));
  assert.ok(!steps.some((s) => s.op === 'mount' && s.fstype === 'sysfs'));
  // With a network namespace of its own, a real sysfs.
  const own = plan((s) => (sysfs(s), s.linux!.namespaces!.push({ type: 'network' })), true);
  assert.ok(own.some((s) => s.op === 'mount' && s.fstype === 'sysfs' && s.target === '/sys'));
});

test('a new user namespace mapping root: the init becomes its root before anything else', () => {
  const steps = plan(() => undefined, true);
  // Right after the header (read before "go", it does nothing).
  assert.deepEqual(steps.slice(0, 3), [createPlanHeader(), { op: 'setresgid', gid: 0 }, { op: 'setresuid', uid: 0 }]);
  const noUserns = plan(() => undefined, false);
  assert.notEqual(noUserns[0].op, 'setresgid');
});

test('"tmpcopyup" on a tmpfs becomes one tmpfs-copyup step; on anything else a config error', () => {
  const steps = plan((s) => s.mounts!.push({ destination: '/var/cache', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup', 'nosuid', 'size=1m'] }), false);
  assert.deepEqual(
    steps.filter((s) => s.op === 'tmpfs-copyup'),
    [{ op: 'tmpfs-copyup', target: '/var/cache', flags: 0x2 /* MS_NOSUID */, data: 'size=1m', inheritMode: true }],
  );
  assert.ok(!steps.some((s) => s.op === 'mount' && s.target === '/var/cache'));
  assert.throws(
    () => plan((s) => s.mounts!.push({ destination: '/x', type: 'bind', source: '/tmp', options: ['rbind', 'tmpcopyup'] }), false),
    (e: unknown) => e instanceof InvalidConfigError && /tmpcopyup/.test(e.message),
  );
});

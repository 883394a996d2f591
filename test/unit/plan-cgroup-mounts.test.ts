// A mount of type "cgroup" (plan/cgroup-mounts.ts), without root: the
// container's own cgroups, never the host's hierarchy; fresh mounts after
// the cgroup namespace is made; read-only unless "rw" is asked for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSpec, validateConfig } from '../../lib/config';
import type { Spec } from '../../lib/config/types';
import * as C from '../../lib/native/constants';
import { compilePlan } from '../../lib/plan/compile';
import { cgroupView } from '../../lib/plan/cgroup-view';
import { layoutFromMountinfo } from '../../lib/cgroups/layout';
import { resolveCgroupTarget } from '../../lib/cgroups/path';
import { parseProcCgroup } from '../../lib/cgroups/layout';
import { MOUNT_ATTR_NODEV, MOUNT_ATTR_NOEXEC, MOUNT_ATTR_NOSUID, MOUNT_ATTR_RDONLY } from '../../lib/plan/mount-options';
import type { Step } from '../../lib/plan/steps';
import { fakeFacts } from '../helpers/facts';

const HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/net_cls,net_prio rw,relatime - cgroup cgroup rw,net_cls,net_prio
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
`;
const OWN = parseProcCgroup('5:name=systemd:/system.slice/x\n4:memory:/\n2:cpu,cpuacct:/\n3:net_cls,net_prio:/\n0::/system.slice/x\n');
/** The view of container "c1" (cgroupsPath "/c1") on the hybrid host above. */
const VIEW = cgroupView(layoutFromMountinfo(HYBRID), resolveCgroupTarget('/c1', 'c1', layoutFromMountinfo(HYBRID), OWN));
const SAFE = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;

function spec(edit: (s: Spec) => void = () => undefined, cgroupNamespace = false): ReturnType<typeof validateConfig> {
  const s = defaultSpec({ rootless: false, cgroupNamespace });
  s.process!.terminal = false;
  edit(s);
  return validateConfig(s);
}

/** The steps of the cgroup mount (from its mkdir at /sys/fs/cgroup to the last step on a path below it). */
function cgroupSteps(steps: Step[]): Step[] {
  const first = steps.findIndex((s) => s.op === 'mkdir' && s.path === '/sys/fs/cgroup');
  let last = first;
  steps.forEach((s, i) => {
    const target = 'target' in s && typeof s.target === 'string' ? s.target : 'path' in s ? s.path : '';
    if (i > first && (s.op === 'mount' || s.op === 'setattr' || s.op === 'mkdir' || s.op === 'symlink') && target.startsWith('/sys/fs/cgroup')) last = i;
  });
  return steps.slice(first, last + 1);
}

test('the view: one entry per hierarchy, by its mount point\'s name, with the container\'s directory; systemd\'s named one included', () => {
  assert.deepEqual(VIEW, {
    hierarchies: [
      { name: 'cpu,cpuacct', options: 'cpu,cpuacct', directory: '/sys/fs/cgroup/cpu,cpuacct/c1' },
      { name: 'memory', options: 'memory', directory: '/sys/fs/cgroup/memory/c1' },
      { name: 'net_cls,net_prio', options: 'net_cls,net_prio', directory: '/sys/fs/cgroup/net_cls,net_prio/c1' },
      { name: 'systemd', options: 'name=systemd', directory: '/sys/fs/cgroup/systemd/c1' },
    ],
    unified: '/sys/fs/cgroup/unified/c1',
  });
});

test('v1 without a cgroup namespace: a tmpfs, the container\'s directory of each hierarchy bound read-only, runc\'s links, then the tmpfs read-only', () => {
  const steps = cgroupSteps(compilePlan(spec(), { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts({ cgroupView: VIEW })).steps);
  const bind = (name: string, source: string): Step[] => [
    { op: 'mkdir', path: `/sys/fs/cgroup/${name}`, mode: 0o755 },
    { op: 'mount', source, target: `/sys/fs/cgroup/${name}`, fstype: '', flags: C.MS_BIND | C.MS_REC, data: '', inContainer: true, filesystem: 'other', inheritMode: false },
    // The default config's options (nosuid, noexec, nodev, relatime, ro) with the safe ones.
    { op: 'setattr', target: `/sys/fs/cgroup/${name}`, set: SAFE | MOUNT_ATTR_RDONLY, clear: 0x70, propagation: 0, recursive: false },
  ];
  assert.deepEqual(steps, [
    { op: 'mkdir', path: '/sys/fs/cgroup', mode: 0o755 },
    { op: 'mount', source: 'tmpfs', target: '/sys/fs/cgroup', fstype: 'tmpfs', flags: C.MS_NOSUID | C.MS_NODEV | C.MS_NOEXEC | C.MS_RELATIME, data: 'mode=755', inContainer: true, filesystem: 'other', inheritMode: false },
    ...bind('cpu,cpuacct', '/sys/fs/cgroup/cpu,cpuacct/c1'),
    ...bind('memory', '/sys/fs/cgroup/memory/c1'),
    ...bind('net_cls,net_prio', '/sys/fs/cgroup/net_cls,net_prio/c1'),
    ...bind('systemd', '/sys/fs/cgroup/systemd/c1'),
    { op: 'symlink', target: 'cpu,cpuacct', path: '/sys/fs/cgroup/cpu', replace: false },
    { op: 'symlink', target: 'cpu,cpuacct', path: '/sys/fs/cgroup/cpuacct', replace: false },
    { op: 'symlink', target: 'net_cls,net_prio', path: '/sys/fs/cgroup/net_cls', replace: false },
    { op: 'symlink', target: 'net_cls,net_prio', path: '/sys/fs/cgroup/net_prio', replace: false },
    { op: 'setattr', target: '/sys/fs/cgroup', set: MOUNT_ATTR_RDONLY, clear: 0, propagation: 0, recursive: false },
  ]);
  // No unified hierarchy without limits there, and nothing of the host's tree as such.
  assert.ok(!steps.some((s) => s.op === 'mkdir' && s.path.endsWith('/unified')));
  assert.ok(!steps.some((s) => s.op === 'mount' && (s.source === '/sys/fs/cgroup' || s.source === '/sys/fs/cgroup/memory')));
});

test('v1 with a cgroup namespace: each hierarchy mounted afresh after the init made the namespace (its root is the container\'s cgroup)', () => {
  const plan = compilePlan(spec(undefined, true), { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts({ cgroupView: VIEW }));
  const steps = cgroupSteps(plan.steps);
  const fresh = steps.filter((s): s is Extract<Step, { op: 'mount' }> => s.op === 'mount' && s.fstype === 'cgroup');
  assert.deepEqual(
    fresh.map((s) => [s.target, s.data]),
    [
      ['/sys/fs/cgroup/cpu,cpuacct', 'cpu,cpuacct'],
      ['/sys/fs/cgroup/memory', 'memory'],
      ['/sys/fs/cgroup/net_cls,net_prio', 'net_cls,net_prio'],
      ['/sys/fs/cgroup/systemd', 'name=systemd'],
    ],
  );
  for (const s of fresh) assert.equal(s.flags, C.MS_NOSUID | C.MS_NODEV | C.MS_NOEXEC | C.MS_RELATIME | C.MS_RDONLY);
  assert.ok(!steps.some((s) => s.op === 'mount' && (s.flags & C.MS_BIND) !== 0), 'nothing bound from outside the namespace');
  const unshare = plan.steps.findIndex((s) => s.op === 'unshare' && s.flags === C.CLONE_NEWCGROUP);
  assert.ok(unshare >= 0 && unshare < plan.steps.indexOf(fresh[0]), 'the namespace is made before the first cgroup mount');
});

test('"rw" asked for: the container\'s cgroups writable (and the tmpfs), still nosuid, nodev, noexec', () => {
  const rw = spec((s) => (s.mounts!.find((m) => m.type === 'cgroup')!.options = ['nosuid', 'ro', 'rw']));
  const steps = cgroupSteps(compilePlan(rw, { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts({ cgroupView: VIEW })).steps);
  const attrs = steps.filter((s): s is Extract<Step, { op: 'setattr' }> => s.op === 'setattr');
  assert.equal(attrs.length, 4, 'one per bind, none read-only for the tmpfs');
  for (const a of attrs) {
    assert.equal(a.set, SAFE);
    assert.equal(a.clear, MOUNT_ATTR_RDONLY);
  }
  // Neither "ro" nor "rw": read-only (runc would make it writable).
  const neither = spec((s) => (s.mounts!.find((m) => m.type === 'cgroup')!.options = []));
  const ro = cgroupSteps(compilePlan(neither, { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts({ cgroupView: VIEW })).steps);
  assert.ok(ro.filter((s) => s.op === 'setattr').every((s) => s.op === 'setattr' && (s.set & MOUNT_ATTR_RDONLY) !== 0));
  assert.ok(ro.some((s) => s.op === 'setattr' && s.target === '/sys/fs/cgroup'));
});

test('a hybrid host: the unified hierarchy only when linux.resources.unified put limits there', () => {
  const withUnified = spec((s) => (s.linux!.resources = { ...s.linux!.resources, unified: { 'memory.high': '64M' } }));
  const bound = cgroupSteps(compilePlan(withUnified, { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts({ cgroupView: VIEW })).steps);
  assert.ok(bound.some((s) => s.op === 'mount' && s.source === '/sys/fs/cgroup/unified/c1' && s.target === '/sys/fs/cgroup/unified' && (s.flags & C.MS_BIND) !== 0));
  const nsUnified = spec((s) => {
    s.linux!.resources = { ...s.linux!.resources, unified: { 'memory.high': '64M' } };
    s.linux!.namespaces!.push({ type: 'cgroup' });
  });
  const fresh = cgroupSteps(compilePlan(nsUnified, { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts({ cgroupView: VIEW })).steps);
  assert.ok(fresh.some((s) => s.op === 'mount' && s.fstype === 'cgroup2' && s.target === '/sys/fs/cgroup/unified'));
});

test('a pure cgroup2 host: a fresh cgroup2 mount in a cgroup namespace, else the container\'s own cgroup bound', () => {
  const v2View = cgroupView(layoutFromMountinfo('30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n'), { v1: {}, unified: '/sys/fs/cgroup/machine/c1' });
  assert.deepEqual(v2View, { hierarchies: [], unified: '/sys/fs/cgroup/machine/c1' });
  const facts = fakeFacts({ cgroup2: true, cgroupView: v2View });
  const ns = cgroupSteps(compilePlan(spec(undefined, true), { bundle: '/b', rootfs: '/b/rootfs' }, facts).steps);
  assert.deepEqual(ns, [
    { op: 'mkdir', path: '/sys/fs/cgroup', mode: 0o755 },
    { op: 'mount', source: 'cgroup2', target: '/sys/fs/cgroup', fstype: 'cgroup2', flags: C.MS_NOSUID | C.MS_NODEV | C.MS_NOEXEC | C.MS_RELATIME | C.MS_RDONLY, data: '', inContainer: true, filesystem: 'other', inheritMode: false },
  ]);
  const bound = cgroupSteps(compilePlan(spec(), { bundle: '/b', rootfs: '/b/rootfs' }, facts).steps);
  assert.deepEqual(bound, [
    { op: 'mkdir', path: '/sys/fs/cgroup', mode: 0o755 },
    { op: 'mount', source: '/sys/fs/cgroup/machine/c1', target: '/sys/fs/cgroup', fstype: '', flags: C.MS_BIND | C.MS_REC, data: '', inContainer: true, filesystem: 'other', inheritMode: false },
    { op: 'setattr', target: '/sys/fs/cgroup', set: SAFE | MOUNT_ATTR_RDONLY, clear: 0x70, propagation: 0, recursive: false },
  ]);
});

test('no cgroup of the container known (hand-made facts): an empty read-only tmpfs, never the host\'s hierarchy', () => {
  for (const cgroup2 of [false, true]) {
    const steps = cgroupSteps(compilePlan(spec(), { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts({ cgroup2 })).steps);
    assert.deepEqual(
      steps.map((s) => s.op),
      ['mkdir', 'mount', 'setattr'],
    );
    assert.ok(steps[1].op === 'mount' && steps[1].fstype === 'tmpfs');
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listJson, listTable } from '../../lib/cli/commands/list';
import { features } from '../../lib/cli/features';
import type { ContainerState } from '../../lib/state/status';
import { toOciState } from '../../lib/state/status';
import type { StoredState } from '../../lib/state/store';
import { formatTable } from '../../lib/cli/table';
import { CAPABILITIES } from '../../lib/native/constants';
import { MOUNT_OPTION_NAMES, parseMountOptions } from '../../lib/plan/mount-options';

const STATE: ContainerState = {
  ociVersion: '1.3.0',
  id: 'hello',
  pid: 4242,
  status: 'created',
  bundle: '/var/lib/bundles/hello',
  rootfs: '/var/lib/bundles/hello/rootfs',
  created: '2024-05-01T10:00:00.123456789Z',
  owner: 'root',
};

test('list table: runc\'s header for an empty list (tabwriter minwidth 12)', () => {
  assert.equal(listTable([]), 'ID          PID         STATUS      BUNDLE      CREATED     OWNER\n');
});

test('list table: columns widen to the widest cell plus 3; the last column is not padded', () => {
  const other: ContainerState = { ...STATE, id: 'a-much-longer-container-id', pid: 0, status: 'stopped' };
  const lines = listTable([STATE, other]).split('\n');
  assert.equal(lines.length, 4);
  const idWidth = 'a-much-longer-container-id'.length + 3;
  const bundleWidth = STATE.bundle.length + 3;
  const createdWidth = STATE.created.length + 3;
  assert.equal(
    lines[0],
    'ID'.padEnd(idWidth) + 'PID'.padEnd(12) + 'STATUS'.padEnd(12) + 'BUNDLE'.padEnd(bundleWidth) + 'CREATED'.padEnd(createdWidth) + 'OWNER',
  );
  assert.equal(
    lines[1],
    'hello'.padEnd(idWidth) + '4242'.padEnd(12) + 'created'.padEnd(12) + STATE.bundle.padEnd(bundleWidth) + STATE.created.padEnd(createdWidth) + 'root',
  );
  assert.equal(lines[3], '');
});

test('formatTable counts characters, not bytes', () => {
  assert.equal(formatTable([['é', 'x']], { minWidth: 0, padding: 1 }), 'é x\n');
});

test('list json: null for no containers, else one line with runc\'s fields', () => {
  assert.equal(listJson([]), 'null\n');
  const text = listJson([STATE]);
  assert.equal(text.split('\n').length, 2);
  assert.deepEqual(JSON.parse(text), [STATE]);
});

test('state JSON: runc\'s key order, annotations only when present, pid 0 once stopped', () => {
  const stored: StoredState = {
    ociVersion: '1.3.0',
    id: 'x',
    pid: 999999999, // no such process: the container is stopped
    initStartTime: 1,
    bundle: '/b',
    rootfs: '/b/rootfs',
    created: 'c',
    owner: 'root',
    annotations: { a: 'b' },
    ownPidNamespace: true,
    rootless: false,
  };
  const state = toOciState('/nonexistent-root', 'x', stored);
  assert.deepEqual(Object.keys(state), ['ociVersion', 'id', 'pid', 'status', 'bundle', 'rootfs', 'created', 'annotations', 'owner']);
  assert.equal(state.status, 'stopped');
  assert.equal(state.pid, 0);
  const bare = toOciState('/nonexistent-root', 'x', { ...stored, annotations: {} });
  assert.equal('annotations' in bare, false);
});

test('features: versions, hooks, namespaces, capabilities, unimplemented features disabled', () => {
  const f = features();
  assert.equal(f.ociVersionMin, '1.0.0');
  assert.equal(f.ociVersionMax, '1.3.0');
  assert.deepEqual(f.hooks, ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']);
  assert.deepEqual(f.linux.namespaces, ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts']);
  assert.equal(f.linux.capabilities.length, Object.keys(CAPABILITIES).length);
  assert.equal(f.linux.capabilities[0], 'CAP_CHOWN');
  assert.equal(f.linux.capabilities.at(-1), 'CAP_CHECKPOINT_RESTORE');
  // Seccomp is reported from the machine (test/unit/seccomp-features.test.ts).
  // The runtime's implementation, not the host's modules (features-linux.md), as runc reports them.
  assert.equal(f.linux.apparmor.enabled, true);
  assert.equal(f.linux.selinux.enabled, true);
  assert.equal(f.linux.intelRdt.enabled, false);
  assert.deepEqual(f.linux.cgroup, { v1: true, v2: true, systemd: true, systemdUser: false, rdma: true });
  assert.deepEqual(Object.keys(f.annotations).sort(), ['io.github.seccomp.libseccomp.version', 'io.kapsel.cgroups.manager', 'io.kapsel.cgroups.rootless']);
  // The text round-trips (no undefined, no bigint).
  assert.deepEqual(JSON.parse(JSON.stringify(f)), f);
});

test('features: mount options are exactly those the parser gives a meaning, sorted', () => {
  const options = features().mountOptions;
  assert.deepEqual(options, [...MOUNT_OPTION_NAMES]);
  assert.deepEqual(options, [...options].sort());
  for (const name of ['bind', 'rbind', 'ro', 'rw', 'nosuid', 'rro', 'rprivate', 'shared', 'strictatime', 'nosymfollow', 'tmpcopyup']) {
    assert.ok(options.includes(name), name);
  }
  for (const name of options) assert.equal(parseMountOptions([name]).data, '', name);
  // Filesystem data, not options kapsel interprets.
  assert.equal(options.includes('defaults'), false);
  assert.equal(options.includes('size=1m'), false);
});

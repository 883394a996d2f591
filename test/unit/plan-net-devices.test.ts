// linux.netDevices: validation of names and of the namespace to move into,
// and the moves the plan asks of the runtime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSpec } from '../../lib/config/default-spec';
import { interfaceNameProblem } from '../../lib/config/net-devices';
import type { Spec } from '../../lib/config/types';
import { validateConfig } from '../../lib/config/validate';
import { InvalidConfigError, NotSupportedError } from '../../lib/errors';
import { compilePlan } from '../../lib/plan/compile';
import { fakeFacts } from '../helpers/facts';

function spec(edit: (s: Spec) => void): Spec {
  const s = defaultSpec({ rootless: false });
  edit(s);
  return s;
}

test('interface names as the kernel takes them', () => {
  for (const ok of ['eth0', 'veth%d', 'a', 'x'.repeat(15)]) assert.equal(interfaceNameProblem(ok), undefined, ok);
  for (const bad of ['', '.', '..', 'x'.repeat(16), 'a/b', 'a:1', 'a b']) assert.ok(interfaceNameProblem(bad), bad);
});

test('rules name the field', () => {
  const rejects = (edit: (s: Spec) => void, path: string): void => {
    assert.throws(() => validateConfig(spec(edit)), (err: unknown) => err instanceof InvalidConfigError && err.jsonPath === path);
  };
  rejects((s) => ((s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'network')), (s.linux!.netDevices = { eth0: {} })), '/linux/netDevices');
  rejects((s) => (s.linux!.netDevices = { 'bad/name': {} }), '/linux/netDevices/bad~1name');
  rejects((s) => (s.linux!.netDevices = { eth0: { name: 'x'.repeat(16) } }), '/linux/netDevices/eth0/name');
  rejects((s) => (s.linux!.netDevices = { eth0: { name: 'net0' }, eth1: { name: 'net0' } }), '/linux/netDevices/eth1/name');
  validateConfig(spec((s) => (s.linux!.netDevices = { eth0: { name: 'net%d' }, eth1: { name: 'net%d' } })));
});

test('the plan lists the moves (under temporary names) and the init\'s steps that name, address and bring them up', () => {
  const s = validateConfig(spec((x) => (x.linux!.netDevices = { eth0: { name: 'net0' }, eth1: {} })));
  const addresses = { eth0: ['10.0.0.2/24', 'fd00::2/64', '10.9.0.1/32 peer 10.9.0.2'] };
  const plan = compilePlan(s, { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts({ netDeviceAddresses: addresses }));
  assert.deepEqual(plan.netDevices, [
    { hostName: 'eth0', moveAs: 'kapsel-nd0', name: 'net0', addresses: addresses.eth0 },
    { hostName: 'eth1', moveAs: 'kapsel-nd1', name: 'eth1', addresses: [] },
  ]);
  const netdev = plan.steps.filter((x) => x.op === 'netdev');
  assert.deepEqual(netdev, [
    { op: 'netdev', what: '/linux/netDevices/eth0', from: 'kapsel-nd0', to: 'net0', addresses: addresses.eth0 },
    { op: 'netdev', what: '/linux/netDevices/eth1', from: 'kapsel-nd1', to: 'eth1', addresses: [] },
  ]);
});

test('the netdev steps come right after lo is up: before the hooks, the sysctls and the process', () => {
  const s = validateConfig(
    spec((x) => {
      x.linux!.netDevices = { eth0: { name: 'net0' } };
      x.linux!.sysctl = { 'net.ipv4.conf.net0.forwarding': '1' };
      x.hooks = { createRuntime: [{ path: '/bin/true' }], createContainer: [{ path: '/bin/true' }] };
    }),
  );
  const ops = compilePlan(s, { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts()).steps.map((x) => x.op);
  const at = ops.indexOf('netdev');
  assert.equal(ops[at - 1], 'loopback-up');
  for (const later of ['sync', 'hook', 'sysctl', 'wait-start', 'exec'] as const) assert.ok(ops.indexOf(later) > at, later);
});

test('a rootless runtime is refused', () => {
  const s = validateConfig(spec((x) => (x.linux!.netDevices = { eth0: { name: 'net0' }, eth1: {} })));
  assert.equal(compilePlan(validateConfig(spec(() => {})), { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts()).netDevices, undefined);
  assert.throws(() => compilePlan(s, { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts({ unprivileged: true })), (err: unknown) => err instanceof NotSupportedError && /\/linux\/netDevices/.test(err.message));
});

test('issue 16 hole 7: devices moved into a network namespace joined at the runtime\'s own path are refused at plan time', () => {
  const s = validateConfig(
    spec((x) => {
      x.linux!.namespaces = [...x.linux!.namespaces!.filter((n) => n.type !== 'network'), { type: 'network', path: '/proc/self/ns/net' }];
      x.linux!.netDevices = { eth0: {} };
    }),
  );
  assert.throws(
    () => compilePlan(s, { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts({ joinedRuntimeNamespaces: ['network'] })),
    (err: unknown) => err instanceof InvalidConfigError && err.jsonPath === '/linux/netDevices' && /joined at \/proc\/self\/ns\/net is the host's/.test(err.message),
  );
  // Another namespace joined by path: the moves stand (the runtime checks the namespace again when it moves).
  assert.deepEqual(compilePlan(s, { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts()).netDevices, [{ hostName: 'eth0', moveAs: 'kapsel-nd0', name: 'eth0', addresses: [] }]);
});

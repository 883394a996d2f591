// A namespace joined by path that gets written into (a sysctl of the
// network or ipc namespace, the hostname of the uts one) is checked again
// by the init on arrival (check-ns), before the first write: the plan
// compared the path when it was made, and a /proc/PID path may name
// another process, maybe on the host, by the time the init joins it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSpec, validateConfig } from '../../lib/config';
import type { Spec } from '../../lib/config/types';
import { InvalidConfigError } from '../../lib/errors';
import { compilePlan } from '../../lib/plan/compile';
import type { Step } from '../../lib/plan/steps';
import { fakeFacts, type FakeFacts } from '../helpers/facts';

function plan(edit: (s: Spec) => void, facts: FakeFacts = {}) {
  const s = defaultSpec({ rootless: false });
  s.process!.terminal = false;
  edit(s);
  return compilePlan(validateConfig(s), { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts(facts));
}

function join(s: Spec, type: 'network' | 'ipc' | 'uts', path: string): void {
  const ns = s.linux!.namespaces!.find((n) => n.type === type);
  if (ns) ns.path = path;
  else s.linux!.namespaces!.push({ type, path });
}

const ops = (steps: Step[]) => steps.map((s) => s.op);

test('sysctls in a network namespace joined by path: one check of ns/net before the first, with the host\'s ids', () => {
  const p = plan((s) => {
    join(s, 'network', '/proc/4242/ns/net');
    s.linux!.sysctl = { 'net.ipv4.ping_group_range': '0 0', 'net.ipv4.ip_forward': '1' };
  });
  const checks = p.steps.filter((s) => s.op === 'check-ns');
  assert.deepEqual(checks, [{ op: 'check-ns', ns: 'net', forbiddenDevs: [4], forbiddenInodes: [4026531992] }]);
  const o = ops(p.steps);
  assert.equal(o.indexOf('check-ns'), o.indexOf('sysctl') - 1);
});

test('an ipc sysctl in a joined ipc namespace is checked on ns/ipc; sysctls in namespaces of the container\'s own need no check', () => {
  const ipc = plan((s) => {
    join(s, 'ipc', '/run/ipcns/pod');
    s.linux!.sysctl = { 'kernel.msgmax': '8192' };
  });
  assert.deepEqual(ipc.steps.filter((s) => s.op === 'check-ns').map((s) => (s as { ns: string }).ns), ['ipc']);
  const own = plan((s) => {
    s.linux!.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.msgmax': '8192' };
  });
  assert.ok(!ops(own.steps).includes('check-ns'));
});

test('a hostname in a uts namespace joined by path is checked on ns/uts first; in the runtime\'s own it is refused, naming the field', () => {
  const joined = plan((s) => {
    join(s, 'uts', '/proc/4242/ns/uts');
    s.hostname = 'pod';
  });
  const o = ops(joined.steps);
  assert.deepEqual(joined.steps.find((s) => s.op === 'check-ns'), { op: 'check-ns', ns: 'uts', forbiddenDevs: [4], forbiddenInodes: [4026531838] });
  assert.equal(o.indexOf('check-ns'), o.indexOf('hostname') - 1);
  assert.throws(
    () => plan((s) => {
      join(s, 'uts', '/proc/1/ns/uts');
      delete s.hostname;
      s.domainname = 'example.org';
    }, { joinedRuntimeNamespaces: ['uts'] }),
    (err: unknown) => err instanceof InvalidConfigError && /\/domainname/.test(err.message) && /runtime's own/.test(err.message),
  );
  // A joined uts namespace without a name to set: nothing to check.
  const nameless = plan((s) => {
    join(s, 'uts', '/proc/4242/ns/uts');
    delete s.hostname;
  });
  assert.ok(!ops(nameless.steps).includes('check-ns'));
});

// The systemd cgroup driver's pure part (lib/cgroups/systemd.ts): runc's
// "slice:prefix:name" format and defaults, slice paths, and the unit
// properties sent for a config's resources on v1 and v2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuListBytes, expandSlice, resourceProperties, scopeStartProperties, systemdScope } from '../../lib/cgroups/systemd';
import { deviceRules } from '../../lib/cgroups/devices';

test('slice:prefix:name -> prefix-name.scope in the slice, with runc\'s defaults', () => {
  assert.deepEqual(systemdScope('machine.slice:libpod:abc', 'id', false), { unit: 'libpod-abc.scope', slice: 'machine.slice', bus: 'system', cgroupPath: '/machine.slice/libpod-abc.scope' });
  assert.equal(systemdScope(':cri-containerd:abc', 'id', false).slice, 'system.slice');
  assert.equal(systemdScope('::abc', 'id', false).unit, 'abc.scope');
  assert.deepEqual(systemdScope(undefined, 'c1', false), { unit: 'kapsel-c1.scope', slice: 'system.slice', bus: 'system', cgroupPath: '/system.slice/kapsel-c1.scope' });
  assert.deepEqual(systemdScope(undefined, 'c1', true), { unit: 'kapsel-c1.scope', slice: 'user.slice', bus: 'user', cgroupPath: '/user.slice/kapsel-c1.scope' });
  assert.equal(systemdScope('kubepods-besteffort-pod1.slice:cri:x', 'x', false).cgroupPath, '/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/cri-x.scope');
  assert.equal(systemdScope('-.slice:p:x', 'x', false).cgroupPath, '/p-x.scope');
});

test('bad systemd cgroupsPaths are config errors naming /linux/cgroupsPath', () => {
  for (const bad of ['/a/b', 'a:b', 'a:b:c:d', 'nos:p:x', 'a--b.slice:p:x', '-a.slice:p:x', 'system.slice:p:', 'system.slice:p:x.slice', 'system.slice:p:a/b', 'system.slice:p:a b']) {
    assert.throws(() => systemdScope(bad, 'id', false), { code: 'ERR_INVALID_CONFIG', jsonPath: '/linux/cgroupsPath' }, bad);
  }
  assert.throws(() => systemdScope('a:b', 'id', false), /expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "a:b" instead/);
  assert.equal(expandSlice('a-b-c.slice'), '/a.slice/a-b.slice/a-b-c.slice');
});

test('cpu lists become systemd\'s bitmask bytes', () => {
  assert.deepEqual(cpuListBytes('0', 'f'), [1]);
  assert.deepEqual(cpuListBytes('0-2,9', 'f'), [7, 2]);
  assert.throws(() => cpuListBytes('3-1', '/linux/resources/cpu/cpus'), { code: 'ERR_INVALID_CONFIG', jsonPath: '/linux/resources/cpu/cpus' });
});

test('resources -> the unit properties systemd knows, per cgroup version', () => {
  const resources = { memory: { limit: 64 << 20 }, cpu: { shares: 512, quota: 50_000, period: 100_000, cpus: '0' }, pids: { limit: 20 }, blockIO: { weight: 500 } };
  const v1 = Object.fromEntries(resourceProperties(resources, 1, undefined).map((p) => [p.name, p.value]));
  assert.deepEqual(v1, { MemoryLimit: String(64 << 20), CPUShares: '512', CPUQuotaPerSecUSec: '500000', TasksMax: '20', BlockIOWeight: '500', AllowedCPUs: [1] });
  const v2 = Object.fromEntries(resourceProperties(resources, 2, undefined).map((p) => [p.name, p.value]));
  assert.deepEqual(v2, { MemoryMax: String(64 << 20), CPUWeight: '20', CPUQuotaPerSecUSec: '500000', TasksMax: '20', IOWeight: '4950', AllowedCPUs: [1] });
  // Rounded up to 10 ms, unlimited as UINT64_MAX.
  assert.equal(resourceProperties({ cpu: { quota: 12_345, period: 100_000 } }, 2, undefined)[0]!.value, '130000');
  assert.equal(resourceProperties({ memory: { limit: -1 }, pids: { limit: -1 } }, 2, undefined).map((p) => p.value).join(), '18446744073709551615,18446744073709551615');
  // 0 is "not set": nothing is sent.
  assert.deepEqual(resourceProperties({ memory: { limit: 0 }, pids: { limit: 0 }, cpu: { shares: 0, quota: 0 } }, 1, undefined), []);
});

test('device rules: deny-all then allows become DevicePolicy=strict and DeviceAllow; others are left to cgroupfs with a warning', () => {
  const rules = deviceRules([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, { allow: true, type: 'c', major: 136, access: 'rw' }, { allow: true, type: 'c', major: 10, access: 'rw' }], []);
  const warnings: string[] = [];
  const props = resourceProperties({}, 2, rules, (m) => warnings.push(m));
  const allow = props.find((p) => p.name === 'DeviceAllow')!.value as Array<[string, string]>;
  assert.deepEqual(props.find((p) => p.name === 'DevicePolicy')!.value, 'strict');
  assert.ok(allow.some(([d, a]) => d === '/dev/char/1:3' && a === 'rwm'));
  assert.ok(allow.some(([d, a]) => d === 'char-pts' && a === 'rw'));
  assert.match(warnings.join('\n'), /char 10:\*/);
  const mixed: string[] = [];
  assert.deepEqual(resourceProperties({}, 1, deviceRules([{ allow: true, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'rwm' }], []), (m) => mixed.push(m)), []);
  assert.equal(mixed.length, 1);
});

test('the start properties hold the init, Delegate and the slice', () => {
  const props = scopeStartProperties({ unit: 'kapsel-x.scope', slice: 'system.slice', bus: 'system' }, 'x', 1234, []);
  const byName = Object.fromEntries(props.map((p) => [p.name, p.value]));
  assert.deepEqual(byName.PIDs, [1234]);
  assert.equal(byName.Delegate, true);
  assert.equal(byName.Slice, 'system.slice');
  assert.equal(byName.DefaultDependencies, false);
});

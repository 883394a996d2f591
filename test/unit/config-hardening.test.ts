// Issue 8, holes 9 and 10 and the id/sysctl items: config values that would
// reach a syscall wrongly are config errors naming the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidConfigError, InvalidIdError } from '../../lib/errors';
import { defaultSpec } from '../../lib/config/default-spec';
import { validateConfig, validateProcess } from '../../lib/config/validate';
import { sysctlSteps } from '../../lib/plan/kernel-settings';
import { MAX_ID_LENGTH, validateId } from '../../lib/state/id';
import { encodeRecord, flattenFields } from '../../lib/plan/record';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function base(): Json {
  return structuredClone(defaultSpec({ rootless: false, cgroupNamespace: false }));
}

function rejects(spec: Json, jsonPath: string, problem: RegExp): void {
  assert.throws(
    () => validateConfig(spec),
    (err: unknown) => {
      assert.ok(err instanceof InvalidConfigError, String(err));
      assert.equal(err.jsonPath, jsonPath);
      assert.match(err.problem, problem);
      return true;
    },
  );
}

test('ids above 2^31-1 (4294967295 is -1, "no change", to setresuid) are refused, naming the field', () => {
  const cases: Array<[(s: Json) => void, string]> = [
    [(s) => (s.process.user.uid = 4294967295), '/process/user/uid'],
    [(s) => (s.process.user.gid = 4294967295), '/process/user/gid'],
    [(s) => (s.process.user.uid = 2147483648), '/process/user/uid'],
    [(s) => (s.process.user.additionalGids = [5, 4294967295]), '/process/user/additionalGids/1'],
    [(s) => (s.linux.devices = [{ type: 'c', path: '/dev/x', major: 1, minor: 3, uid: 4294967295 }]), '/linux/devices/0/uid'],
  ];
  for (const [mutate, where] of cases) {
    const s = base();
    mutate(s);
    rejects(s, where, /between 0 and 2147483647/);
  }
  const s = base();
  s.process.user = { uid: 2147483647, gid: 2147483647, additionalGids: [0, 2147483647] };
  validateConfig(s);
});

test('a NUL byte in any string that reaches a syscall is a config error naming its JSON path', () => {
  const cases: Array<[(s: Json) => void, string]> = [
    [(s) => (s.mounts[0].destination = '/etc\u0000/x'), '/mounts/0/destination'],
    [(s) => (s.process.args = ['sh', 'a\u0000b']), '/process/args/1'],
    [(s) => (s.process.cwd = '/tmp\u0000/../etc'), '/process/cwd'],
    [(s) => (s.process.env = ['A=1\u0000B=2']), '/process/env/0'],
    [(s) => (s.root.path = 'rootfs\u0000x'), '/root/path'],
    [(s) => (s.hostname = 'a\u0000'), '/hostname'],
    [(s) => (s.hooks = { poststop: [{ path: '/bin/true', args: ['x\u0000'] }] }), '/hooks/poststop/0/args/0'],
    [(s) => (s.linux.sysctl = { 'net.ipv4.ip_forward': '1\u00000' }), '/linux/sysctl/net.ipv4.ip_forward'],
    [(s) => (s.linux.maskedPaths = ['/proc/kcore\u0000']), '/linux/maskedPaths/0'],
  ];
  for (const [mutate, where] of cases) {
    const s = base();
    mutate(s);
    rejects(s, where, /NUL byte/);
  }
});

test('a NUL in a map key that reaches the kernel is refused; annotations and unknown fields are not looked at', () => {
  const s = base();
  s.linux.sysctl = { 'net.ipv4\u0000.x': '1' };
  rejects(s, '/linux/sysctl/net.ipv4\u0000.x', /key must not contain a NUL byte/);
  const ok = base();
  ok.annotations = { 'free\u0000text': 'also\u0000here' };
  ok.futureField = 'x\u0000y';
  validateConfig(ok);
});

test('exec --process documents are checked for NUL bytes too', () => {
  assert.throws(
    () => validateProcess({ cwd: '/', args: ['sh', '-c', 'a\u0000'] }),
    (err: unknown) => err instanceof InvalidConfigError && err.jsonPath === '/args/2',
  );
});

test('the plan encoder refuses a NUL in a string field (defence in depth)', () => {
  assert.throws(() => encodeRecord(flattenFields(['mount', '/etc\u0000/x'])), /may not hold a NUL/);
});

test('ids of 256 characters or more are refused by id validation (NAME_MAX)', () => {
  assert.equal(MAX_ID_LENGTH, 255);
  assert.equal(validateId('x'.repeat(255)), 'x'.repeat(255));
  assert.throws(() => validateId('x'.repeat(256)), (e: unknown) => e instanceof InvalidIdError && /longer than 255/.test(e.message));
});

test('linux.sysctl accepts runc\'s slash form and plans it as the dotted name', () => {
  const s = base();
  s.linux.sysctl = { 'net/ipv4/ip_forward': '1' };
  const spec = validateConfig(s);
  assert.deepEqual(sysctlSteps(spec, { joinedRuntimeNamespaces: new Set() }), [{ op: 'sysctl', key: 'net.ipv4.ip_forward', value: '1' }]);
  const bad = base();
  bad.linux.sysctl = { 'kernel/panic': '1' };
  rejects(bad, '/linux/sysctl/kernel~1panic', /not namespaced/);
});

// validateConfig's collecting mode (`kapsel validate`): every error with
// its JSON path, in one pass with the throwing mode create uses; warnings
// for keys spelt in another case and deprecated forms; the host's and the
// rootfs's checks, and what was skipped without a rootfs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultSpec } from '../../lib/config/default-spec';
import { validateConfig as validateDocument } from '../../lib/config/validate';
import { validateConfig } from '../../lib/container/validate';
import { Container } from '../../lib/container/container';
import { InvalidConfigError } from '../../lib/errors';
import * as kapsel from '../../lib/index';
import { fakeFacts } from '../helpers/facts';

// Tests mutate plain JSON freely, so the configs are typed loosely here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-config-collect-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A valid config to break (no cgroup namespace: nothing depends on the host). */
function base(): Json {
  const s: Json = structuredClone(defaultSpec({ rootless: false, cgroupNamespace: false }));
  s.process.terminal = false;
  return s;
}

const paths = (issues: { path: string }[]): string[] => issues.map((i) => i.path);

/** The error validateConfig throws for `value` (create's view). */
function thrown(value: unknown): InvalidConfigError {
  try {
    validateDocument(value);
  } catch (err) {
    assert.ok(err instanceof InvalidConfigError, String(err));
    return err;
  }
  assert.fail('validateConfig did not throw');
}

test('a valid config: valid, no errors, no warnings; the library exports the collecting validateConfig', () => {
  const report = validateConfig(base(), { collect: true });
  assert.equal(report.valid, true);
  assert.deepEqual(report.errors, []);
  assert.deepEqual(report.warnings, []);
  assert.equal(kapsel.validateConfig, validateConfig);
  // Without options it is the throwing validator create uses, returning its argument.
  const s = base();
  assert.equal(kapsel.validateConfig(s), s);
});

test('several independent errors (schema and cross-field, in different fields) are all reported with their paths', () => {
  const s = base();
  s.ociVersion = 'latest'; // schema: pattern
  s.process.cwd = 'relative'; // schema: pattern
  s.process.env.push(7); // schema: type, in an array
  s.mounts[0].options = 'nosuid'; // schema: type
  s.linux.namespaces.push({ type: 'pid' }); // rule: duplicate namespace
  s.process.capabilities.bounding.push('CAP_NOPE'); // rule: unknown capability
  s.process.capabilities.effective.push('CAP_ALSO_NOPE'); // same rule, another set
  s.linux.sysctl = { 'vm.swappiness': '1', 'kernel.hostname': 'x' }; // rule: two keys, two errors
  s.linux.devices = [{ path: '/', type: 'c', major: 1, minor: 3 }]; // rule: device path
  s.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]; // rule: mappings without user namespace
  const report = validateConfig(s, { collect: true });
  assert.equal(report.valid, false);
  const dupIndex = s.linux.namespaces.length - 1;
  const schemaErrors = ['/ociVersion', '/process/env/2', '/process/cwd', '/mounts/0/options'];
  const ruleErrors = [
    `/linux/namespaces/${dupIndex}/type`,
    '/linux/uidMappings',
    `/process/capabilities/bounding/${s.process.capabilities.bounding.length - 1}`,
    `/process/capabilities/effective/${s.process.capabilities.effective.length - 1}`,
    '/linux/devices/0/path',
    '/linux/sysctl/vm.swappiness',
    '/linux/sysctl/kernel.hostname',
  ];
  // Each once; the schema's first (the rules trust the shapes), then the rules' in create's order.
  assert.deepEqual([...paths(report.errors)].sort(), [...schemaErrors, ...ruleErrors].sort());
  assert.deepEqual(paths(report.errors).slice(schemaErrors.length), ruleErrors);
  for (const e of report.errors) assert.equal(e.code, 'ERR_INVALID_CONFIG');
  assert.match(report.errors.find((e) => e.path === '/process/cwd')!.message, /absolute path/);
  assert.match(report.errors.find((e) => e.path === `/linux/namespaces/${dupIndex}/type`)!.message, /duplicate namespace type "pid"/);
  assert.match(report.errors.find((e) => e.path === '/linux/sysctl/vm.swappiness')!.message, /not namespaced/);
});

test('the throwing mode throws exactly the first error the collecting mode reports (one pass, one set of rules)', () => {
  const edits: Array<(s: Json) => void> = [
    (s) => ((s.process.args = []), (s.hostname = 3)),
    (s) => (s.linux.namespaces.push({ type: 'uts' }), s.process.rlimits.push({ type: 'RLIMIT_NOFILE', soft: 9, hard: 1 })),
    (s) => (s.process.rlimits = [{ type: 'RLIMIT_CPU', soft: 2, hard: 1 }, { type: 'RLIMIT_CPU', soft: 1, hard: 1 }]),
    (s) => (s.linux.sysctl = { 'fs.file-max': '1' }, s.mounts.push({ destination: '/x', type: 'bind', options: ['rbind'] })),
    (s) => (s.linux.devices = [{ path: '/dev/x', type: 'c' }]),
    (s) => (s.annotations = { '': 'empty key' }),
    (s) => (s.process.env.push('A=\u0000'), s.mounts[1].source = 'a\u0000b'),
  ];
  for (const edit of edits) {
    const s = base();
    edit(s);
    const report = validateConfig(s, { collect: true });
    const err = thrown(s);
    assert.ok(report.errors.length > 0);
    assert.deepEqual({ path: err.jsonPath, message: err.problem }, { path: report.errors[0].path, message: report.errors[0].message });
  }
});

test('rules whose fields the schema found malformed are skipped (and listed), the others still run', () => {
  const s = base();
  s.linux.namespaces = { type: 'pid' }; // not an array: every rule reading the namespaces is skipped
  s.linux.sysctl = { 'vm.swappiness': '1' }; // a sysctl rule error, but it reads the namespaces
  s.process.capabilities.bounding.push('CAP_NOPE'); // independent: still reported
  const report = validateConfig(s, { collect: true });
  assert.deepEqual(paths(report.errors), ['/linux/namespaces', `/process/capabilities/bounding/${s.process.capabilities.bounding.length - 1}`]);
  assert.ok(report.skipped.some((k) => k.check.includes('/linux/sysctl') && k.reason.includes('/linux/namespaces')), JSON.stringify(report.skipped));
});

test('a document that is no config at all is one error at "/" (nothing crashes)', () => {
  for (const value of [null, 42, 'config', [base()]]) {
    const report = validateConfig(value, { collect: true });
    assert.equal(report.valid, false);
    assert.deepEqual(paths(report.errors), ['/']);
  }
  // Nested too deep: one error, as create's, before anything recurses into it.
  let deep: Json = {};
  for (let i = 0; i < 2000; i++) deep = { a: deep };
  const s = base();
  s.annotations = deep;
  const report = validateConfig(s, { collect: true });
  assert.equal(report.errors.length, 1);
  assert.match(report.errors[0].message, /nested more than/);
});

test('warnings: a key spelt in another case than the spec\'s, prestart hooks, a relative mount destination, a kernel memory limit (still valid)', () => {
  const s = base();
  s.linux.resources = { memory: { kernel: 1048576 } };
  s.hooks = { postStop: [{ path: '/bin/true' }], prestart: [{ path: '/bin/true' }] };
  s.Hostname = 'box'; // read as "hostname" (a uts namespace is in the default config)
  s.mounts.push({ destination: 'data', type: 'tmpfs', source: 'tmpfs' });
  const report = validateConfig(s, { collect: true });
  assert.equal(report.valid, true, JSON.stringify(report.errors));
  const byPath = new Map(report.warnings.map((w) => [w.path, w]));
  assert.equal(byPath.get('/hooks/postStop')?.code, 'key-case');
  assert.match(byPath.get('/hooks/postStop')!.message, /read as "poststop"/);
  assert.equal(byPath.get('/Hostname')?.code, 'key-case');
  assert.equal(byPath.get('/hooks/prestart')?.code, 'deprecated');
  const rel = `/mounts/${s.mounts.length - 1}/destination`;
  assert.equal(byPath.get(rel)?.code, 'deprecated');
  assert.match(byPath.get(rel)!.message, /mounted at "\/data"/);
  assert.equal(byPath.get('/linux/resources/memory/kernel')?.code, 'deprecated');
  assert.equal(report.warnings.length, 5);
  // The key is read as create reads it: "postStop" is the poststop hook, checked as one.
  s.hooks.postStop[0].path = 'relative';
  assert.deepEqual(paths(validateConfig(s, { collect: true }).errors), ['/hooks/poststop/0/path']);
});

test('without a rootfs: the config\'s and the host\'s checks run, and the report says the rootfs\'s were skipped', () => {
  const s = base();
  s.linux.intelRdt = { closID: 'x' };
  const report = validateConfig(s, { collect: true, facts: fakeFacts({ resctrl: false }) });
  assert.equal(report.valid, true);
  assert.deepEqual(report.warnings.map((w) => [w.path, w.code]), [['/linux/intelRdt', 'ERR_NOT_SUPPORTED']]);
  assert.match(report.warnings[0].message, /no resctrl filesystem/);
  const rootfs = report.skipped.find((k) => k.check === 'rootfs');
  assert.ok(rootfs, JSON.stringify(report.skipped));
  assert.match(rootfs.reason, /no bundle or rootfs given/);
  // A bundle whose rootfs does not exist: skipped too, naming it.
  const missing = validateConfig(s, { collect: true, bundle: tmp, facts: undefined });
  assert.match(missing.skipped.find((k) => k.check === 'rootfs')?.reason ?? '', /rootfs .*rootfs: no such file or directory/);
});

test('with a rootfs: the launch plan is compiled as create would, its config errors are errors', () => {
  const bundle = fs.mkdtempSync(path.join(tmp, 'bundle-'));
  fs.mkdirSync(path.join(bundle, 'rootfs'));
  const s = base();
  const ok = validateConfig(s, { collect: true, bundle, facts: fakeFacts() });
  assert.equal(ok.valid, true, JSON.stringify(ok.errors));
  assert.ok(!ok.skipped.some((k) => k.check === 'rootfs'));
  // Valid as a document, refused by create's plan on this (made-up) host:
  // additional groups where setgroups is denied (a rootless runtime's new user namespace).
  s.linux.namespaces.push({ type: 'user' });
  s.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
  s.linux.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
  s.process.user.additionalGids = [5];
  assert.doesNotThrow(() => validateDocument(s));
  const refused = validateConfig(s, { collect: true, bundle, facts: fakeFacts({ unprivileged: true }) });
  let planError: unknown;
  try {
    Container.plan(s, { bundle, rootfs: path.join(bundle, 'rootfs'), facts: fakeFacts({ unprivileged: true }) });
  } catch (err) {
    planError = err;
  }
  assert.ok(planError instanceof InvalidConfigError, String(planError));
  assert.equal(refused.valid, false);
  assert.deepEqual(refused.errors, [{ path: planError.jsonPath, message: planError.problem, code: 'ERR_INVALID_CONFIG' }]);
});

test('"tmpcopyup" on a bind mount or another filesystem is a config error of validation, so Container.plan never meets it first', () => {
  const cases: Array<[Json, string]> = [
    [{ destination: '/x', type: 'bind', source: '/tmp', options: ['rbind', 'tmpcopyup'] }, 'not to a bind mount'],
    [{ destination: '/x', type: 'none', source: '/tmp', options: ['bind', 'tmpcopyup'] }, 'not to a bind mount'],
    [{ destination: '/x', type: 'proc', source: 'proc', options: ['tmpcopyup'] }, 'not to "proc"'],
  ];
  for (const [mount, problem] of cases) {
    const s = base();
    s.mounts.push(mount);
    const at = `/mounts/${s.mounts.length - 1}/options`;
    const err = thrown(s);
    assert.equal(err.jsonPath, at);
    assert.ok(err.problem.includes(problem), err.problem);
    assert.deepEqual(paths(validateConfig(s, { collect: true }).errors), [at]);
  }
  // On a tmpfs it is valid, and the plan takes it.
  const s = base();
  s.mounts.push({ destination: '/var/cache', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup'] });
  const plan = Container.plan(validateDocument(s), { bundle: '/b', rootfs: '/b/rootfs', facts: fakeFacts() });
  assert.ok(plan.steps.some((step) => step.op === 'tmpfs-copyup'));
});

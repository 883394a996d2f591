// The per-process reuse of what create derives from a bundle
// (lib/container/plan-cache.ts): the same config.json text validates once,
// the same config, options and facts compile once, and anything that
// changes gives a fresh result; what is reused cannot be changed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultSpec } from '../../lib/config/default-spec';
import { InvalidConfigError } from '../../lib/errors';
import { encodeSteps } from '../../lib/plan/encode';
import { encodeStepsReusing, loadBundleReusing, planContainerReusing } from '../../lib/container/plan-cache';
import { fakeFacts } from '../helpers/facts';

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-plan-cache-')));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

let counter = 0;
function makeBundle(edit: (s: ReturnType<typeof defaultSpec>) => void = () => undefined): { dir: string; write(edit: (s: ReturnType<typeof defaultSpec>) => void): void } {
  const dir = path.join(tmp, `bundle-${++counter}`);
  fs.mkdirSync(path.join(dir, 'rootfs'), { recursive: true });
  const write = (e: (s: ReturnType<typeof defaultSpec>) => void): void => {
    const spec = defaultSpec({ rootless: false, cgroupNamespace: false });
    e(spec);
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
  };
  write(edit);
  return { dir, write };
}

test('the same config.json text is validated once; a changed one afresh', () => {
  const b = makeBundle();
  const first = loadBundleReusing(b.dir);
  const again = loadBundleReusing(b.dir);
  assert.equal(again.config, first.config);
  assert.equal(again.rootfs, path.join(b.dir, 'rootfs'));
  b.write((s) => (s.hostname = 'changed'));
  const changed = loadBundleReusing(b.dir);
  assert.notEqual(changed.config, first.config);
  assert.equal(changed.config.hostname, 'changed');
});

test('a reused config is frozen: no caller can change what the next create gets', () => {
  const b = makeBundle();
  const { config } = loadBundleReusing(b.dir);
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.process!.args));
  assert.throws(() => {
    (config.process!.args as string[]).push('x');
  }, TypeError);
});

test('the rootfs is resolved on every load, even for a known text', () => {
  const b = makeBundle();
  loadBundleReusing(b.dir);
  fs.rmSync(path.join(b.dir, 'rootfs'), { recursive: true });
  assert.throws(() => loadBundleReusing(b.dir), /rootfs .*no such file or directory/);
});

test('an invalid config fails every time, with the error loadBundle gives', () => {
  const b = makeBundle((s) => ((s.process as { args: unknown }).args = 'not an array'));
  for (let i = 0; i < 2; i++) {
    assert.throws(() => loadBundleReusing(b.dir), (err: unknown) => err instanceof InvalidConfigError && /process\/args/.test(err.message));
  }
});

test('a plan is compiled once per config, options and facts', () => {
  const b = makeBundle();
  const { config, bundle, rootfs } = loadBundleReusing(b.dir);
  const options = { bundle, rootfs, preserveFds: 0 };
  const plan = planContainerReusing(config, options, fakeFacts());
  assert.equal(planContainerReusing(config, { ...options }, fakeFacts()), plan);
  assert.ok(Object.isFrozen(plan.steps));
  // Different facts or options: another plan.
  const otherPasswd = planContainerReusing(config, options, fakeFacts({ passwd: [{ name: 'root', uid: 0, gid: 0, home: '/elsewhere' }] }));
  assert.notEqual(otherPasswd, plan);
  assert.notEqual(planContainerReusing(config, { ...options, noPivot: true }, fakeFacts()), plan);
  // The same facts in another order of their sets and maps: the same plan.
  const reordered = fakeFacts({ directories: ['/b', '/a'] });
  const sameDirs = planContainerReusing(config, options, reordered);
  assert.equal(planContainerReusing(config, options, fakeFacts({ directories: ['/a', '/b'] })), sameDirs);
});

test('containers of one bundle in their own cgroups share the compiled plan; each gets its own cgroup part', () => {
  const b = makeBundle((s) => (s.linux!.resources = { pids: { limit: 9 } }));
  const { config, bundle, rootfs } = loadBundleReusing(b.dir);
  const layout = { kind: 'v2' as const, v1: {}, unified: { mountPoint: '/sys/fs/cgroup', mountRoot: '/' } };
  const factsFor = (id: string) => fakeFacts({ cgroups: { layout, target: { v1: {}, unified: `/sys/fs/cgroup/${id}` } } });
  const first = planContainerReusing(config, { bundle, rootfs }, factsFor('one'));
  const second = planContainerReusing(config, { bundle, rootfs }, factsFor('two'));
  assert.equal(second.steps, first.steps, 'compiled once: the steps (and their encoding) are shared');
  assert.deepEqual(first.cgroups!.directories, ['/sys/fs/cgroup/one']);
  assert.deepEqual(second.cgroups!.directories, ['/sys/fs/cgroup/two']);
  assert.deepEqual(second.cgroups!.placement, { bornIn: '/sys/fs/cgroup/two', join: [] });
  assert.ok(Object.isFrozen(second.cgroups));
  assert.equal(planContainerReusing(config, { bundle, rootfs }, factsFor('one')).cgroups!.directories[0], '/sys/fs/cgroup/one');
  // Another layout, or none available: another plan (its warnings may differ).
  const none = planContainerReusing(config, { bundle, rootfs }, fakeFacts({ unprivileged: true, cgroups: { unavailable: 'unprivileged' } }));
  assert.equal(none.cgroups, undefined);
  assert.ok(none.warnings.some((w) => /no cgroup is delegated/.test(w)));
});

test('the encoding of a reused plan is made once and equals encodeSteps', () => {
  const b = makeBundle();
  const { config, bundle, rootfs } = loadBundleReusing(b.dir);
  const plan = planContainerReusing(config, { bundle, rootfs }, fakeFacts());
  const bytes = encodeStepsReusing(plan.steps, ['A=1']);
  assert.equal(encodeStepsReusing(plan.steps, ['A=1']), bytes);
  assert.deepEqual(bytes, encodeSteps(plan.steps));
  // No hook inherits the environment: another one encodes the same, from the cache.
  assert.equal(encodeStepsReusing(plan.steps, ['B=2']), bytes);
});

test('a reused plan whose hook inherits the runtime\'s environment is encoded anew for another environment', () => {
  const b = makeBundle((s) => {
    s.hooks = { createContainer: [{ path: '/bin/true' }] };
  });
  const { config, bundle, rootfs } = loadBundleReusing(b.dir);
  const plan = planContainerReusing(config, { bundle, rootfs }, fakeFacts());
  const one = encodeStepsReusing(plan.steps, ['A=1']);
  assert.equal(encodeStepsReusing(plan.steps, ['A=1']), one);
  const two = encodeStepsReusing(plan.steps, ['A=2']);
  assert.notDeepEqual(two, one);
  assert.deepEqual(two, encodeSteps(plan.steps, ['A=2']));
  assert.throws(() => encodeSteps(plan.steps), /inherits the runtime's environment/);
});

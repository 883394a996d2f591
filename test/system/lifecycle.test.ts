// The OCI lifecycle through the library, as root: create leaves the process
// unstarted, start runs it, wait reports its end, the state machine refuses
// what the spec forbids and changes nothing when it does.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Container } from '../../lib';
import type { Bundle } from '../helpers/bundle';
import { createTestContainer, runProbe, uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';

const suite = systemSuite();
const { skip } = suite;
let bundle: Bundle;
let outDir: string;
let root: string;

before(() => {
  if (skip) return;
  root = suite.root;
  outDir = tempDir('shared');
  bundle = suite.bundle({
    edit: (s) => s.mounts!.push({ destination: '/out', type: 'bind', source: outDir, options: ['rbind', 'rw'] }),
  });
});

after(() => {
  if (!skip) fs.rmSync(outDir, { recursive: true, force: true });
});

test('create does not run the process; start does; wait gives the exit code', { skip }, async () => {
  const marker = path.join(outDir, 'ran');
  const run = await createTestContainer(bundle, { root, args: ['/probe', 'write', '/out/ran'] });
  try {
    const state = run.container.state();
    assert.equal(state.status, 'created');
    assert.ok(state.pid! > 0);
    assert.ok(fs.existsSync(`/proc/${state.pid}`), 'the init is alive');
    assert.equal(fs.existsSync(marker), false, 'process.args must not run before start');
    await run.container.start();
    const exit = await run.container.wait();
    assert.deepEqual(exit, { exitCode: 0, signal: null });
    assert.ok(fs.existsSync(marker), 'the process ran after start');
    assert.equal(run.container.state().status, 'stopped');
    assert.equal(run.container.state().pid, 0);
  } finally {
    await run.destroy();
  }
});

test('exit codes and signals reach wait()', { skip }, async () => {
  const res = await runProbe(bundle, { root, args: ['/probe', 'exit', '3'] });
  assert.deepEqual(res.exit, { exitCode: 3, signal: null });

  const run = await createTestContainer(bundle, { root, args: ['/probe', 'sleep', '30'] });
  try {
    await run.container.start();
    assert.equal(run.container.state().status, 'running');
    await run.container.kill('SIGKILL');
    assert.deepEqual(await run.container.wait(), { exitCode: null, signal: 'SIGKILL' });
    assert.equal(run.container.state().status, 'stopped');
  } finally {
    await run.destroy();
  }
});

test('a created container can be killed, then deleted', { skip }, async () => {
  const run = await createTestContainer(bundle, { root });
  try {
    // The init of a pid namespace ignores default-action signals; kapsel's
    // init helper ends with 128+signal instead, as a shell would report it.
    await run.container.kill(15);
    assert.deepEqual(await run.container.wait(), { exitCode: 128 + 15, signal: null });
    assert.equal(run.container.state().status, 'stopped');
    await run.container.delete();
    assert.equal(fs.existsSync(path.join(root, run.container.id)), false);
  } finally {
    await run.destroy();
  }
});

test('operations in the wrong state throw ERR_INVALID_STATE and change nothing', { skip }, async () => {
  const run = await createTestContainer(bundle, { root, args: ['/probe', 'sleep', '30'] });
  try {
    const c = run.container;
    await assert.rejects(c.delete(), { code: 'ERR_INVALID_STATE' });
    assert.equal(c.state().status, 'created', 'a refused delete leaves the container alone');
    await c.start();
    await assert.rejects(c.start(), { code: 'ERR_INVALID_STATE' });
    await assert.rejects(c.delete(), { code: 'ERR_INVALID_STATE' });
    assert.equal(c.state().status, 'running');
    await c.kill('SIGKILL');
    await c.wait();
    await assert.rejects(c.kill('SIGTERM'), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_INVALID_STATE');
      assert.match(err.message, /container not running/);
      return true;
    });
    await assert.rejects(c.start(), { code: 'ERR_INVALID_STATE' });
    await c.delete();
    await assert.rejects(Container.load(c.id, { root }), { code: 'ERR_CONTAINER_NOT_FOUND' });
  } finally {
    await run.destroy();
  }
});

test('an existing id is refused and the first container is untouched', { skip }, async () => {
  const id = uniqueId();
  const first = await createTestContainer(bundle, { root, id, args: ['/probe', 'sleep', '30'] });
  try {
    await assert.rejects(Container.create({ id, bundle: bundle.dir, root }), { code: 'ERR_CONTAINER_EXISTS' });
    assert.equal(first.container.state().status, 'created');
    assert.ok(fs.existsSync(path.join(root, id, 'state.json')));
  } finally {
    await first.destroy();
  }
});

test('load and list see the same container from its state directory', { skip }, async () => {
  const run = await createTestContainer(bundle, { root, args: ['/probe', 'sleep', '30'] });
  try {
    const loaded = await Container.load(run.container.id, { root });
    assert.deepEqual(loaded.state(), run.container.state());
    const listed = (await Container.list({ root })).find((s) => s.id === run.container.id);
    assert.equal(listed?.status, 'created');
    assert.equal(listed?.bundle, bundle.dir);
    // A second handle can start and force-delete it; the first sees it.
    await loaded.start();
    assert.equal(run.container.state().status, 'running');
    await loaded.delete({ force: true });
    await assert.rejects(Container.load(run.container.id, { root }), { code: 'ERR_CONTAINER_NOT_FOUND' });
  } finally {
    await run.destroy();
  }
});

test('state.json is not trusted: a dead init is "stopped" whatever the file says', { skip }, async () => {
  const run = await createTestContainer(bundle, { root, args: ['/probe', 'sleep', '30'] });
  try {
    await run.container.start();
    await run.container.kill('SIGKILL');
    await run.container.wait();
    const file = path.join(root, run.container.id, 'state.json');
    const stored = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.equal(stored.status, undefined, 'no status is stored for a started container');
    assert.equal(run.container.state().status, 'stopped');
    // A recycled pid (same number, other start time) is not the container.
    stored.pid = process.pid;
    fs.writeFileSync(file, JSON.stringify(stored));
    assert.equal(run.container.state().status, 'stopped');
  } finally {
    await run.destroy();
  }
});

test('delete --force kills a running container and leaves nothing', { skip }, async () => {
  const run = await createTestContainer(bundle, { root, args: ['/probe', 'sleep', '30'] });
  const pid = run.container.state().pid!;
  await run.container.start();
  await run.container.delete({ force: true });
  assert.equal(fs.existsSync(`/proc/${pid}`), false, 'the init is dead and reaped');
  assert.equal(fs.existsSync(path.join(root, run.container.id)), false);
  await run.destroy();
});

test('wait() on a loaded container resolves once it is gone', { skip }, async () => {
  const run = await createTestContainer(bundle, { root, args: ['/probe', 'exit', '0'] });
  try {
    const loaded = await Container.load(run.container.id, { root });
    await run.container.start();
    assert.deepEqual(await run.container.wait(), { exitCode: 0, signal: null });
    assert.deepEqual(await loaded.wait(), { exitCode: null, signal: null });
  } finally {
    await run.destroy();
  }
});

test('many containers at once in one process', { skip }, async () => {
  // More than libuv's 4 pool threads: creates must not starve each other.
  const runs = await Promise.all(Array.from({ length: 6 }, (_, i) => createTestContainer(bundle, { root, args: ['/probe', 'exit', String(i)] })));
  try {
    await Promise.all(runs.map((r) => r.container.start()));
    const exits = await Promise.all(runs.map((r) => r.container.wait()));
    assert.deepEqual(exits.map((e) => e.exitCode), [0, 1, 2, 3, 4, 5]);
    // Concurrent operations on one container serialise on its lock: one
    // delete wins, the other finds it gone.
    const [first] = runs;
    const results = await Promise.allSettled([first.container.delete(), first.container.delete()]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.equal(failed.reason.code, 'ERR_CONTAINER_NOT_FOUND');
  } finally {
    await Promise.all(runs.map((r) => r.destroy()));
  }
});

// Cancellation (issue 20, item 2): an AbortSignal on create, start, wait,
// exec and delete. Aborting create at any phase (before it begins, while a
// runtime hook or a hook inside the container hangs, after the spawn
// before "ready") rejects with an AbortError and leaves nothing: no
// process (the hanging hook is killed), no cgroup, no mount, no state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Hooks } from '../../lib';
import { Container } from '../../lib';
import { childProcesses, processStats } from '../helpers/leaks';
import { uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';

const suite = systemSuite();
const { skip } = suite;

function isAbortError(reason: unknown): (err: Error & { code?: string }) => boolean {
  return (err) => {
    assert.equal(err.name, 'AbortError', String(err));
    assert.equal(err.code, 'ABORT_ERR');
    assert.equal(err.cause, reason);
    return true;
  };
}

function nothingLeft(): void {
  assert.deepEqual(fs.readdirSync(suite.root), [], 'no state left');
  assert.deepEqual(childProcesses(), [], 'no process left');
}

/** Processes whose command line is `sleep SECONDS` (the hanging hooks, each with its own number). */
function sleepers(seconds: string): string[] {
  return processStats()
    .filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p.pid}/cmdline`, 'utf8') === `sleep\0${seconds}\0`;
      } catch {
        return false;
      }
    })
    .map((p) => p.pid);
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

test('an already aborted signal rejects create before anything is made', { skip }, async () => {
  const b = suite.bundle();
  const reason = new Error('not wanted');
  await assert.rejects(Container.create({ id: uniqueId(), bundle: b.dir, root: suite.root, stdio: 'ignore', signal: AbortSignal.abort(reason) }), isAbortError(reason));
  nothingLeft();
  await assert.rejects(Container.create({ id: uniqueId(), bundle: b.dir, root: suite.root, signal: {} as AbortSignal }), { code: 'ERR_INVALID_ARG_TYPE', argument: 'options.signal' });
});

for (const kind of ['createRuntime', 'createContainer'] as const) {
  test(`abort while a ${kind} hook hangs: the hook is killed, nothing is left`, { skip }, async () => {
    const dir = tempDir('abort-hook');
    const seconds = String(3000 + Math.floor(Math.random() * 500));
    const marker = path.join(dir, 'started');
    const hooks: Hooks = { [kind]: [{ path: '/bin/sh', args: ['sh', '-c', `touch ${marker}; exec sleep ${seconds}`] }] };
    const b = suite.bundle({ edit: (s) => (s.hooks = hooks) });
    try {
      const controller = new AbortController();
      const created = Container.create({ id: uniqueId(), bundle: b.dir, root: suite.root, stdio: 'pipe', signal: controller.signal });
      await until(() => fs.existsSync(marker) && sleepers(seconds).length > 0);
      const reason = new Error('cancelled by the test');
      controller.abort(reason);
      await assert.rejects(created, isAbortError(reason));
      nothingLeft();
      assert.deepEqual(sleepers(seconds), [], 'the hook was killed');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('abort at points spread over a whole create: an AbortError and nothing left, or a container', { skip }, async () => {
  const b = suite.bundle();
  let aborted = 0;
  for (let i = 0; i < 16; i++) {
    const controller = new AbortController();
    const created = Container.create({ id: uniqueId(), bundle: b.dir, root: suite.root, stdio: 'pipe', signal: controller.signal });
    // From the first tick to past the end of a create (a few tens of ms here).
    setTimeout(() => controller.abort('late'), i * 4);
    try {
      const c = await created;
      c.stdout!.destroy();
      c.stderr!.destroy();
      c.stdin!.destroy();
      await c.delete({ force: true });
    } catch (err) {
      isAbortError('late')(err as Error);
      aborted++;
    }
    nothingLeft();
  }
  assert.ok(aborted > 0, 'some creates were aborted');
});

test('abort of start, wait, exec and delete', { skip }, async () => {
  const b = suite.bundle({ edit: (s) => (s.process!.args = ['/probe', 'sleep', '30']) });
  const c = await Container.create({ id: uniqueId(), bundle: b.dir, root: suite.root, stdio: 'ignore' });
  try {
    await assert.rejects(c.start({ signal: AbortSignal.abort('no') }), isAbortError('no'));
    assert.equal(c.state().status, 'created', 'start did nothing');
    await c.start();

    const waiting = new AbortController();
    const waited = c.wait({ signal: waiting.signal });
    waiting.abort('enough');
    await assert.rejects(waited, isAbortError('enough'));
    assert.equal(c.state().status, 'running', 'the wait was given up on; the container runs on');

    const before = await c.processes();
    await assert.rejects(c.exec({ args: ['/probe', 'sleep', '30'], cwd: '/' }, { stdio: 'ignore', signal: AbortSignal.abort('no exec') }), isAbortError('no exec'));
    assert.deepEqual(await c.processes(), before, 'no process was exec\'d');
    // Aborted while the exec is under way: what it started is killed and reaped.
    const execAbort = new AbortController();
    const execing = c.exec({ args: ['/probe', 'sleep', '30'], cwd: '/' }, { stdio: 'ignore', signal: execAbort.signal });
    execAbort.abort('mid exec');
    await assert.rejects(execing, isAbortError('mid exec'));
    assert.deepEqual(await c.processes(), before, 'the exec\'d process is gone');

    await assert.rejects(c.delete({ force: true, signal: AbortSignal.abort('keep') }), isAbortError('keep'));
    assert.equal(c.state().status, 'running', 'delete did nothing');

    // A wait given up on does not spoil a later one.
    await c.kill('SIGKILL');
    assert.deepEqual(await c.wait(), { exitCode: null, signal: 'SIGKILL' });
  } finally {
    await c.delete({ force: true });
  }
  nothingLeft();
});

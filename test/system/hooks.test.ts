// Hooks: each of the six kinds runs at its moment of the lifecycle, in its
// namespace, with the state on stdin, its args and env; failures fail the
// operation (prestart, createRuntime, createContainer, startContainer,
// poststart) or only warn (poststop); timeouts kill the hook.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Container, HookFailedError } from '../../lib';
import type { Hook, Hooks } from '../../lib/config/types';
import type { Bundle } from '../helpers/bundle';
import { childProcesses } from '../helpers/leaks';
import { createTestContainer, uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';

const suite = systemSuite();
const { skip } = suite;
const HOSTNAME = 'kapsel-hooks';

/**
 * A host hook: a shell that records its kind, stdin (the state), hostname
 * (which uts namespace it runs in), argv[0] and $HOOK_VAR into OUT/<kind>.
 */
function shellHook(kind: string, dir: string, extra = ''): Hook {
  const script = `cat > ${dir}/${kind}.state; { hostname; echo "$0"; echo "$HOOK_VAR"; } > ${dir}/${kind}.info; ${extra}`;
  return { path: '/bin/sh', args: [`hook-${kind}`, '-c', script], env: [`HOOK_VAR=var-${kind}`] };
}

/** startContainer hooks resolve inside the container: the probe writes a file in /out. */
function probeHook(file: string): Hook {
  return { path: '/probe', args: ['probe', 'write', `/out/${file}`] };
}

function bundleWithHooks(dir: string, hooks: Hooks): Bundle {
  return suite.bundle({
    edit: (s) => {
      s.hostname = HOSTNAME;
      s.hooks = hooks;
      s.mounts!.push({ destination: '/out', type: 'bind', source: dir, options: ['rbind', 'rw'] });
    },
  });
}

function present(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.state') || !f.includes('.')).sort();
}

function readState(dir: string, kind: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(dir, `${kind}.state`), 'utf8'));
}

test('all six hooks run at their moment, in their namespace, with the state', { skip }, async () => {
  const out = tempDir('hooks');
  const b = bundleWithHooks(out, {
    prestart: [shellHook('prestart', out)],
    createRuntime: [shellHook('createRuntime', out)],
    createContainer: [shellHook('createContainer', out)],
    startContainer: [probeHook('startContainer')],
    poststart: [shellHook('poststart', out)],
    poststop: [shellHook('poststop', out)],
  });
  const run = await createTestContainer(b, { root: suite.root, args: ['/probe', 'exit', '0'] });
  try {
    const pid = run.container.state().pid;
    assert.deepEqual(present(out), ['createContainer.state', 'createRuntime.state', 'prestart.state']);
    for (const kind of ['prestart', 'createRuntime', 'createContainer']) {
      const state = readState(out, kind);
      assert.equal(state.id, run.container.id);
      // "For hooks executed in the container namespace, it is the pid as
      // seen by the container" (runtime.md, State): 1 in its pid namespace.
      assert.equal(state.pid, kind === 'createContainer' ? 1 : pid, kind);
      assert.equal(state.bundle, b.dir);
      assert.equal(state.status, 'creating');
      const [hostname, argv0, hookVar] = fs.readFileSync(path.join(out, `${kind}.info`), 'utf8').trim().split('\n');
      // createContainer runs in the container's namespaces (its uts has the
      // config's hostname); prestart and createRuntime in the runtime's.
      assert.equal(hostname, kind === 'createContainer' ? HOSTNAME : os.hostname(), kind);
      assert.equal(argv0, `hook-${kind}`);
      assert.equal(hookVar, `var-${kind}`);
    }
    await run.container.start();
    assert.ok(fs.existsSync(path.join(out, 'startContainer')), 'startContainer ran inside the container');
    assert.ok(fs.existsSync(path.join(out, 'poststart.state')), 'poststart ran before start returned');
    assert.equal(readState(out, 'poststart').status, 'running');
    assert.equal(fs.existsSync(path.join(out, 'poststop.state')), false);
    await run.container.wait();
    await run.container.delete();
    assert.equal(readState(out, 'poststop').status, 'stopped');
    assert.equal(readState(out, 'poststop').id, run.container.id);
  } finally {
    await run.destroy();
    fs.rmSync(out, { recursive: true, force: true });
  }
});

async function expectCreateHookFailure(hooks: Hooks, dir: string): Promise<void> {
  const b = bundleWithHooks(dir, hooks);
  const id = uniqueId();
  await assert.rejects(Container.create({ id, bundle: b.dir, root: suite.root, stdio: [0, 1, 2] }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ERR_HOOK_FAILED');
    assert.match(err.message, /exit status 3: boom/);
    return true;
  });
  assert.deepEqual(fs.readdirSync(suite.root), [], 'no state directory is left');
  assert.deepEqual(childProcesses(), [], 'the container init is gone');
  // The lifecycle continues at delete: poststop runs after a failed create hook.
  assert.ok(fs.existsSync(path.join(dir, 'poststop.state')), 'poststop hooks ran');
}

for (const kind of ['prestart', 'createRuntime', 'createContainer'] as const) {
  test(`a failing ${kind} hook fails create and tears the container down`, { skip }, async () => {
    const dir = tempDir('hooks');
    try {
      const failing: Hook = { path: '/bin/sh', args: ['sh', '-c', 'echo boom; exit 3'] };
      const later: Hook = shellHook('later', dir);
      await expectCreateHookFailure({ [kind]: [failing, later], poststop: [shellHook('poststop', dir)] }, dir);
      assert.equal(fs.existsSync(path.join(dir, 'later.state')), false, 'hooks after the failing one do not run');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a failing startContainer hook fails start; the process never runs', { skip }, async () => {
  const dir = tempDir('hooks');
  const b = bundleWithHooks(dir, { startContainer: [{ path: '/probe', args: ['probe', 'exit', '4'] }] });
  const run = await createTestContainer(b, { root: suite.root, args: ['/probe', 'write', '/out/ran'] });
  try {
    await assert.rejects(run.container.start(), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_HOOK_FAILED');
      assert.match(err.message, /startContainer hook \/probe failed: exit status 4/);
      // The fields a program reads (issue 20): the same for hooks run inside the container.
      assert.ok(err instanceof HookFailedError);
      assert.equal(err.kind, 'startContainer');
      assert.equal(err.hook.path, '/probe');
      assert.equal(err.exitCode, 4);
      assert.equal(err.signal, null);
      return true;
    });
    await run.container.wait();
    // Destroyed (Lifecycle 12): start-hook-failure.test.ts checks the rest.
    assert.throws(() => run.container.state(), { code: 'ERR_CONTAINER_NOT_FOUND' });
    assert.equal(fs.existsSync(path.join(dir, 'ran')), false);
  } finally {
    await run.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a failing poststart hook fails start and stops the container', { skip }, async () => {
  const dir = tempDir('hooks');
  const b = bundleWithHooks(dir, { poststart: [{ path: '/bin/false' }] });
  const run = await createTestContainer(b, { root: suite.root, args: ['/probe', 'sleep', '30'] });
  try {
    await assert.rejects(run.container.start(), { code: 'ERR_HOOK_FAILED' });
    assert.deepEqual(await run.container.wait(), { exitCode: null, signal: 'SIGKILL' });
  } finally {
    await run.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a failing poststop hook is a warning; delete goes on and later hooks run', { skip }, async () => {
  const dir = tempDir('hooks');
  const b = bundleWithHooks(dir, { poststop: [{ path: '/bin/false' }, shellHook('poststop', dir)] });
  const warnings: string[] = [];
  const c = await Container.create({ id: uniqueId(), bundle: b.dir, root: suite.root, stdio: [0, 1, 2], logger: { warn: (m) => warnings.push(m) } });
  try {
    await c.kill('SIGKILL');
    await c.wait();
    await c.delete();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /poststop hook \/bin\/false failed: exit status 1/);
    assert.ok(fs.existsSync(path.join(dir, 'poststop.state')));
    assert.deepEqual(fs.readdirSync(suite.root), []);
  } finally {
    await c.delete({ force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('hook timeouts kill the hook and fail the operation', { skip }, async () => {
  for (const kind of ['createRuntime', 'createContainer'] as const) {
    const dir = tempDir('hooks');
    try {
      const b = bundleWithHooks(dir, { [kind]: [{ path: '/bin/sleep', args: ['sleep', '30'], timeout: 1 }] });
      await assert.rejects(Container.create({ id: uniqueId(), bundle: b.dir, root: suite.root, stdio: [0, 1, 2] }), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_HOOK_FAILED');
        assert.match(err.message, /timed out after 1s/);
        return true;
      });
      assert.deepEqual(fs.readdirSync(suite.root), []);
      assert.deepEqual(childProcesses(), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('a hook aborted at its timeout takes what it started with it', { skip }, async () => {
  const dir = tempDir('hooks');
  try {
    // The hook starts a child (its output elsewhere, so the hook's pipes
    // close with the hook) and records its pid, then outlives its timeout.
    const script = `sleep 300 >/dev/null 2>&1 & echo $! > ${dir}/child; exec sleep 30`;
    const b = bundleWithHooks(dir, { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', script], timeout: 1 }] });
    await assert.rejects(Container.create({ id: uniqueId(), bundle: b.dir, root: suite.root, stdio: [0, 1, 2] }), /timed out after 1s/);
    const child = Number(fs.readFileSync(path.join(dir, 'child'), 'utf8'));
    assert.ok(child > 0);
    // Killed with the hook's process group: gone, or at most a zombie
    // until init reaps it.
    let state = '';
    try {
      const stat = fs.readFileSync(`/proc/${child}/stat`, 'utf8');
      state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    } catch {
      state = 'gone';
    }
    assert.ok(state === 'gone' || state === 'Z', `the hook's child ${child} still runs (state ${state})`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a hook without env gets the runtime environment; env [] gets an empty one (runc, crun)', { skip }, async () => {
  const out = tempDir('hooks-env');
  const hook = (kind: string, env?: string[]): Hook => ({
    path: '/bin/sh',
    args: [`hook-${kind}`, '-c', `echo "[$KAPSEL_HOOK_ENV_PROBE]" > ${out}/${kind}`],
    ...(env ? { env } : {}),
  });
  const b = bundleWithHooks(out, {
    createRuntime: [hook('createRuntime')],
    createContainer: [hook('createContainer'), hook('createContainer-empty', [])],
    poststop: [hook('poststop')],
  });
  process.env.KAPSEL_HOOK_ENV_PROBE = 'from-runtime';
  try {
    const run = await createTestContainer(b, { root: suite.root, args: ['/probe', 'exit', '0'] });
    await run.destroy();
  } finally {
    delete process.env.KAPSEL_HOOK_ENV_PROBE;
  }
  const read = (kind: string): string => fs.readFileSync(path.join(out, kind), 'utf8').trim();
  try {
    assert.equal(read('createRuntime'), '[from-runtime]');
    assert.equal(read('createContainer'), '[from-runtime]');
    assert.equal(read('createContainer-empty'), '[]');
    assert.equal(read('poststop'), '[from-runtime]');
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

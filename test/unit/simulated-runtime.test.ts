/**
 * kapsel/testing's SimulatedRuntime (issue 19 item 3): the shared
 * state-machine table (test/helpers/state-machine-cases.ts, also run on
 * real containers by test/system/state-machine-shared.test.ts), real
 * hooks with the state on stdin in the spec's order and with its failure
 * rules, recorded hooks, scripted processes, injected faults and a
 * test-controlled clock. No root; the system test runs this file as
 * kapsel-test too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Container } from '../../lib/container/container';
import type { Runtime } from '../../lib/container/runtime';
import { defaultSpec } from '../../lib/config/default-spec';
import type { Hook, HookName, Spec } from '../../lib/config/types';
import { AbortError } from '../../lib/container/abort';
import { HookFailedError, InvalidConfigError, SyscallError } from '../../lib/errors';
import { CREATE_STEPS, ManualClock, SimulatedRuntime, type ContainerScript } from '../../lib/testing';
import { stateMachineTests } from '../helpers/state-machine-cases';
import { tempDir } from '../helpers/tmp';

// Container's static side and the simulation are both Runtimes: this file does not compile otherwise.
const real: Runtime = Container;
void real;

const BUNDLE = '/bundles/app';

function spec(edit?: (s: Spec) => void): Spec {
  const s = defaultSpec({ rootless: false });
  s.process!.terminal = false;
  s.process!.args = ['/app', 'serve'];
  edit?.(s);
  return s;
}

/** Warnings collected instead of printed. */
function collectingLogger(): { warn(m: string): void; lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (m) => lines.push(m) };
}

let n = 0;
const newId = (): string => `sim-${process.pid}-${++n}`;

stateMachineTests('simulated', () => ({
  runtime: new SimulatedRuntime({ hooks: 'record', bundles: { [BUNDLE]: spec() } }),
  createOptions: (id) => ({ id, bundle: BUNDLE, stdio: 'ignore' }),
  execArgs: ['/bin/true'],
  newId,
}));

/** A hook that appends "KIND <its stdin>" to `log` (a real child process). */
function loggingHook(log: string, kind: string, extra = ''): Hook {
  return { path: '/bin/sh', args: ['sh', '-c', `printf '%s %s\\n' ${kind} "$(cat)" >> ${log}; ${extra}`] };
}

function hookLog(log: string): Array<{ kind: string; state: { status: string; id: string; pid: number } }> {
  if (!fs.existsSync(log)) return [];
  return fs
    .readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const space = line.indexOf(' ');
      return { kind: line.slice(0, space), state: JSON.parse(line.slice(space + 1)) };
    });
}

const ALL_HOOKS: HookName[] = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];

/** A runtime whose bundle has one logging hook of each kind (and `edit`'s changes). */
function hookedRuntime(log: string, edit?: (hooks: Record<HookName, Hook[]>) => void, options: ConstructorParameters<typeof SimulatedRuntime>[0] = {}): SimulatedRuntime {
  const hooks = Object.fromEntries(ALL_HOOKS.map((k) => [k, [loggingHook(log, k)]])) as Record<HookName, Hook[]>;
  edit?.(hooks);
  return new SimulatedRuntime({ ...options, bundles: { [BUNDLE]: spec((s) => (s.hooks = hooks)) } });
}

test('hooks run as child processes, in the spec\'s order, each with the state JSON of its moment on stdin', async () => {
  const dir = tempDir('sim-hooks');
  const log = path.join(dir, 'log');
  try {
    const sim = hookedRuntime(log);
    const c = await sim.create({ id: 'web', bundle: BUNDLE });
    assert.deepEqual(hookLog(log).map((h) => h.kind), ['prestart', 'createRuntime', 'createContainer']);
    await c.start();
    await c.kill('SIGKILL');
    await c.wait();
    await c.delete();
    const calls = hookLog(log);
    assert.deepEqual(calls.map((h) => h.kind), ALL_HOOKS);
    assert.deepEqual(calls.map((h) => h.state.status), ['creating', 'creating', 'creating', 'created', 'running', 'stopped']);
    for (const call of calls) assert.equal(call.state.id, 'web');
    // The runtime's hooks see the init's (made-up) host pid; the container's
    // hooks its pid in the container's pid namespace: 1 (runtime.md, State).
    const hostPid = calls[0]!.state.pid;
    assert.ok(hostPid > 1);
    assert.deepEqual(calls.map((h) => h.state.pid), [hostPid, hostPid, 1, 1, hostPid, hostPid]);
    assert.deepEqual(sim.hookCalls.map((h) => h.outcome), ALL_HOOKS.map(() => 'ran'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a failing prestart hook fails create with its exit status; the rest do not run, poststop does, nothing is left', async () => {
  const dir = tempDir('sim-hooks');
  const log = path.join(dir, 'log');
  try {
    const sim = hookedRuntime(log, (h) => (h.prestart = [loggingHook(log, 'prestart', 'echo broken >&2; exit 3')]));
    const err = await sim.create({ id: 'web', bundle: BUNDLE }).then(
      () => assert.fail('create succeeded'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof HookFailedError);
    assert.equal(err.kind, 'prestart');
    assert.equal(err.exitCode, 3);
    assert.equal(err.stderr, 'broken');
    assert.deepEqual(hookLog(log).map((h) => `${h.kind}:${h.state.status}`), ['prestart:creating', 'poststop:stopped']);
    assert.deepEqual(await sim.list(), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('failing poststop hooks are warnings: every one runs and delete succeeds', async () => {
  const dir = tempDir('sim-hooks');
  const log = path.join(dir, 'log');
  try {
    const logger = collectingLogger();
    const sim = hookedRuntime(log, (h) => (h.poststop = [loggingHook(log, 'poststop', 'exit 1'), loggingHook(log, 'poststop2')]), { logger });
    const c = await sim.create({ id: 'web', bundle: BUNDLE });
    await c.delete({ force: true });
    assert.deepEqual(hookLog(log).slice(-2).map((h) => h.kind), ['poststop', 'poststop2']);
    assert.equal(logger.lines.length, 1);
    assert.match(logger.lines[0]!, /poststop hook \/bin\/sh failed: exit status 1/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a failing startContainer or poststart hook fails start and destroys the container; poststop runs', async () => {
  for (const kind of ['startContainer', 'poststart'] as const) {
    const sim = new SimulatedRuntime({ hooks: 'record', bundles: { [BUNDLE]: spec((s) => (s.hooks = { [kind]: [{ path: '/hook' }], poststop: [{ path: '/cleanup' }] })) } });
    sim.script('web', { hookFaults: [{ hook: kind, exitCode: 2 }] });
    const c = await sim.create({ id: 'web', bundle: BUNDLE });
    await assert.rejects(c.start(), { code: 'ERR_HOOK_FAILED', kind, exitCode: 2 });
    await assert.rejects(sim.load('web'), { code: 'ERR_CONTAINER_NOT_FOUND' });
    assert.deepEqual(sim.hookCalls.map((h) => `${h.hook}:${h.outcome}`), [`${kind}:faulted`, 'poststop:recorded']);
  }
});

test('a hook that hangs past its timeout is killed on the runtime\'s clock: no real wait', async () => {
  const clock = new ManualClock();
  const hang: Hook = { path: '/bin/sleep', args: ['sleep', '1000'], timeout: 30 };
  const sim = new SimulatedRuntime({ clock, bundles: { [BUNDLE]: spec((s) => (s.hooks = { createRuntime: [hang] })) } });
  const creating = sim.create({ id: 'web', bundle: BUNDLE });
  await clock.whenTimerSet();
  await clock.advance(29_999);
  assert.equal((await sim.list())[0]?.status, 'creating', 'still within the timeout');
  const failed = assert.rejects(creating, { code: 'ERR_HOOK_FAILED', kind: 'createRuntime', timedOut: true, signal: 'SIGKILL', message: /timed out after 30s/ });
  await clock.advance(1);
  await failed;
  assert.deepEqual(await sim.list(), []);
});

test('recorded hooks: nothing runs, each call is logged with its state; injected failures are real HookFailedErrors', async () => {
  const clock = new ManualClock();
  const hooks = { prestart: [{ path: '/does/not/exist' }], createContainer: [{ path: '/hook', args: ['hook', 'a'], timeout: 5 }] };
  const sim = new SimulatedRuntime({ clock, hooks: 'record', bundles: { [BUNDLE]: spec((s) => (s.hooks = hooks)) } });
  const c = await sim.create({ id: 'one', bundle: BUNDLE });
  assert.deepEqual(
    sim.hookCalls.map((h) => ({ hook: h.hook, path: h.path, args: h.args, status: (h.state as { status: string }).status, outcome: h.outcome })),
    [
      { hook: 'prestart', path: '/does/not/exist', args: ['/does/not/exist'], status: 'creating', outcome: 'recorded' },
      { hook: 'createContainer', path: '/hook', args: ['hook', 'a'], status: 'creating', outcome: 'recorded' },
    ],
  );
  await c.delete({ force: true });
  sim.script('two', { hookFaults: [{ hook: 'createContainer', timeout: true, stderr: 'stuck' }] });
  const creating = sim.create({ id: 'two', bundle: BUNDLE });
  await clock.whenTimerSet();
  // Handled before the clock moves: the rejection comes during advance().
  const failed = assert.rejects(creating, (err: unknown) => {
    assert.ok(err instanceof HookFailedError);
    assert.equal(err.timedOut, true);
    assert.equal(err.stderr, 'stuck');
    assert.equal(err.message, 'createContainer hook /hook failed: timed out after 5s: stuck');
    return true;
  });
  await clock.advance(5000);
  await failed;
});

test('a scripted process exits with its code after its delay on the clock', async () => {
  const clock = new ManualClock();
  const sim = new SimulatedRuntime({ clock, hooks: 'record', bundles: { [BUNDLE]: spec() } });
  sim.script('job', { process: { exit: { afterMs: 1000, exitCode: 3 } } });
  const c = await sim.create({ id: 'job', bundle: BUNDLE });
  await clock.advance(5000);
  assert.equal(c.state().status, 'created', 'the process does not run before start');
  await c.start();
  await clock.advance(999);
  assert.equal(c.state().status, 'running');
  await clock.advance(1);
  assert.deepEqual(await c.wait(), { exitCode: 3, signal: null });
  assert.equal(c.state().status, 'stopped');
  assert.equal(c.pid, 0);
});

test('signals: a scripted handler, the default action, and pid 1 of a pid namespace ignoring what it does not handle', async () => {
  const clock = new ManualClock();
  const noPidNs = spec((s) => (s.linux!.namespaces = s.linux!.namespaces!.filter((ns) => ns.type !== 'pid')));
  const sim = new SimulatedRuntime({ clock, hooks: 'record', bundles: { [BUNDLE]: spec(), '/bundles/host-pid': noPidNs } });
  sim.script('graceful', { process: { signals: { SIGTERM: { afterMs: 500, exitCode: 143 }, SIGHUP: 'ignore' } } });

  const graceful = await sim.create({ id: 'graceful', bundle: BUNDLE });
  await graceful.start();
  await graceful.kill('SIGHUP');
  await graceful.kill('TERM');
  await clock.advance(499);
  assert.equal(graceful.state().status, 'running');
  await clock.advance(1);
  assert.deepEqual(await graceful.wait(), { exitCode: 143, signal: null });

  const pid1 = await sim.create({ id: 'pid1', bundle: BUNDLE });
  await pid1.start();
  await pid1.kill('SIGTERM');
  await clock.advance(10_000);
  assert.equal(pid1.state().status, 'running', 'an unhandled SIGTERM does not reach pid 1 of the namespace');
  await pid1.kill('SIGKILL');
  assert.deepEqual(await pid1.wait(), { exitCode: null, signal: 'SIGKILL' });

  const plain = await sim.create({ id: 'plain', bundle: '/bundles/host-pid' });
  await plain.start();
  await plain.kill('SIGTERM');
  assert.deepEqual(await plain.wait(), { exitCode: null, signal: 'SIGTERM' }, 'the default action outside a pid namespace');
  await assert.rejects(plain.kill('SIGFOO' as never), { code: 'ERR_INVALID_ARG_VALUE', argument: 'signal' });
});

test('a paused container\'s process does nothing: its exit waits for resume, a SIGKILL still kills', async () => {
  const clock = new ManualClock();
  const sim = new SimulatedRuntime({ clock, hooks: 'record', bundles: { [BUNDLE]: spec() } });
  sim.script('job', { process: { exit: { afterMs: 1000 }, signals: { SIGTERM: {} } } });
  const c = await sim.create({ id: 'job', bundle: BUNDLE });
  const events: string[] = [];
  c.on('paused', () => events.push('paused')).on('resumed', () => events.push('resumed'));
  await c.start();
  await clock.advance(600);
  await c.pause();
  await c.kill('SIGTERM');
  await clock.advance(5000);
  assert.equal(c.state().status, 'paused');
  await c.resume();
  // The queued SIGTERM ends it at once on the thaw.
  assert.deepEqual(await c.wait(), { exitCode: 0, signal: null });
  assert.deepEqual(events, ['paused', 'resumed']);

  const d = await sim.create({ id: 'frozen', bundle: BUNDLE });
  await d.start();
  await d.pause();
  await d.kill('SIGKILL');
  assert.deepEqual(await d.wait(), { exitCode: null, signal: 'SIGKILL' });
  assert.equal(d.state().status, 'stopped');
});

test('create fails at each named step with the error the real step gives (or the script\'s); nothing is left', async () => {
  const sim = new SimulatedRuntime({ hooks: 'record', bundles: { [BUNDLE]: spec((s) => (s.hooks = { prestart: [{ path: '/p' }], poststop: [{ path: '/q' }] })) } });
  const expected: Record<string, string> = { 'state-directory': 'ERR_SYSCALL', cgroups: 'ERR_CGROUP', spawn: 'ERR_SYSCALL', init: 'ERR_SYSCALL', ready: 'ERR_PROTOCOL' };
  for (const step of CREATE_STEPS) {
    const id = `fail-${step}`;
    sim.script(id, { failCreate: step });
    await assert.rejects(sim.create({ id, bundle: BUNDLE }), { code: expected[step] }, step);
    assert.deepEqual(await sim.list(), [], `nothing left after ${step}`);
  }
  const prestarts = sim.hookCalls.filter((h) => h.hook === 'prestart').map((h) => h.id);
  assert.deepEqual(prestarts, ['fail-ready'], 'the runtime hooks run after the init\'s steps and before ready');
  assert.ok(!sim.hookCalls.some((h) => h.hook === 'poststop'), 'no poststop: no hook failed');
  const mine = new Error('disk on fire');
  sim.script('custom', { failCreate: { step: 'init', error: mine } });
  await assert.rejects(sim.create({ id: 'custom', bundle: BUNDLE }), (e) => e === mine);
  sim.script('typed', { failCreate: 'init' });
  await assert.rejects(sim.create({ id: 'typed', bundle: BUNDLE }), (e: unknown) => e instanceof SyscallError && e.step?.op === 'mount');
});

test('an OOM kill: every handle gets \'oom\', the process dies of SIGKILL', async () => {
  const clock = new ManualClock();
  const sim = new SimulatedRuntime({ clock, hooks: 'record', bundles: { [BUNDLE]: spec() } });
  sim.script('hog', { oom: { afterMs: 2000, kills: 1 } });
  const c = await sim.create({ id: 'hog', bundle: BUNDLE });
  const other = await sim.load('hog');
  const seen: string[] = [];
  c.on('oom', (k) => seen.push(`c:${k}`));
  other.on('oom', (k) => seen.push(`other:${k}`));
  await c.start();
  await clock.advance(2000);
  assert.deepEqual(await c.wait(), { exitCode: null, signal: 'SIGKILL' });
  assert.deepEqual(seen, ['c:1', 'other:1']);
  assert.deepEqual(await other.wait(), { exitCode: null, signal: null }, 'a loaded handle gets nulls, as a loaded Container');

  const d = await sim.create({ id: 'spike', bundle: BUNDLE });
  await d.start();
  const kills: number[] = [];
  d.on('oom', (k) => kills.push(k));
  sim.oom('spike', { kills: 2, killsProcess: false });
  assert.deepEqual(kills, [2]);
  assert.equal(d.state().status, 'running');
});

test('exec: scripted exit statuses, kill, processes(); a pid namespace\'s processes die with its init', async () => {
  const clock = new ManualClock();
  const sim = new SimulatedRuntime({ clock, hooks: 'record', bundles: { [BUNDLE]: spec() } });
  const script: ContainerScript = { exec: (args) => (args[0] === 'fail' ? { exit: { exitCode: 7 } } : args[0] === 'serve' ? {} : { exit: { exitCode: 0 } }) };
  sim.script('box', script);
  const c = await sim.create({ id: 'box', bundle: BUNDLE });
  await c.start();
  assert.deepEqual(await (await c.exec(['fail'])).wait(), { exitCode: 7, signal: null });
  const server = await c.exec(['serve']);
  assert.deepEqual(await c.processes(), [c.pid, server.pid].sort((a, b) => a - b));
  const exits: unknown[] = [];
  server.on('exit', (s) => exits.push(s));
  await c.kill('SIGKILL');
  await c.wait();
  assert.deepEqual(await server.wait(), { exitCode: null, signal: 'SIGKILL' });
  assert.deepEqual(exits, [{ exitCode: null, signal: 'SIGKILL' }]);
  await assert.rejects(server.kill(), { code: 'ERR_INVALID_STATE' });
  await assert.rejects(c.exec({ args: [], cwd: '/' }), (e: unknown) => e instanceof InvalidConfigError && e.jsonPath === '/args');
});

test('events and run(): started and deleted from the handle that did it; run resolves with the exit status and leaves nothing', async () => {
  const sim = new SimulatedRuntime({ hooks: 'record', bundles: { [BUNDLE]: spec() }, defaultScript: { process: { exit: { exitCode: 4 } } } });
  const c = await sim.create({ id: 'a', bundle: BUNDLE });
  const events: string[] = [];
  c.on('started', () => events.push('started'))
    .on('exit', (s) => events.push(`exit:${s.exitCode}`))
    .on('deleted', () => events.push('deleted'));
  await c.start();
  await c.wait();
  await c.delete();
  assert.deepEqual(events, ['started', 'exit:4', 'deleted']);
  assert.deepEqual(await sim.run({ id: 'b', bundle: BUNDLE }), { id: 'b', exitCode: 4, signal: null });
  assert.deepEqual(await sim.list(), []);
});

test('bad input gets the real errors: config (JSON path), id, bundle, signal, script', async () => {
  const sim = new SimulatedRuntime({ hooks: 'record', bundles: { [BUNDLE]: spec((s) => (s.process!.args = [])) } });
  await assert.rejects(sim.create({ id: 'x', bundle: BUNDLE }), (e: unknown) => e instanceof InvalidConfigError && e.jsonPath === '/process/args');
  await assert.rejects(sim.create({ id: 'a/b', bundle: BUNDLE }), { code: 'ERR_INVALID_ID' });
  await assert.rejects(sim.create({ id: 'x', bundle: '/no/such/bundle' }), { code: 'ERR_BUNDLE' });
  assert.throws(() => sim.script('x', { process: { signals: { SIGKILL: 'ignore' } } }), { code: 'ERR_INVALID_ARGUMENT', message: /SIGKILL cannot be caught/ });
  assert.throws(() => sim.script('x', { failCreate: 'mounts' as never }), { code: 'ERR_INVALID_ARGUMENT', message: /script\.failCreate/ });
  assert.throws(() => sim.script('x', { process: { exit: { afterMs: -1 } } }), { code: 'ERR_INVALID_ARGUMENT', message: /script\.process\.exit\.afterMs/ });
  assert.deepEqual(await sim.list(), []);
});

test('abort: an aborted signal rejects with AbortError; an abort during a hanging hook kills it and leaves nothing', async () => {
  const sim = new SimulatedRuntime({ hooks: 'record', bundles: { [BUNDLE]: spec((s) => (s.hooks = { prestart: [{ path: '/hang' }] })) } });
  await assert.rejects(sim.create({ id: 'x', bundle: BUNDLE, signal: AbortSignal.abort() }), AbortError);
  sim.script('y', { hookFaults: [{ hook: 'prestart', timeout: true }] });
  const ac = new AbortController();
  const creating = sim.create({ id: 'y', bundle: BUNDLE, signal: ac.signal });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal((await sim.list())[0]?.status, 'creating');
  ac.abort();
  await assert.rejects(creating, AbortError);
  assert.deepEqual(await sim.list(), []);
});

test('a bundle on disk is read as create reads it (no rootfs needed)', async () => {
  const dir = tempDir('sim-bundle');
  try {
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec()));
    const sim = new SimulatedRuntime({ hooks: 'record' });
    const c = await sim.create({ id: 'disk', bundle: dir });
    assert.equal(c.state().bundle, fs.realpathSync(dir));
    assert.equal(c.state().status, 'created');
    await c.delete({ force: true });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** Why this user cannot start another node by process.execPath (CI's Node 24 lives under /root when run as the test user). */
function execPathProblem(): string | false {
  try {
    fs.accessSync(process.execPath, fs.constants.X_OK);
    return false;
  } catch (err) {
    return `this user cannot execute ${process.execPath} (${(err as NodeJS.ErrnoException).code}); the root run covers it`;
  }
}

test('the simulation loads neither the addon nor the init helper', { skip: execPathProblem() }, () => {
  const entry = path.resolve(__dirname, '../../lib/testing/index.js');
  const script = `
    const { SimulatedRuntime } = require(${JSON.stringify(entry)});
    const sim = new SimulatedRuntime({ hooks: 'record', bundles: { '/b': ${JSON.stringify(spec())} }, defaultScript: { process: { exit: {} } } });
    sim.run({ id: 'x', bundle: '/b' }).then(() => {
      const native = Object.keys(require.cache).filter((f) => f.endsWith('.node'));
      process.stdout.write(JSON.stringify(native));
    });`;
  const res = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  assert.deepEqual(JSON.parse(res.stdout), []);
});

test('ManualClock.run fails a program that would wait past its limit, instead of hanging the test', async () => {
  const clock = new ManualClock();
  const never = new Promise<void>((resolve) => clock.setTimeout(resolve, 60_000));
  await assert.rejects(clock.run(never, 10_000), { name: 'AssertionError', message: /still not done 10000 ms on/ });
  assert.equal(clock.now(), 0, 'the clock did not jump past the limit');
  await clock.run(never);
  assert.equal(clock.now(), 60_000);
});

// Unit tests of an orchestrator's logic (supervisor.ts) with kapsel's
// SimulatedRuntime: no root, no containers, no real waiting. The runtime
// has kapsel's lifecycle, state machine, hooks and errors; the tests
// script what the container's process does (exit codes, signals, delays,
// an OOM kill) and inject faults (a failing hook), and run the back-off
// and grace timers on a ManualClock.
//
//   node --test dist/examples/testing/supervisor.test.js
//
// In a package that depends on kapsel, import from 'kapsel/testing'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSpec, type Spec } from '../../lib';
import { ManualClock, SimulatedRuntime, type ContainerScript } from '../../lib/testing';
import { Supervisor } from './supervisor';

const BUNDLE = '/bundles/web';

/** A runtime with one in-memory bundle (hooks recorded, not run) and the web container scripted. */
function setup(script: ContainerScript, edit?: (spec: Spec) => void) {
  const clock = new ManualClock();
  const spec = defaultSpec({ rootless: false });
  spec.process!.args = ['/web', '--port', '80'];
  edit?.(spec);
  const runtime = new SimulatedRuntime({ clock, hooks: 'record', bundles: { [BUNDLE]: spec } }).script('web', script);
  const supervisor = new Supervisor({ runtime, id: 'web', bundle: BUNDLE, maxRestarts: 2, timers: clock, stopGraceMs: 5000 });
  return { clock, runtime, supervisor };
}

test('a crashing container is restarted with a growing back-off, then given up on', async () => {
  const { clock, runtime, supervisor } = setup({ process: { exit: { afterMs: 100, exitCode: 1 } } });
  const outcome = await clock.run(supervisor.supervise());
  assert.deepEqual(outcome, { status: { exitCode: 1, signal: null }, restarts: 2, gaveUp: true, stopped: false });
  // 3 runs of 100 ms, back-offs of 1 s and 2 s.
  assert.equal(clock.now(), 3 * 100 + 1000 + 2000);
  assert.deepEqual(await runtime.list(), [], 'every container deleted');
});

test('a clean exit is not restarted', async () => {
  const { clock, supervisor } = setup({ process: { exit: { afterMs: 50 } } });
  const outcome = await clock.run(supervisor.supervise());
  assert.equal(outcome.restarts, 0);
  assert.equal(outcome.gaveUp, false);
});

test('stop(): a process that handles SIGTERM ends within the grace period, no SIGKILL', async () => {
  const { clock, runtime, supervisor } = setup({ process: { signals: { SIGTERM: { afterMs: 300, exitCode: 0 } } } });
  const supervising = supervisor.supervise();
  await clock.run(new Promise((resolve) => setImmediate(resolve)));
  assert.equal((await runtime.list())[0]?.status, 'running');
  await clock.run(supervisor.stop());
  assert.equal(clock.now(), 300);
  assert.deepEqual(await supervising, { status: { exitCode: 0, signal: null }, restarts: 0, gaveUp: false, stopped: true });
  assert.ok(!supervisor.events.some((e) => e.type === 'sigkill'));
});

test('stop(): pid 1 of the container ignores an unhandled SIGTERM, so SIGKILL follows after the grace period', async () => {
  // The default spec has a pid namespace: the process is pid 1 there, and
  // the kernel does not deliver it signals it has no handler for.
  const { clock, supervisor } = setup({});
  const supervising = supervisor.supervise();
  await clock.run(new Promise((resolve) => setImmediate(resolve)));
  await clock.run(supervisor.stop());
  assert.equal(clock.now(), 5000, 'the whole grace period, on the simulated clock');
  assert.deepEqual((await supervising).status, { exitCode: null, signal: 'SIGKILL' });
  assert.ok(supervisor.events.some((e) => e.type === 'sigkill'));
});

test('an OOM kill counts as a crash and is restarted; stop() during a back-off ends the loop', async () => {
  const { clock, supervisor } = setup({ oom: { afterMs: 200 } });
  const supervising = supervisor.supervise();
  // Each run is OOM-killed 200 ms after its start: run 1 at 0-200, back-off
  // 1 s, run 2 at 1200-1400, then a 2 s back-off, during which we stop.
  await clock.run(new Promise<void>((resolve) => clock.setTimeout(resolve, 1500)));
  await clock.run(supervisor.stop());
  const outcome = await clock.run(supervising);
  assert.deepEqual(outcome, { status: { exitCode: null, signal: 'SIGKILL' }, restarts: 1, gaveUp: false, stopped: true });
  const oomKilled = [{ type: 'oom' }, { type: 'exited', status: { exitCode: null, signal: 'SIGKILL' } }];
  assert.deepEqual(
    supervisor.events.filter((e) => e.type !== 'started'),
    [...oomKilled, ...oomKilled],
  );
});

test('a failing prestart hook: supervise() rejects with kapsel\'s HookFailedError, nothing is left, poststop ran', async () => {
  const { clock, runtime, supervisor } = setup({ hookFaults: [{ hook: 'prestart', exitCode: 1, stderr: 'no network' }] }, (spec) => {
    spec.hooks = { prestart: [{ path: '/usr/libexec/net-setup' }], poststop: [{ path: '/usr/libexec/net-teardown' }] };
  });
  await assert.rejects(clock.run(supervisor.supervise()), { code: 'ERR_HOOK_FAILED', kind: 'prestart', stderr: 'no network' });
  assert.deepEqual(await runtime.list(), []);
  assert.deepEqual(
    runtime.hookCalls.map((h) => [h.hook, h.outcome]),
    [
      ['prestart', 'faulted'],
      ['poststop', 'recorded'],
    ],
  );
});

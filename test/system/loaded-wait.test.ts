/**
 * wait() on a container this process did not create (Container.load):
 * through a pidfd of its init, never by polling /proc, and never on a
 * process that merely took the init's recycled pid.
 *
 * A non-parent cannot read an exit status (waitid gives it to the parent
 * alone), so a loaded container's wait() resolves with nulls once the init
 * is gone; `kapsel state` then says "stopped".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { setImmediate as tick } from 'node:timers/promises';
import { Container } from '../../lib';
import { waitForInit } from '../../lib/container/signal';
import { readProcStat } from '../../lib/state/proc';
import { kapselCli } from '../helpers/cli';
import { uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';

const suite = systemSuite();
const { skip } = suite;

test('a container made by the CLI, loaded here: wait() sets no timer and resolves when it is killed', { skip }, async () => {
  const b = suite.bundle({ edit: (s) => (s.process!.args = ['/probe', 'sleep', '600']) });
  const id = uniqueId();
  assert.equal(kapselCli(suite.root, ['create', '--bundle', b.dir, id]).status, 0);
  try {
    assert.equal(kapselCli(suite.root, ['start', id]).status, 0);
    const loaded = await Container.load(id, { root: suite.root });
    assert.equal(loaded.state().status, 'running');

    // The old wait() polled /proc with a setTimeout loop, its first timer set within the call.
    const realSetTimeout = globalThis.setTimeout;
    let timers = 0;
    globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
      timers++;
      return realSetTimeout(...args);
    }) as typeof setTimeout;
    let exit: ReturnType<Container['wait']>;
    try {
      exit = loaded.wait();
      await tick();
    } finally {
      globalThis.setTimeout = realSetTimeout;
    }
    assert.equal(timers, 0, 'wait() set a timer');

    let settled = false;
    void exit.then(() => (settled = true));
    for (let i = 0; i < 5; i++) await tick();
    assert.equal(settled, false, 'wait() resolved while the init runs');

    assert.equal(kapselCli(suite.root, ['kill', id, 'KILL']).status, 0);
    assert.deepEqual(await exit, { exitCode: null, signal: null });
    assert.equal(loaded.state().status, 'stopped');
    assert.equal(JSON.parse(kapselCli(suite.root, ['state', id]).stdout).status, 'stopped');
  } finally {
    kapselCli(suite.root, ['delete', '--force', id]);
  }
});

test('a recycled pid is not waited on: another process under the recorded pid resolves at once', { skip }, async () => {
  // A live process that is not the init the record names: same pid number, another start time.
  const other = spawn('sleep', ['600'], { stdio: 'ignore' });
  try {
    await new Promise((resolve, reject) => other.once('spawn', resolve).once('error', reject));
    const stat = readProcStat(other.pid!);
    assert.ok(stat);
    assert.deepEqual(await waitForInit(other.pid!, stat.startTime + 1), { exitCode: null, signal: null });
    assert.equal(readProcStat(other.pid!)?.startTime, stat.startTime, 'the other process still runs');
  } finally {
    other.kill('SIGKILL');
    await new Promise((resolve) => (other.exitCode !== null || other.signalCode !== null ? resolve(undefined) : other.once('exit', resolve)));
  }
});

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
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { Container } from '../../lib';
import { waitForExit, waitForInit } from '../../lib/container/signal';
import { readProcStat } from '../../lib/state/proc';
import { kapselCli } from '../helpers/cli';
import { uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';

const suite = systemSuite();
const { skip } = suite;

/**
 * Runs `body` with setTimeout counted (`realSetTimeout` is the uncounted one); resolves with its
 * result and the number of timers set meanwhile.
 */
async function countingTimers<T>(body: (realSetTimeout: typeof setTimeout) => Promise<T>): Promise<{ result: T; timers: number }> {
  const realSetTimeout = globalThis.setTimeout;
  let timers = 0;
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    timers++;
    return realSetTimeout(...args);
  }) as typeof setTimeout;
  try {
    const result = await body(realSetTimeout);
    return { result, timers };
  } finally {
    globalThis.setTimeout = realSetTimeout;
  }
}

test('a container made by the CLI, loaded here: wait() sets no timer and resolves when it is killed', { skip }, async () => {
  const b = suite.bundle({ edit: (s) => (s.process!.args = ['/probe', 'sleep', '600']) });
  const id = uniqueId();
  assert.equal(kapselCli(suite.root, ['create', '--bundle', b.dir, id]).status, 0);
  try {
    assert.equal(kapselCli(suite.root, ['start', id]).status, 0);
    const loaded = await Container.load(id, { root: suite.root });
    assert.equal(loaded.state().status, 'running');

    // The old wait() polled /proc with a setTimeout loop, its first timer set within the call.
    // (Wrapped: a promise returned as such would be awaited inside.)
    const { result: { waiting: exit }, timers } = await countingTimers(async () => {
      const waiting = loaded.wait();
      await tick();
      return { waiting };
    });
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

/** A process that is not this one's child (as a container's init is not a CLI's): its pid and start time. */
function startOrphan(): { pid: number; startTime: number } {
  const out = spawnSync('/bin/sh', ['-c', 'sleep 600 </dev/null >/dev/null 2>&1 & echo $!'], { encoding: 'utf8' });
  const pid = Number(out.stdout.trim());
  const stat = readProcStat(pid);
  assert.ok(stat, 'the orphan runs');
  return { pid, startTime: stat.startTime };
}

function killOrphan(pid: number, startTime: number): void {
  if (readProcStat(pid)?.startTime === startTime) process.kill(pid, 'SIGKILL');
}

test('teardown\'s wait for an init it did not create wakes on the pidfd: one deadline timer, no /proc poll', { skip }, async () => {
  const { pid, startTime } = startOrphan();
  try {
    // The old waitForExit re-read /proc/PID/stat on a setTimeout loop (1, 2, 4 ... 50 ms) while the
    // process ran; now the only timer is the deadline, set once.
    const { result, timers } = await countingTimers(async (realSetTimeout) => {
      let settled = false;
      const waiting = waitForExit(pid, startTime).then((r) => ((settled = true), r));
      // Long enough for a poll loop to have set several timers.
      await new Promise((r) => realSetTimeout(r, 40));
      assert.equal(settled, false, 'resolved while the process runs');
      process.kill(pid, 'SIGKILL');
      return waiting;
    });
    assert.equal(result, true);
    assert.equal(timers, 1, 'a timer besides the deadline');
  } finally {
    killOrphan(pid, startTime);
  }
});

test('waitForExit gives up at its deadline, leaves the process alone, no wait pending and no fd open', { skip }, async () => {
  const { pid, startTime } = startOrphan();
  try {
    assert.equal(await waitForExit(pid, startTime, 30), false);
    assert.equal(readProcStat(pid)?.startTime, startTime, 'the process still runs');
    // (The suite's leak check sees a pidfd or eventfd left open.) A CLI whose wait timed out exits:
    // the deadline ended the pidfd wait too, nothing holds its event loop.
    const signalJs = path.join(__dirname, '../../lib/container/signal.js');
    const script = `require(${JSON.stringify(signalJs)}).waitForExit(${pid}, ${startTime}, 30).then((r) => console.log(String(r)))`;
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(child.signal, null, 'the waiting process was held alive by the wait');
    assert.equal(child.stdout.trim(), 'false', child.stderr);
    assert.equal(child.status, 0);
  } finally {
    killOrphan(pid, startTime);
  }
});

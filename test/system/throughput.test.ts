// Many whole lives at once from one Node process (issue 11, goal 2): a
// batch of containers created concurrently, all started, waited for and
// deleted, none failing. And start, like create, waits on the event loop:
// starts whose inits have not taken them yet hold no thread of libuv's
// pool, so the process's own file I/O runs meanwhile. (bench/lifecycle.js
// measures the same at 1,000; no timing is asserted here.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Container } from '../../lib/container/container';
import { readState } from '../../lib/state/store';
import { uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';

const suite = systemSuite();
const { skip } = suite;
const BATCH = 64;
// More than libuv's default pool of four threads.
const STALLED_STARTS = 8;

/** Runs `fn` with /dev/null open for the containers' stdio. */
async function withDevNull<T>(fn: (stdio: [number, number, number]) => Promise<T>): Promise<T> {
  const input = fs.openSync('/dev/null', 'r');
  const output = fs.openSync('/dev/null', 'w');
  try {
    return await fn([input, output, output]);
  } finally {
    fs.closeSync(input);
    fs.closeSync(output);
  }
}

test(`${BATCH} containers created, started, waited for and deleted concurrently`, { skip, timeout: 120_000 }, async () => {
  const bundle = suite.bundle({ edit: (s) => (s.process!.args = ['/probe', 'exit', '7']) });
  await withDevNull(async (stdio) => {
    const lives = Array.from({ length: BATCH }, async () => {
      const c = await Container.create({ id: uniqueId(), bundle: bundle.dir, root: suite.root, stdio });
      try {
        await c.start();
        return await c.wait();
      } finally {
        await c.delete({ force: true });
      }
    });
    const results = await Promise.allSettled(lives);
    assert.deepEqual(results.filter((r) => r.status === 'rejected'), []);
    for (const r of results) assert.deepEqual((r as PromiseFulfilledResult<unknown>).value, { exitCode: 7, signal: null });
  });
  assert.deepEqual(fs.readdirSync(suite.root), []);
});

test('starts waiting for their inits hold no thread-pool thread: fs I/O goes on meanwhile', { skip, timeout: 60_000 }, async () => {
  const bundle = suite.bundle({ edit: (s) => (s.process!.args = ['/probe', 'exit', '0']) });
  await withDevNull(async (stdio) => {
    const created = await Promise.all(
      Array.from({ length: STALLED_STARTS }, () => Container.create({ id: uniqueId(), bundle: bundle.dir, root: suite.root, stdio })),
    );
    // Stopped inits cannot take their start: every start waits (well under
    // its 10 s bound), and so would a pool thread each if start read the
    // fifo through the pool.
    const pids = created.map((c) => readState(c.root, c.id)!.pid);
    try {
      for (const pid of pids) process.kill(pid, 'SIGSTOP');
      let settledStarts = 0;
      const starts = created.map((c) => c.start().finally(() => settledStarts++));
      // This read needs a pool thread: it completes while the starts wait.
      const text = await fs.promises.readFile(__filename, 'utf8');
      assert.ok(text.length > 0);
      assert.equal(settledStarts, 0);
      for (const pid of pids) process.kill(pid, 'SIGCONT');
      await Promise.all(starts);
      for (const c of created) assert.deepEqual(await c.wait(), { exitCode: 0, signal: null });
    } finally {
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {
          // exited
        }
      }
      for (const c of created) await c.delete({ force: true });
    }
  });
});

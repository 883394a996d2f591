// Issue 8, hole 11: `start` never blocks forever on the exec fifo. An init
// that does not take the start (here: stopped with SIGSTOP) makes start
// fail with a clear error after the bound, and the container stays
// "created", startable once its init runs again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { releaseInit } from '../../lib/container/exec-fifo';
import { readState } from '../../lib/state/store';
import { createTestContainer } from '../helpers/run';
import { systemSuite } from '../helpers/suite';

const suite = systemSuite();
const { skip } = suite;

test('start of an init that does not take it fails after the bound; the container stays startable', { skip }, async () => {
  const bundle = suite.bundle();
  const run = await createTestContainer(bundle, { root: suite.root, args: ['/probe', 'report'] });
  try {
    const stored = readState(suite.root, run.container.id)!;
    process.kill(stored.pid, 'SIGSTOP');
    try {
      await assert.rejects(releaseInit(suite.root, stored, 200), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_INVALID_STATE');
        assert.match(err.message, /did not take the start within 0\.2 s/);
        return true;
      });
      assert.equal(run.container.state().status, 'created');
    } finally {
      process.kill(stored.pid, 'SIGCONT');
    }
    await run.container.start();
    assert.deepEqual(await run.container.wait(), { exitCode: 0, signal: null });
  } finally {
    await run.destroy();
  }
});

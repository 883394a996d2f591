// Issue 8, hole 11: `start` never blocks forever on the exec fifo. An init
// that does not take the start (here: stopped with SIGSTOP, before or
// after it opened its end) is killed after the bound, and start fails with
// a clear error; the container is then stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { releaseInit } from '../../lib/container/exec-fifo';
import * as fs from 'node:fs';
import { fifoPath, readState } from '../../lib/state/store';
import { createTestContainer } from '../helpers/run';
import { systemSuite } from '../helpers/suite';

const suite = systemSuite();
const { skip } = suite;

for (const held of [false, true]) {
  test(`start of an init that does not take it fails after the bound${held ? ' (another writer holds the fifo)' : ''}`, { skip }, async () => {
    const bundle = suite.bundle();
    const run = await createTestContainer(bundle, { root: suite.root, args: ['/probe', 'report'] });
    try {
      const stored = readState(suite.root, run.container.id)!;
      process.kill(stored.pid, 'SIGSTOP');
      // Another writer (what the 0700 state directory keeps other users
      // from being) completes start's open at once: then start waits on
      // the read, which must end too. O_RDWR: a fifo open that never blocks.
      const other = held ? fs.openSync(fifoPath(suite.root, run.container.id), fs.constants.O_RDWR) : undefined;
      await assert.rejects(releaseInit(suite.root, stored, 200), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_INVALID_STATE');
        assert.match(err.message, /did not take the start within 0\.2 s and was killed/);
        return true;
      });
      if (other !== undefined) fs.closeSync(other);
      await run.container.wait();
      assert.equal(run.container.state().status, 'stopped');
    } finally {
      await run.destroy();
    }
  });
}

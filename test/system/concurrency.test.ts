// Many creates at once from one Node process: while their inits take
// their time (here, createContainer hooks that wait for a flag file), the
// runtime waits on the event loop, not on libuv's four pool threads, so
// the process's own file I/O (which needs those threads) still runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Container } from '../../lib';
import { createTestContainer, type RunningContainer } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';

const suite = systemSuite();
const { skip } = suite;
// More than libuv's default pool of four threads.
const CONTAINERS = 6;

test('creates waiting on their inits hold no thread-pool thread: fs I/O goes on meanwhile', { skip, timeout: 60_000 }, async () => {
  const dir = tempDir('concurrency');
  const flag = path.join(dir, 'go');
  const bundle = suite.bundle({
    edit: (s) => {
      s.hooks = { createContainer: [{ path: '/bin/sh', args: ['sh', '-c', `mktemp ${dir}/started-XXXXXX >/dev/null; while [ ! -e ${flag} ]; do sleep 0.02; done`] }] };
      s.process!.args = ['/probe', 'exit', '0'];
    },
  });
  const creating = Array.from({ length: CONTAINERS }, () => createTestContainer(bundle, { root: suite.root }));
  const settled = Promise.allSettled(creating);
  try {
    // Once every init runs its hook, every create waits for its init...
    while (fs.readdirSync(dir).filter((f) => f.startsWith('started-')).length < CONTAINERS) {
      await new Promise((r) => setTimeout(r, 10));
    }
    // ... and this read needs a pool thread: with the waits on the pool it would never come.
    const text = await fs.promises.readFile(__filename, 'utf8');
    assert.ok(text.length > 0);
  } finally {
    fs.writeFileSync(flag, '');
  }
  const results = await settled;
  const runs = results.filter((r): r is PromiseFulfilledResult<RunningContainer> => r.status === 'fulfilled').map((r) => r.value);
  try {
    assert.deepEqual(results.filter((r) => r.status === 'rejected'), []);
    for (const run of runs) {
      const c: Container = run.container;
      await c.start();
      assert.deepEqual(await c.wait(), { exitCode: 0, signal: null });
    }
  } finally {
    for (const run of runs) await run.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

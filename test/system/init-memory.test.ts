// The memory of a created container's init while it waits for start
// (issue 11, goal 4; README "Memory of a created container"): at most
// 0.5 MiB of Pss, which takes the release before the wait
// (native/init/idle_memory.cc) and a small helper (a static buffer, a
// stream or the exception runtime brought back would break it); and what
// the release unmapped comes back, so start still runs the process.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Bundle } from '../helpers/bundle';
import { createTestContainer } from '../helpers/run';
import { systemSuite } from '../helpers/suite';

const suite = systemSuite();
const { skip } = suite;
let bundle: Bundle;

before(() => {
  if (skip) return;
  bundle = suite.bundle();
});

const GOAL_KIB = 512;

/**
 * Waits (a bounded number of polls, no timing assertion) until `pid` sleeps
 * in the open of the exec fifo: create returns when the init reports
 * "ready", a few instructions before it releases memory and blocks.
 * Undefined when this kernel does not name wait channels.
 */
async function untilBlockedOnFifo(pid: number): Promise<boolean | undefined> {
  for (let i = 0; i < 2000; i++) {
    const wchan = fs.readFileSync(`/proc/${pid}/wchan`, 'utf8').trim();
    if (wchan === 'wait_for_partner') return true;
    if (wchan === '0' || wchan === '') return undefined;
    await sleep(5);
  }
  return false;
}

function pssKiB(pid: number): number {
  const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const match = rollup.match(/^Pss:\s+(\d+) kB$/m);
  assert.ok(match, `no Pss line in smaps_rollup:\n${rollup}`);
  return Number(match[1]);
}

test('a created container\'s waiting init uses at most 0.5 MiB (Pss), and start still runs the process', { skip }, async (t) => {
  const run = await createTestContainer(bundle, { root: suite.root, args: ['/probe', 'exit', '7'] });
  try {
    const pid = run.container.state().pid!;
    const blocked = await untilBlockedOnFifo(pid);
    if (blocked === undefined) {
      t.skip('this kernel does not show wait channels in /proc/PID/wchan');
      return;
    }
    assert.equal(blocked, true, 'the init never blocked on the exec fifo');
    const pss = pssKiB(pid);
    assert.ok(pss <= GOAL_KIB, `the waiting init uses ${pss} KiB (Pss), more than ${GOAL_KIB} KiB`);
    await run.container.start();
    assert.deepEqual(await run.container.wait(), { exitCode: 7, signal: null });
  } finally {
    await run.destroy();
  }
});

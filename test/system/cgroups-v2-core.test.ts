// The cgroup2 driver against the kernel, through the core files every
// cgroup2 cgroup has whatever its controllers (cgroup.procs, cgroup.freeze,
// cgroup.events, cgroup.kill): on a hybrid host in its unified hierarchy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createCgroups, openCgroups } from '../../lib/cgroups';
import { detectLayout } from '../../lib/cgroups/layout';
import { ID_PREFIX } from '../helpers/run';
import { systemSuite } from '../helpers/suite';

const suite = systemSuite();
const unified = detectLayout().unified;
const skip = suite.skip || (!unified ? 'no cgroup2 hierarchy mounted' : false);

function exited(child: ChildProcess): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
}

test('v2 driver: place, processes, freeze and thaw, a signal to all, cgroup.kill, destroy', { skip }, async () => {
  const dir = path.join(unified!.mountPoint, `${ID_PREFIX}${process.pid}-v2core`, 'inner');
  const record = createCgroups({ v1: {}, unified: dir }, { kind: 'v2', v1: {}, unified: unified! });
  assert.deepEqual(record.created, [path.dirname(dir), dir]);
  const driver = openCgroups(record);
  const children: ChildProcess[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const child = spawn('sleep', ['60'], { stdio: 'ignore' });
      children.push(child);
      driver.place(child.pid!, false);
    }
    assert.deepEqual(driver.procs().sort(), children.map((c) => c.pid!).sort());

    await driver.freeze();
    assert.equal(driver.isFrozen(), true);
    assert.match(fs.readFileSync(path.join(dir, 'cgroup.events'), 'utf8'), /frozen 1/);
    await driver.thaw();
    assert.equal(driver.isFrozen(), false);

    // Not KILL: frozen meanwhile, every process signalled, thawed again.
    const gone = children.map(exited);
    await driver.kill(15);
    assert.deepEqual(await Promise.all(gone), ['SIGTERM', 'SIGTERM']);
    assert.equal(driver.isFrozen(), false);

    const last = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(last);
    driver.place(last.pid!, false);
    await driver.freeze();
    const lastGone = exited(last);
    await driver.kill(9); // cgroup.kill, then thawed so it can die
    assert.equal(await lastGone, 'SIGKILL');
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await driver.destroy();
  }
  assert.equal(fs.existsSync(path.dirname(dir)), false, 'create made both levels, destroy removes both');
});

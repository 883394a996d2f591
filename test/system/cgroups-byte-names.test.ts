// A container that may write its cgroup (a delegated or rw-mounted
// cgroup2) can name a child cgroup with bytes that are not UTF-8. The
// driver still sees the processes in it and removes it with the rest:
// otherwise a kill of all would miss them and delete would fail, the
// cgroup left behind.
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

function exited(child: ChildProcess): Promise<unknown> {
  return new Promise((resolve) => child.once('exit', resolve));
}

test('a child cgroup named with bytes that are not UTF-8: its processes are listed, and destroy removes it', { skip }, async () => {
  const dir = path.join(unified!.mountPoint, `${ID_PREFIX}${process.pid}-bytes`);
  const record = await createCgroups({ v1: {}, unified: dir }, { kind: 'v2', v1: {}, unified: unified! });
  const driver = openCgroups(record);
  // "a\xff/b\xfe": two levels, each name invalid UTF-8 (a lone 0xff, a lone 0xfe).
  const odd = Buffer.concat([Buffer.from(`${dir}/a`), Buffer.from([0xff])]);
  const odder = Buffer.concat([odd, Buffer.from('/b'), Buffer.from([0xfe])]);
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  try {
    fs.mkdirSync(odd);
    fs.mkdirSync(odder);
    fs.writeFileSync(Buffer.concat([odder, Buffer.from('/cgroup.procs')]), String(child.pid));
    assert.deepEqual(await driver.procs(), [child.pid]);
    child.kill('SIGKILL');
    await driver.destroy();
    assert.equal(fs.existsSync(dir), false);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    for (const d of [odder, odd, dir]) {
      try {
        fs.rmdirSync(d);
      } catch {
        // removed by destroy
      }
    }
  }
});

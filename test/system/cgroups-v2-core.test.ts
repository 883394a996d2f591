// The cgroup2 driver against the kernel, through the core files every
// cgroup2 cgroup has whatever its controllers (cgroup.procs, cgroup.freeze,
// cgroup.events, cgroup.kill): on a hybrid host in its unified hierarchy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { createCgroups, openCgroups } from '../../lib/cgroups';
import { native } from '../../lib/native/addon';
import * as C from '../../lib/native/constants';
import { detectLayout } from '../../lib/cgroups/layout';
import { ID_PREFIX } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { testAddon } from '../helpers/test-addon';

const suite = systemSuite();
const unified = detectLayout().unified;
const skip = suite.skip || (!unified ? 'no cgroup2 hierarchy mounted' : false);

function exited(child: ChildProcess): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
}

test('v2 driver: place, processes, freeze and thaw, a signal to all, cgroup.kill, destroy', { skip }, async () => {
  const dir = path.join(unified!.mountPoint, `${ID_PREFIX}${process.pid}-v2core`, 'inner');
  const record = await createCgroups({ v1: {}, unified: dir }, { kind: 'v2', v1: {}, unified: unified! });
  assert.deepEqual(record.created, [path.dirname(dir), dir]);
  const driver = openCgroups(record);
  const children: ChildProcess[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const child = spawn('sleep', ['60'], { stdio: 'ignore' });
      children.push(child);
      await driver.place(child.pid!, false);
    }
    assert.deepEqual((await driver.procs()).sort(), children.map((c) => c.pid!).sort());

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
    await driver.place(last.pid!, false);
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

test('spawn with cgroupFd: the child is born in the cgroup (clone3), even in new namespaces; its failures still come back', { skip }, async () => {
  const dir = path.join(unified!.mountPoint, `${ID_PREFIX}${process.pid}-born`);
  fs.mkdirSync(dir);
  const dirFd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-test-born-'));
  try {
    const outFile = path.join(outDir, 'out');
    const out = fs.openSync(outFile, 'w');
    const { pidfd } = testAddon().spawn({
      file: '/bin/cat',
      argv: ['cat', '/proc/self/cgroup'],
      env: [],
      fds: [0, out, 2],
      cloneFlags: C.CLONE_NEWCGROUP | C.CLONE_NEWUTS,
      join: [],
      cgroupFd: dirFd,
    });
    fs.closeSync(out);
    assert.deepEqual(await native().pidfdWait(pidfd), { exitCode: 0, signal: null });
    fs.closeSync(pidfd);
    // Its cgroup namespace was made at birth, in the cgroup: it is its root.
    assert.ok(fs.readFileSync(outFile, 'utf8').split('\n').includes('0::/'));
    // A failure in the child (a bad fd to pass) is reported through the shared plan.
    assert.throws(() => testAddon().spawn({ file: '/bin/cat', argv: ['cat'], env: [], fds: [0, 1, 2, 987654], cloneFlags: 0, join: [], cgroupFd: dirFd }), { code: 'EBADF' });
  } finally {
    fs.closeSync(dirFd);
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.rmdirSync(dir);
  }
});

// clone3(CLONE_INTO_CGROUP) with fork semantics: the path that
// native/addon/cgroup_clone.cc takes on every architecture but x86_64,
// forced here (spawn's cloneForkSemantics, a test-only option) so that an
// x86_64 host runs it too. The child must be born in the cgroup, its pid
// must come back, and so must its failures, through the plan that spawn.cc
// keeps in MAP_SHARED memory (a forked child writes to its own copy of
// everything else).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { detectLayout } from '../../lib/cgroups/layout';
import { native, type SpawnOptions } from '../../lib/native/addon';
import { ID_PREFIX } from '../helpers/run';
import { testAddon } from '../helpers/test-addon';

const unified = detectLayout().unified;
const skip = process.getuid!() !== 0 ? 'needs root (a cgroup2 cgroup to spawn into)' : !unified ? 'no cgroup2 hierarchy mounted' : false;

test('fork-semantics clone3: born in the cgroup, its pid reported, its failures reported', { skip }, async () => {
  const rel = `${ID_PREFIX}${process.pid}-clone3-fork`;
  const dir = path.join(unified!.mountPoint, rel);
  fs.mkdirSync(dir);
  const dirFd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-native-clone3-'));
  try {
    const outFile = path.join(outDir, 'out');
    const out = fs.openSync(outFile, 'w');
    const options: SpawnOptions = {
      file: '/bin/sh',
      argv: ['sh', '-c', 'echo $$; cat /proc/self/cgroup'],
      env: ['PATH=/usr/bin:/bin'],
      fds: [0, out, 2],
      cloneFlags: 0,
      join: [],
      cgroupFd: dirFd,
      cloneForkSemantics: true,
    };
    const { pid, pidfd } = testAddon().spawn(options);
    fs.closeSync(out);
    assert.deepEqual(await native().pidfdWait(pidfd), { exitCode: 0, signal: null });
    fs.closeSync(pidfd);
    const [shellPid, ...cgroupLines] = fs.readFileSync(outFile, 'utf8').trim().split('\n');
    assert.equal(Number(shellPid), pid, 'the pid spawn returned is the child');
    // Its cgroup below the hierarchy's root, as the mount sees it (mountRoot "/" on this host's cgroup2 mount).
    const expected = path.posix.join(unified!.mountRoot, rel);
    assert.ok(cgroupLines.includes(`0::${expected}`), cgroupLines.join('\n'));
    // A failure in the child comes back with its errno and what it names: a bad fd to pass...
    assert.throws(() => testAddon().spawn({ ...options, fds: [0, 1, 2, 987654] }), { code: 'EBADF' });
    // ...and an exec that fails.
    assert.throws(() => testAddon().spawn({ ...options, file: path.join(outDir, 'missing'), fds: [0, 1, 2] }), (err: NodeJS.ErrnoException) => {
      assert.equal(err.code, 'ENOENT');
      return true;
    });
    assert.equal(fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8'), '', 'nothing left in the cgroup');
  } finally {
    fs.closeSync(dirFd);
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.rmdirSync(dir);
  }
});

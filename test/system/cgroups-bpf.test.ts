// The cgroup2 device filter for real: the program generated in TypeScript,
// loaded and attached by the addon to a cgroup of the cgroup2 hierarchy
// (the unified one on a hybrid host), and a process in that cgroup is
// refused exactly the devices the rules deny.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { deviceProgram } from '../../lib/cgroups/device-bpf';
import { detectLayout } from '../../lib/cgroups/layout';
import { attachDeviceProgram } from '../../lib/cgroups/v2';
import { ID_PREFIX } from '../helpers/run';
import { systemSuite } from '../helpers/suite';

const suite = systemSuite();
const unified = detectLayout().unified;
const skip = suite.skip || (!unified ? 'no cgroup2 hierarchy mounted' : false);

/** Runs `script` with sh moved into `dir` first; its output and status. */
function inCgroup(dir: string, script: string): { status: number | null; out: string } {
  const res = spawnSync('sh', ['-c', `echo $$ > ${dir}/cgroup.procs && ${script}`], { encoding: 'utf8' });
  return { status: res.status, out: res.stdout + res.stderr };
}

test('the generated device filter allows and denies what the rules say', { skip }, () => {
  const dir = path.join(unified!.mountPoint, `${ID_PREFIX}${process.pid}-bpf`);
  fs.mkdirSync(dir);
  try {
    attachDeviceProgram(dir, deviceProgram([
      { allow: false, type: 'a', major: -1, minor: -1, access: 'rwm' },
      { allow: true, type: 'c', major: 1, minor: -1, access: 'rwm' }, // every mem device (null, zero, ...)
      { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }, // /dev/null: writing denied again
    ]));
    assert.equal(inCgroup(dir, 'head -c 3 /dev/zero | wc -c').out.trim(), '3');
    const read = inCgroup(dir, 'cat /dev/null && echo read-ok');
    assert.match(read.out, /read-ok/);
    const write = inCgroup(dir, 'echo x > /dev/null && echo write-ok');
    assert.doesNotMatch(write.out, /write-ok/);
    assert.match(write.out, /Operation not permitted/);
    const tty = inCgroup(dir, 'cat /dev/tty && echo tty-ok');
    assert.match(tty.out, /Operation not permitted/);
  } finally {
    fs.rmdirSync(dir);
  }
});

test('two allow rules for one device add up: "r" and "w" open it read-write', { skip }, () => {
  const dir = path.join(unified!.mountPoint, `${ID_PREFIX}${process.pid}-bpf-rw`);
  fs.mkdirSync(dir);
  try {
    attachDeviceProgram(dir, deviceProgram([
      { allow: false, type: 'a', major: -1, minor: -1, access: 'rwm' },
      { allow: true, type: 'c', major: 1, minor: 3, access: 'r' },
      { allow: true, type: 'c', major: 1, minor: 3, access: 'w' },
      { allow: true, type: 'c', major: 1, minor: 5, access: 'r' },
    ]));
    assert.match(inCgroup(dir, 'exec 3<>/dev/null && echo rdwr-ok').out, /rdwr-ok/);
    const zero = inCgroup(dir, 'exec 3<>/dev/zero && echo rdwr-ok');
    assert.doesNotMatch(zero.out, /rdwr-ok/, 'only "r" was granted for /dev/zero');
    assert.match(inCgroup(dir, 'head -c 2 /dev/zero | wc -c').out.trim(), /^2$/);
  } finally {
    fs.rmdirSync(dir);
  }
});

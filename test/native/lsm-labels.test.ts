// LSM labels in the real init helper. The exec-label step
// (native/init/lsm_label.cc) writes the label to the init's own
// /proc/thread-self attr file in one write, and a failure is the step's
// typed error with the syscall, the errno and the path, after which
// nothing of the plan runs. A mount label's quoted context="..." option
// reaches fsconfig(2) whole, commas and all, without its quotes.
// This kernel has no LSM (the attr files refuse every write with EINVAL,
// attr/apparmor/ does not exist): the tests expect exactly that and skip
// themselves on a host with SELinux or AppArmor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gatherLsmFacts } from '../../lib/host/facts';
import type { Step } from '../../lib/plan/steps';
import { runPlan } from '../helpers/init-plan';
import { insn } from '../helpers/sock-filter';

const lsm = gatherLsmFacts();
const skip =
  process.getuid!() !== 0 ? 'needs root' : lsm.selinux || lsm.apparmor ? 'the host has an LSM (this test expects the kernel to refuse labels)' : false;
const { EINVAL, ENOENT } = os.constants.errno;
const LABEL = 'system_u:system_r:container_t:s0:c1,c2';

/** A plan that writes `attr` and then would create `marker`, and the marker's path. */
function labelThenTouch(attr: string, value = LABEL): { steps: Step[]; marker: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-native-label-'));
  const marker = path.join(dir, 'ran');
  return {
    dir,
    marker,
    steps: [
      { op: 'exec-label', what: '/process/selinuxLabel', attr, value },
      { op: 'exec', args: ['touch', marker], env: [], searchPath: '/usr/bin:/bin' },
    ],
  };
}

test('exec-label writes to /proc/thread-self/attr/exec; this kernel\'s EINVAL is the step\'s error, and nothing runs after it', { skip }, async () => {
  const { steps, marker, dir } = labelThenTouch('attr/exec');
  try {
    const run = await runPlan(steps);
    assert.equal(run.exitCode, 1);
    // "write", not "open": the attr file was opened, the kernel refused the label itself.
    assert.deepEqual(run.reported, {
      type: 'error',
      step: 0,
      op: 'exec-label',
      reason: 'syscall',
      syscall: 'write',
      errno: EINVAL,
      path: '/proc/thread-self/attr/exec',
      message: '/proc/thread-self/attr/exec for /process/selinuxLabel',
    });
    assert.equal(fs.existsSync(marker), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('exec-label to attr/apparmor/exec where the kernel has no such file: ENOENT at open, naming the path', { skip: skip || (fs.existsSync('/proc/self/attr/apparmor') && 'this kernel has attr/apparmor') }, async () => {
  const { steps, marker, dir } = labelThenTouch('attr/apparmor/exec', 'exec kapsel-test');
  try {
    const run = await runPlan(steps);
    assert.equal(run.exitCode, 1);
    assert.equal(run.reported?.type, 'error');
    if (run.reported?.type !== 'error') return;
    assert.deepEqual([run.reported.step, run.reported.op, run.reported.syscall, run.reported.errno, run.reported.path], [0, 'exec-label', 'open', ENOENT, '/proc/thread-self/attr/apparmor/exec']);
    assert.equal(fs.existsSync(marker), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('exec-label writes only LSM attribute files of its own thread', { skip }, async () => {
  for (const attr of ['attr/../status', 'oom_score_adj', '/proc/self/attr/exec', 'attr//exec']) {
    const { steps, marker, dir } = labelThenTouch(attr, '0');
    try {
      const run = await runPlan(steps);
      assert.equal(run.exitCode, 1, attr);
      assert.equal(run.reported?.type === 'error' && run.reported.syscall, 'plan', attr);
      assert.equal(fs.existsSync(marker), false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});


test('exec-label hands the kernel the whole label in one write(2)', { skip: skip || (process.arch !== 'x64' && 'x86_64 syscall numbers') }, async () => {
  // A filter that fails write(2) with EBADFD when its count is the label's
  // length exactly, and allows everything else: the step's error then
  // carries EBADFD only if it wrote the label whole, in one call.
  const value = `${LABEL}:${'c'.repeat(977)}`;
  const EBADFD = 77;
  const filter = Buffer.concat([
    insn(0x20, 0, 0, 0), // ld seccomp_data.nr
    insn(0x15, 0, 2, 1), // jeq __NR_write
    insn(0x20, 0, 0, 32), // ld args[2] (low half)
    insn(0x15, 1, 0, value.length), // jeq the label's length
    insn(0x06, 0, 0, 0x7fff0000), // ret ALLOW
    insn(0x06, 0, 0, 0x00050000 | EBADFD), // ret ERRNO(EBADFD)
  ]);
  const { steps, marker, dir } = labelThenTouch('attr/exec', value);
  try {
    const run = await runPlan([{ op: 'seccomp', program: filter, flags: 0, listenerFd: -1, allowsIdleRelease: false }, ...steps]);
    assert.equal(run.exitCode, 1);
    assert.equal(run.reported?.type === 'error' && `${run.reported.op} ${run.reported.syscall} ${run.reported.errno} ${run.reported.path}`, `exec-label write ${EBADFD} /proc/thread-self/attr/exec`);
    assert.equal(fs.existsSync(marker), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('mount data: a quoted value is one fsconfig parameter, commas kept, quotes dropped (context="...s0:c1,c2")', { skip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-native-label-'));
  try {
    // size="1m" passes only unquoted; the made-up key then fails with its whole value.
    const run = await runPlan([
      { op: 'root', path: dir },
      { op: 'mkdir', path: '/m', mode: 0o755 },
      { op: 'mount', source: 'tmpfs', target: '/m', fstype: 'tmpfs', flags: 0, data: 'size="1m",kapsel_probe="s0:c1,c2",mode=755', inContainer: true, filesystem: 'other', inheritMode: false },
      { op: 'exec', args: ['true'], env: [], searchPath: '/usr/bin:/bin' },
    ]);
    assert.equal(run.exitCode, 1);
    assert.equal(run.reported?.type, 'error');
    if (run.reported?.type !== 'error') return;
    assert.deepEqual([run.reported.step, run.reported.syscall, run.reported.errno, run.reported.message], [2, 'fsconfig', EINVAL, 'tmpfs kapsel_probe=s0:c1,c2']);
    // Nothing was mounted: fsconfig failed before fsmount.
    assert.equal(fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(path.join(dir, 'm')), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

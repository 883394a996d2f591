// Issue 9 item 6: LSM labels (plan/labels.ts). On a host without SELinux,
// selinuxLabel and mountLabel are ignored with a debug line (library
// logger, `--debug --log`) and the container runs, exec'd processes too;
// an AppArmor profile on a host without AppArmor is runc's "apparmor:
// config provided but apparmor not supported". With the module forced on
// in the facts, this kernel (no LSM) refuses what the init writes: create
// fails with the step, syscall, errno and path, and leaves nothing (the
// suite's leak check: no process, mount, fd or state).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Container } from '../../lib';
import { loadBundle } from '../../lib/config/load';
import { launchInit } from '../../lib/container/launch';
import { libseccompCompiler, planContainer } from '../../lib/container/planning';
import { nativeSyscalls } from '../../lib/container/syscalls';
import { SyscallError } from '../../lib/errors';
import { gatherFacts, gatherHostFacts } from '../../lib/host/facts';
import type { LsmFacts } from '../../lib/plan/plan-facts';
import { uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';

const BIN = path.resolve(__dirname, '..', '..', '..', 'bin', 'kapsel');

const suite = systemSuite();
const lsm = gatherHostFacts({}, '/').lsm!;
const skip = suite.skip || (lsm.selinux || lsm.apparmor ? 'the host has SELinux or AppArmor enabled' : false);

test('SELinux labels on a host without SELinux: ignored with a debug line each, the container runs', { skip }, async () => {
  const bundle = suite.bundle({
    edit: (s) => {
      s.process!.selinuxLabel = 'system_u:system_r:container_t:s0:c1,c2';
      s.linux!.mountLabel = 'system_u:object_r:container_file_t:s0:c1,c2';
      s.process!.args = ['/probe', 'exit', '0'];
    },
  });
  const debug: string[] = [];
  const warn: string[] = [];
  const c = await Container.create({
    id: uniqueId(), bundle: bundle.dir, root: suite.root, stdio: [0, 1, 2],
    logger: { warn: (m) => warn.push(m), debug: (m) => debug.push(m) },
  });
  try {
    await c.start();
    assert.deepEqual(await c.wait(), { exitCode: 0, signal: null });
  } finally {
    await c.delete({ force: true });
  }
  assert.deepEqual(warn, []);
  assert.equal(debug.filter((m) => /SELinux is not enabled on this host, the label .* is ignored/.test(m)).length, 2);
  assert.ok(debug.some((m) => m.startsWith('/process/selinuxLabel:')));
  assert.ok(debug.some((m) => m.startsWith('/linux/mountLabel:')));
});

test('an AppArmor profile on a host without AppArmor is refused, as runc refuses it', { skip }, async () => {
  const bundle = suite.bundle({ edit: (s) => (s.process!.apparmorProfile = 'docker-default') });
  await assert.rejects(Container.create({ id: uniqueId(), bundle: bundle.dir, root: suite.root }), (err: Error & { code?: string; jsonPath?: string }) => {
    assert.equal(err.code, 'ERR_INVALID_CONFIG');
    assert.equal(err.jsonPath, '/process/apparmorProfile');
    assert.match(err.message, /apparmor: config provided but apparmor not supported/);
    return true;
  });
  assert.deepEqual(fs.readdirSync(suite.root), []);
});

test('kapsel --debug --log: the ignored label is a debug line of the JSON log, and `run` exits 0', { skip }, () => {
  const bundle = suite.bundle({
    edit: (s) => {
      s.process!.selinuxLabel = 'system_u:system_r:container_t:s0:c3,c4';
      s.process!.args = ['/probe', 'exit', '0'];
    },
  });
  const dir = tempDir('lsm-cli');
  const log = path.join(dir, 'log.json');
  const out = fs.openSync(path.join(dir, 'out'), 'w');
  try {
    const id = uniqueId();
    const res = spawnSync(BIN, ['--debug', '--log', log, '--log-format', 'json', '--root', suite.root, 'run', '-b', bundle.dir, id], {
      stdio: ['ignore', out, out],
      timeout: 60_000,
    });
    assert.equal(res.status, 0, fs.readFileSync(path.join(dir, 'out'), 'utf8'));
    const entries = fs.readFileSync(log, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as { level: string; msg: string });
    const label = entries.filter((e) => e.msg.startsWith('/process/selinuxLabel: SELinux is not enabled on this host'));
    assert.deepEqual(label.map((e) => e.level), ['debug']);
    assert.equal(entries.some((e) => e.level === 'warning' || e.level === 'error'), false, JSON.stringify(entries));
  } finally {
    fs.closeSync(out);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('exec with a SELinux label on a host without SELinux: the process runs, the label is a debug line', { skip }, async () => {
  const bundle = suite.bundle({ edit: (s) => (s.process!.args = ['/probe', 'sleep', '60']) });
  const debug: string[] = [];
  const c = await Container.create({
    id: uniqueId(), bundle: bundle.dir, root: suite.root, stdio: [0, 1, 2],
    logger: { warn: (m) => assert.fail(m), debug: (m) => debug.push(m) },
  });
  try {
    await c.start();
    const p = await c.exec({ args: ['/probe', 'exit', '7'], cwd: '/', selinuxLabel: 'system_u:system_r:container_t:s0:c5,c6' }, { stdio: [0, 1, 2] });
    assert.deepEqual(await p.wait(), { exitCode: 7, signal: null });
    assert.equal(debug.filter((m) => m.startsWith('/selinuxLabel: SELinux is not enabled on this host')).length, 1, debug.join('\n'));
  } finally {
    await c.delete({ force: true });
  }
});

/**
 * Launches `bundle` as create does, with the plan compiled as if `lsm`
 * were the host's modules (this kernel has none, so it refuses what the
 * init writes); resolves to the launch's error.
 */
async function launchWithLsm(bundleDir: string, lsm: LsmFacts): Promise<unknown> {
  const { config: spec } = loadBundle(bundleDir);
  const rootfs = path.resolve(bundleDir, spec.root!.path);
  const facts = gatherFacts(spec, { bundle: bundleDir, rootfs });
  // Launched: compiled with libseccomp, as create compiles it.
  const plan = planContainer(spec, { bundle: bundleDir, rootfs }, { facts: { ...facts, host: { ...facts.host, lsm } }, seccompCompiler: libseccompCompiler() });
  const dir = tempDir('lsm-launch');
  const fifo = path.join(dir, 'exec.fifo');
  nativeSyscalls.mkfifo(fifo, 0o622);
  try {
    const init = await launchInit({
      plan,
      stdio: [0, 1, 2],
      execFifo: fifo,
      privilegedIdMaps: true,
      onSync: () => Promise.resolve(),
    });
    await init.abort();
    return undefined;
  } catch (err) {
    return SyscallError.from(err);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('SELinux forced on for this kernel: the exec-label step\'s refusal fails the launch with step, syscall, errno and path', { skip }, async () => {
  const bundle = suite.bundle({ edit: (s) => (s.process!.selinuxLabel = 'system_u:system_r:container_t:s0:c1,c2') });
  const err = await launchWithLsm(bundle.dir, { selinux: true, apparmor: false, apparmorExecAttr: 'attr/exec' });
  assert.ok(err instanceof SyscallError, String(err));
  assert.deepEqual([err.step?.op, err.syscall, err.errnoName, err.path], ['exec-label', 'write', 'EINVAL', '/proc/thread-self/attr/exec']);
  assert.match(err.message, /^write \/proc\/thread-self\/attr\/exec for \/process\/selinuxLabel: invalid argument \(EINVAL\) \(plan step \d+: exec-label\)$/);
});

test('AppArmor forced on for this kernel: "exec PROFILE" is refused the same way, at the attr file runc would use', { skip }, async () => {
  const bundle = suite.bundle({ edit: (s) => (s.process!.apparmorProfile = 'kapsel-test') });
  const err = await launchWithLsm(bundle.dir, { selinux: false, apparmor: true, apparmorExecAttr: 'attr/exec' });
  assert.ok(err instanceof SyscallError, String(err));
  assert.deepEqual([err.step?.op, err.syscall, err.errnoName, err.path], ['exec-label', 'write', 'EINVAL', '/proc/thread-self/attr/exec']);
});

test('SELinux forced on for this kernel: a mount label reaches the mount as context=, which this kernel refuses', { skip }, async () => {
  const bundle = suite.bundle({ edit: (s) => (s.linux!.mountLabel = 'system_u:object_r:container_file_t:s0:c1,c2') });
  const err = await launchWithLsm(bundle.dir, { selinux: true, apparmor: false, apparmorExecAttr: 'attr/exec' });
  assert.ok(err instanceof SyscallError, String(err));
  // The first labelled mount: the /dev tmpfs, its context option whole.
  assert.deepEqual([err.step?.op, err.syscall, err.errnoName], ['mount', 'fsconfig', 'EINVAL']);
  assert.match(err.path ?? '', /\/dev$/);
  assert.match(err.message, /context=system_u:object_r:container_file_t:s0:c1,c2/);
});

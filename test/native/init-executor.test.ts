// The init helper as an executor of hand-written plans, outside any
// container: a plan the compiler does not produce yet (a seccomp program
// in a bytes field) is decoded and run by the real init, which is started
// without namespaces and without hook states (a "go" with none, as exec
// will send it).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Step } from '../../lib/plan/steps';
import { failureToError, type InitFailure } from '../../lib/container/init-channel';
import { runPlan } from '../helpers/init-plan';
import { testAsRoot } from '../helpers/as-root';
import { insn } from '../helpers/sock-filter';

// Root over the namespaces the tests create: see test/helpers/as-root.ts.
const test = testAsRoot(__filename);
const skip = process.arch !== 'x64' ? 'x86_64 syscall numbers' : false;

const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_RET_K = 0x06;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_ERRNO = 0x00050000;
const EPERM = 1;
const NR_MKDIR = 83;
const NR_MKDIRAT = 258;

/** mkdir and mkdirat fail with EPERM, everything else is allowed. */
const denyMkdir = Buffer.concat([
  insn(BPF_LD_W_ABS, 0, 0, 0), // seccomp_data.nr
  insn(BPF_JEQ_K, 2, 0, NR_MKDIR),
  insn(BPF_JEQ_K, 1, 0, NR_MKDIRAT),
  insn(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
  insn(BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | EPERM),
]);

test('the init installs a seccomp program from a bytes field before exec', { skip }, async () => {
  const target = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-native-'));
  try {
    const mkdir = (searchPath: string): Step => ({ op: 'exec', args: ['mkdir', path.join(target, 'sub')], env: [], searchPath });
    const denied = await runPlan([{ op: 'no-new-privs' }, { op: 'seccomp', program: denyMkdir, flags: 0, listenerFd: -1, allowsIdleRelease: false }, mkdir('/usr/bin:/bin')]);
    assert.equal(denied.exitCode, 1, denied.stderr);
    assert.match(denied.stderr, /Operation not permitted/);
    assert.equal(fs.existsSync(path.join(target, 'sub')), false);
    // Control: the same plan without the program creates the directory.
    const allowed = await runPlan([{ op: 'no-new-privs' }, mkdir('/usr/bin:/bin')]);
    assert.equal(allowed.exitCode, 0, allowed.stderr);
    assert.equal(fs.existsSync(path.join(target, 'sub')), true);
  } finally {
    fs.rmSync(target, { recursive: true, force: true });
  }
});

test('the init searches only the path the plan gives', { skip }, async () => {
  const run = await runPlan([{ op: 'exec', args: ['true'], env: ['PATH=/usr/bin:/bin'], searchPath: '/nonexistent' }]);
  assert.equal(run.exitCode, 1);
  assert.deepEqual(run.reported && { ...run.reported, step: undefined }, {
    type: 'error',
    step: undefined,
    op: 'exec',
    reason: 'exec-not-found',
    syscall: 'exec',
    errno: os.constants.errno.ENOENT,
    path: 'true',
    message: '',
  });
  // The runtime words the reason as engines expect it (cli-contract.md).
  assert.match(failureToError(run.reported as InitFailure).message, /^exec: "true": executable file not found in \$PATH/);
});

test('a seccomp program that is not whole instructions fails its step', { skip }, async () => {
  const run = await runPlan([{ op: 'seccomp', program: Buffer.from([1, 2, 3]), flags: 0, listenerFd: -1, allowsIdleRelease: false }, { op: 'exec', args: ['/bin/true'], env: [], searchPath: '' }]);
  assert.equal(run.exitCode, 1);
  assert.equal(run.reported?.type, 'error');
  assert.deepEqual(run.reported && [run.reported.type === 'error' && run.reported.syscall, run.reported.type === 'error' && run.reported.step], ['seccomp', 0]);
});

test('a hook step without hook states in "go" fails clearly', { skip }, async () => {
  const run = await runPlan([{ op: 'hook', kind: 'createContainer', path: '/bin/true', timeout: 0, args: [], env: [] }]);
  assert.equal(run.exitCode, 1);
  assert.equal(run.reported?.type, 'error');
  assert.match(run.reported?.type === 'error' ? run.reported.message : '', /no state for createContainer hooks/);
});

test('check-ns fails in a forbidden namespace, before any later step, and passes elsewhere', { skip }, async () => {
  const own = fs.statSync('/proc/self/ns/mnt');
  const exec: Step = { op: 'exec', args: ['/bin/true'], env: [], searchPath: '' };
  // The helper runs in our mount namespace here: as if a joined path had come to name the host's.
  const refused = await runPlan([{ op: 'check-ns', ns: 'mnt', forbiddenDevs: [1, own.dev], forbiddenInodes: [own.ino, own.ino] }, exec]);
  assert.equal(refused.exitCode, 1);
  assert.equal(refused.reported?.type, 'error');
  if (refused.reported?.type !== 'error') return;
  assert.deepEqual([refused.reported.step, refused.reported.syscall, refused.reported.errno], [0, 'setns', os.constants.errno.EPERM]);
  assert.deepEqual([refused.reported.reason, refused.reported.message], ['host-namespace', 'mnt']);
  assert.match(failureToError(refused.reported).message, /^setns \/linux\/namespaces: the mnt namespace joined by path is the host's .*mount table/);
  const allowed = await runPlan([{ op: 'check-ns', ns: 'mnt', forbiddenDevs: [own.dev], forbiddenInodes: [own.ino + 1] }, exec]);
  assert.equal(allowed.exitCode, 0, allowed.stderr);
  // The network namespace, before a sysctl: the same check on ns/net.
  const net = fs.statSync('/proc/self/ns/net');
  const netRefused = await runPlan([{ op: 'check-ns', ns: 'net', forbiddenDevs: [net.dev], forbiddenInodes: [net.ino] }, exec]);
  assert.equal(netRefused.exitCode, 1);
  assert.match(netRefused.reported?.type === 'error' ? failureToError(netRefused.reported).message : '', /net namespace joined by path is the host's .*sysctl/);
  const netAllowed = await runPlan([{ op: 'check-ns', ns: 'net', forbiddenDevs: [own.dev], forbiddenInodes: [own.ino] }, exec]);
  assert.equal(netAllowed.exitCode, 0, netAllowed.stderr);
  // A kind the plan cannot name is not even encoded (the C++ decoder
  // refuses an index it does not know: test/unit/plan-wire.test.ts).
  await assert.rejects(runPlan([{ op: 'check-ns', ns: 'pid' as 'mnt', forbiddenDevs: [], forbiddenInodes: [] }, exec]), /"pid" is none of mnt, net, ipc, uts/);
});

// In a mount namespace joined by path, "/proc" is what that namespace's
// owner (another container) mounted there, and it can cover the pid
// directory of the init with one of its own processes' while the init
// starts. "/proc/self" must then not be followed onto the other process:
// here the test's directory covers the init's, and the test's mount
// namespace is the one the plan forbids.
test('a mount over the init\'s own /proc/<pid> is refused, not taken for /proc/self', { skip }, async () => {
  const host = fs.statSync('/proc/self/ns/mnt');
  const plan: Step[] = [
    { op: 'check-ns', ns: 'mnt', forbiddenDevs: [host.dev], forbiddenInodes: [host.ino] },
    { op: 'exec', args: ['/bin/true'], env: [], searchPath: '' },
  ];
  const inOwnNamespace = (cover: string) => ({
    file: '/usr/bin/unshare',
    // $0 is the helper, exec'd with the fd arguments that follow it ("$@").
    argv: ['unshare', '--mount', '--propagation', 'private', '/bin/sh', '-c', `${cover}exec "$0" "$@"`],
  });
  // Control: in a mount namespace of its own the check passes.
  const plain = await runPlan(plan, inOwnNamespace(''));
  assert.equal(plain.exitCode, 0, plain.stderr);
  const covered = await runPlan(plan, inOwnNamespace(`mount --bind /proc/${process.pid} /proc/$$ && `));
  assert.equal(covered.exitCode, 1, covered.stderr);
  assert.equal(covered.reported?.type, 'error', covered.stderr);
  if (covered.reported?.type !== 'error') return;
  assert.deepEqual([covered.reported.syscall, covered.reported.path, covered.reported.errno], ['open', '/proc/self', os.constants.errno.EXDEV]);
});

// The same owner can cover only the init's ns directory: check-ns
// must not read another process's mount namespace there.
test('a mount over the init\'s /proc/self/ns is refused by check-ns', { skip }, async () => {
  const own = fs.statSync('/proc/self/ns/mnt');
  const plan: Step[] = [
    { op: 'check-ns', ns: 'mnt', forbiddenDevs: [own.dev], forbiddenInodes: [own.ino] },
    { op: 'exec', args: ['/bin/true'], env: [], searchPath: '' },
  ];
  const covered = await runPlan(plan, {
    file: '/usr/bin/unshare',
    argv: ['unshare', '--mount', '--propagation', 'private', '/bin/sh', '-c', `mount --bind /proc/${process.pid}/ns /proc/$$/ns && exec "$0" "$@"`],
  });
  assert.equal(covered.exitCode, 1, covered.stderr);
  assert.equal(covered.reported?.type, 'error', covered.stderr);
  if (covered.reported?.type !== 'error') return;
  assert.deepEqual([covered.reported.step, covered.reported.syscall, covered.reported.path, covered.reported.errno], [0, 'open', '/proc/self/ns', os.constants.errno.EXDEV]);
});

// The wait for start reopens the exec fifo through the fd the runtime
// passed. A mount over the init's fd directory in that /proc (same owner)
// must not turn it into the opening of a fifo of the owner's choosing,
// which would start the container without `start`.
test('wait-start does not reopen the exec fifo through a mount over /proc/self/fd', { skip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-native-'));
  const fds: number[] = [];
  try {
    fs.mkdirSync(path.join(dir, 'fd'));
    const decoy = path.join(dir, 'fd', '5');
    const fifo = path.join(dir, 'exec.fifo');
    for (const f of [decoy, fifo]) execFileSync('mkfifo', [f]);
    // Readers first, so that a writer's open never blocks.
    const decoyReader = fs.openSync(decoy, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const fifoReader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    fds.push(decoyReader, fifoReader);
    const run = await runPlan(
      [{ op: 'wait-start', fifoFd: 5 }, { op: 'exec', args: ['/bin/true'], env: [], searchPath: '' }],
      {
        file: '/usr/bin/unshare',
        argv: ['unshare', '--mount', '--propagation', 'private', '/bin/sh', '-c', `mount --bind ${path.join(dir, 'fd')} /proc/$$/fd && exec "$0" "$@"`],
      },
      [fifoReader],
    );
    const read = (fd: number) => {
      try {
        return fs.readFileSync(fd, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return '';
        throw e;
      }
    };
    assert.equal(read(decoyReader), '', 'the init opened the planted fifo');
    assert.equal(run.exitCode, 1, run.stderr);
    assert.equal(run.reported?.type, 'error', run.stderr);
    if (run.reported?.type !== 'error') return;
    assert.deepEqual([run.reported.syscall, run.reported.path, run.reported.errno], ['open', '/proc/self/fd', os.constants.errno.EXDEV]);
  } finally {
    for (const fd of fds) fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// check-timens reads the same ns directory: a cover there (files of the
// owner's choosing) must be refused, not compared.
test('a mount over the init\'s /proc/self/ns is refused by check-timens', { skip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-native-'));
  try {
    for (const name of ['time', 'time_for_children']) fs.writeFileSync(path.join(dir, name), '');
    const covered = await runPlan([{ op: 'check-timens' }, { op: 'exec', args: ['/bin/true'], env: [], searchPath: '' }], {
      file: '/usr/bin/unshare',
      argv: ['unshare', '--mount', '--propagation', 'private', '/bin/sh', '-c', `mount --bind ${dir} /proc/$$/ns && exec "$0" "$@"`],
    });
    assert.equal(covered.exitCode, 1, covered.stderr);
    assert.equal(covered.reported?.type, 'error', covered.stderr);
    if (covered.reported?.type !== 'error') return;
    assert.deepEqual([covered.reported.step, covered.reported.syscall, covered.reported.path, covered.reported.errno], [0, 'open', '/proc/self/ns', os.constants.errno.EXDEV]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// linux.seccomp, checked from inside the container with `probe syscall`:
// errno actions, defaultErrnoRet, argument rules, KILL_PROCESS, LOG, ENOSYS
// for syscalls newer than the profile, podman's profile size, the notify
// listener answered by an agent written in Node, the filter with and
// without no_new_privs, and bad profiles refused before anything exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Container } from '../../lib';
import type { Seccomp } from '../../lib/config/types';
import { native } from '../../lib/native/addon';
import { REPO_ROOT, TEST_USER, type Bundle } from '../helpers/bundle';
import { createTestContainer, runProbe, uniqueId } from '../helpers/run';
import { podmanSizedProfile } from '../helpers/seccomp-profiles';
import { untilReady } from '../helpers/until-ready';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';
import { testAddon } from '../helpers/test-addon';

const suite = systemSuite();
const skip = suite.skip || (process.arch !== 'x64' ? 'syscall numbers here are x86_64' : false);
const BIN = path.join(REPO_ROOT, 'bin', 'kapsel');

/** A bundle whose process is `probe syscall ...args` under `profile`. */
function seccompBundle(profile: Seccomp, edit?: (s: Bundle['config']) => void): Bundle {
  return suite.bundle({
    edit: (s) => {
      s.linux!.seccomp = profile;
      edit?.(s);
    },
  });
}

interface SyscallResult {
  ret: number;
  errno?: string;
  errnum?: number;
}

async function syscallIn(b: Bundle, ...args: string[]): Promise<SyscallResult> {
  const res = await runProbe(b, { root: suite.root, args: ['/probe', 'syscall', ...args] });
  assert.equal(res.exit.exitCode, 0, `exit ${JSON.stringify(res.exit)}: ${res.stderr}`);
  return JSON.parse(res.stdout) as SyscallResult;
}

test('a denied syscall returns the configured errno; the rest run', { skip }, async () => {
  const b = seccompBundle({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }],
  });
  assert.deepEqual(await syscallIn(b, 'getppid'), { ret: -1, errno: 'EACCES', errnum: 13 });
  assert.equal((await syscallIn(b, 'getpid')).ret, 1);
});

test('an allow-list of podman\'s size runs the probe; unnamed syscalls get defaultErrnoRet', { skip }, async () => {
  const profile = podmanSizedProfile();
  profile.defaultErrnoRet = 18; // EXDEV: visibly not the EPERM default
  for (const rule of profile.syscalls!) rule.names = rule.names.filter((n) => n !== 'getppid');
  const b = seccompBundle(profile);
  assert.deepEqual(await syscallIn(b, 'getppid'), { ret: -1, errno: 'E18', errnum: 18 });
  const report = await runProbe(b, { root: suite.root });
  assert.equal(report.exit.exitCode, 0, report.stderr);
  assert.equal(report.report?.pid, 1);
});

test('argument rules: personality allowed for one value only', { skip }, async () => {
  const b = seccompBundle({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 0, value: 0xffffffff, op: 'SCMP_CMP_NE' }] }],
  });
  assert.equal((await syscallIn(b, 'personality', '0xffffffff')).ret, 0);
  assert.deepEqual(await syscallIn(b, 'personality', '8'), { ret: -1, errno: 'EPERM', errnum: 1 });
});

test('SCMP_ACT_KILL_PROCESS kills the process with SIGSYS; SCMP_ACT_LOG lets the call run', { skip }, async () => {
  const kill = seccompBundle({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_KILL_PROCESS' }] });
  const killed = await runProbe(kill, { root: suite.root, args: ['/probe', 'syscall', 'getppid'] });
  assert.deepEqual(killed.exit, { exitCode: null, signal: 'SIGSYS' });
  const log = seccompBundle({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_LOG' }] });
  assert.equal((await syscallIn(log, 'getppid')).ret, 0);
});

test('a syscall newer than every one the profile names gets ENOSYS (clone3), so libc falls back', { skip }, async () => {
  // An allow-list written before clone3 (435): every name is older.
  const names = ['read', 'write', 'openat', 'close', 'fstat', 'newfstatat', 'mmap', 'mprotect', 'munmap', 'brk',
    'rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'ioctl', 'execve', 'exit', 'exit_group', 'arch_prctl',
    'set_tid_address', 'set_robust_list', 'prlimit64', 'getrandom', 'readlinkat', 'uname', 'getpid', 'futex'];
  const b = seccompBundle({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names, action: 'SCMP_ACT_ALLOW' }] });
  assert.deepEqual(await syscallIn(b, 'clone3'), { ret: -1, errno: 'ENOSYS', errnum: 38 });
  // Older and unnamed: the default action's EPERM.
  assert.deepEqual(await syscallIn(b, 'getppid'), { ret: -1, errno: 'EPERM', errnum: 1 });
});

test('without noNewPrivileges the filter is loaded before the user change, and still applies', { skip }, async () => {
  const b = seccompBundle(
    { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] },
    (s) => {
      s.process!.noNewPrivileges = false;
      s.process!.user = { uid: TEST_USER.uid, gid: TEST_USER.gid };
    },
  );
  const plan = Container.plan(b.config, { bundle: b.dir });
  const ops = plan.steps.map((s) => s.op);
  assert.ok(ops.indexOf('seccomp') < ops.indexOf('setresuid'), ops.join(' '));
  assert.deepEqual(await syscallIn(b, 'getppid'), { ret: -1, errno: 'EACCES', errnum: 13 });
});

test('a profile older than faccessat2 and clone3 runs its program without noNewPrivileges (the lookup uses stat)', { skip }, async () => {
  // podman's profile as it was before faccessat2 (439) and clone3 (435):
  // neither is named, so the default action's EPERM answers them, and it
  // names newer syscalls (epoll_pwait2, process_mrelease, ...), so the
  // ENOSYS prefix for unnamed new syscalls does not cover them either.
  const profile = podmanSizedProfile();
  profile.syscalls = profile.syscalls!.filter((rule) => !rule.names.includes('clone3'));
  for (const rule of profile.syscalls) rule.names = rule.names.filter((n) => n !== 'faccessat2');
  const named = profile.syscalls.flatMap((rule) => rule.names);
  assert.ok(named.includes('epoll_pwait2') && !named.includes('faccessat2') && !named.includes('clone3'));
  const b = suite.bundle({
    edit: (s, { rootfs }) => {
      s.linux!.seccomp = profile;
      // The filter is loaded before the credentials change, so before the program lookup.
      s.process!.noNewPrivileges = false;
      s.process!.user = { uid: TEST_USER.uid, gid: TEST_USER.gid };
      // /a/probe is not executable for the user (root's, 0744), /b/probe is:
      // the lookup along PATH passes over the first, as execvp would.
      s.process!.env = ['PATH=/missing:/a:/b'];
      for (const [dir, mode] of [['a', 0o744], ['b', 0o755]] as const) {
        fs.mkdirSync(path.join(rootfs, dir));
        fs.copyFileSync(path.join(rootfs, 'probe'), path.join(rootfs, dir, 'probe'));
        fs.chmodSync(path.join(rootfs, dir, 'probe'), mode);
      }
    },
  });
  // From inside: the program ran, and faccessat2 is what the filter says.
  assert.deepEqual(await syscallIn(b, String(439), '-100', '0', '0', '0'), { ret: -1, errno: 'EPERM', errnum: 1 });
  // A program named without a slash is looked up along PATH the same way.
  const res = await runProbe(b, { root: suite.root, args: ['probe', 'hello'] });
  assert.equal(res.exit.exitCode, 0, res.stderr);
  assert.equal(res.stdout, 'Hello World\n');
});

test('with noNewPrivileges the filter is the last step before exec', { skip }, () => {
  const b = seccompBundle({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] });
  const ops = Container.plan(b.config, { bundle: b.dir }).steps.map((s) => s.op);
  assert.deepEqual(ops.slice(-2), ['seccomp', 'exec']);
  assert.ok(ops.indexOf('seccomp') > ops.indexOf('wait-start'));
});

test('notify: an agent in Node gets the process state and the listener fd, and its answer is what the container sees', { skip }, async () => {
  const dir = tempDir('seccomp-agent');
  const socketPath = path.join(dir, 'agent.sock');
  const server = testAddon().unixListen(socketPath);
  const fds: number[] = [server];
  try {
    const b = seccompBundle({
      defaultAction: 'SCMP_ACT_ALLOW',
      listenerPath: socketPath,
      listenerMetadata: 'answer=4242',
      syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_NOTIFY' }],
    });
    const run = await createTestContainer(b, { root: suite.root, args: ['/probe', 'syscall', 'getppid'] });
    try {
      // The listener arrived during create.
      const conn = await untilReady(() => testAddon().unixAccept(server));
      fds.push(conn);
      const { fd: listener, data } = native().receiveFd(conn);
      fds.push(listener);
      const message = JSON.parse(data) as { ociVersion: string; fds: string[]; pid: number; metadata: string; state: { id: string; status: string; pid: number; bundle: string } };
      assert.deepEqual(message.fds, ['seccompFd']);
      assert.equal(message.metadata, 'answer=4242');
      assert.equal(message.pid, run.container.state().pid);
      assert.equal(message.state.id, run.container.id);
      assert.equal(message.state.status, 'creating');
      assert.equal(message.state.bundle, b.dir);
      await run.container.start();
      const notification = await untilReady(() => testAddon().seccompNotifReceive(listener));
      testAddon().seccompNotifRespond(listener, notification.id, 4242n, 0, 0);
      assert.deepEqual(await run.container.wait(), { exitCode: 0, signal: null });
      assert.deepEqual(JSON.parse(run.output().stdout), { ret: 4242 });
    } finally {
      await run.destroy();
    }
  } finally {
    for (const fd of fds) fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bad profiles fail create with the JSON path, exit 1 from the CLI, and leave nothing', { skip }, () => {
  const cases: [Seccomp, string][] = [
    [{ defaultAction: 'SCMP_ACT_FOO' } as unknown as Seccomp, '/linux/seccomp/defaultAction'],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_BAR' }] } as unknown as Seccomp, '/linux/seccomp/syscalls/0/action'],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_NOPE' }] }] } as unknown as Seccomp, '/linux/seccomp/syscalls/0/args/0/op'],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }] }, '/linux/seccomp/syscalls/0/args/0/index'],
    [{ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_NOPE'] } as unknown as Seccomp, '/linux/seccomp/flags/0'],
    [{ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/nonexistent/agent.sock', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_NOTIFY' }] }, '/linux/seccomp/listenerPath'],
  ];
  for (const [profile, jsonPath] of cases) {
    const b = seccompBundle(profile);
    const res = spawnSync(BIN, ['--root', suite.root, 'run', '--bundle', b.dir, uniqueId()], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(res.status, 1, `${jsonPath}: ${res.stderr}`);
    assert.ok(res.stderr.includes(jsonPath), `${jsonPath} in: ${res.stderr}`);
    assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
    assert.deepEqual(fs.readdirSync(suite.root), []);
  }
});

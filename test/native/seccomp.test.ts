/**
 * Programs compiled by lib/seccomp (libseccomp through the addon), installed
 * in a real process by the seccomp-run fixture: denied syscalls, errnos,
 * argument comparisons, kill actions, ENOSYS for newer syscalls, a profile of
 * podman's size and shape, and a notify listener answered from Node. Needs
 * libseccomp.so.2 and the fixtures, not root (the fixture sets
 * no_new_privs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import type { Seccomp } from '../../lib/config/types';
import { native, type NativeError, type SeccompNotification } from '../../lib/native/addon';
import { SyscallError } from '../../lib/errors';
import { compileSeccomp, containerProcessState, sendSeccompListener } from '../../lib/seccomp';
import { libseccompResolver } from '../../lib/seccomp/library';

const FIXTURE = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'bin', 'seccomp-run');
const skip = process.arch !== 'x64' ? 'the fixture and the numbers here are x86_64' : false;

const EPERM = 1;
const EBADF = 9;
const EACCES = 13;
const ENOSYS = 38;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-test-seccomp-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** Writes the compiled program of `profile` to a file for the fixture. */
function programFile(profile: Seccomp): { file: string; flags: number } {
  const compiled = compileSeccomp(profile);
  const file = path.join(dir, `program-${files++}`);
  fs.writeFileSync(file, compiled.program);
  return { file, flags: compiled.flags };
}

interface Outcome {
  ret?: number;
  errno?: number;
  signal: string | null;
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `seccomp-run PROGRAM FLAGS MODE ARGS...` under `profile`. */
function run(profile: Seccomp, mode: 'syscall' | 'exec', ...args: (string | number)[]): Outcome {
  const { file, flags } = programFile(profile);
  const r = spawnSync(FIXTURE, [file, String(flags), mode, ...args.map(String)], { encoding: 'utf8' });
  const out: Outcome = { signal: r.signal, status: r.status, stdout: r.stdout, stderr: r.stderr };
  if (mode === 'syscall' && r.status === 0) Object.assign(out, JSON.parse(r.stdout));
  return out;
}

/** What the fixture itself needs after installing the filter (stdio, exit). */
const FIXTURE_NEEDS = ['write', 'exit_group', 'exit', 'fstat', 'newfstatat', 'brk', 'mmap', 'munmap', 'rt_sigreturn'];

test('a denied syscall returns the configured errno; others run', { skip }, () => {
  const profile: Seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ERRNO', errnoRet: 42 }] };
  assert.deepEqual(run(profile, 'syscall', 'getppid').errno, 42);
  assert.equal(run(profile, 'syscall', 'getpid').errno, undefined);
  assert.ok(run(profile, 'syscall', 'getpid').ret! > 0);
  // Without errnoRet: EPERM.
  assert.equal(run({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ERRNO' }] }, 'syscall', 'getppid').errno, EPERM);
});

test('defaultErrnoRet is what unnamed syscalls get under an allow-list', { skip }, () => {
  const profile: Seccomp = { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: EACCES, syscalls: [{ names: [...FIXTURE_NEEDS, 'getpid'], action: 'SCMP_ACT_ALLOW' }] };
  assert.equal(run(profile, 'syscall', 'getppid').errno, EACCES);
  assert.ok(run(profile, 'syscall', 'getpid').ret! > 0);
});

test('argument comparison: personality allowed only for one value', { skip }, () => {
  const profile: Seccomp = {
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      { names: FIXTURE_NEEDS, action: 'SCMP_ACT_ALLOW' },
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0xffffffff, op: 'SCMP_CMP_EQ' }] },
    ],
  };
  // personality(0xffffffff) only queries the persona (0 = PER_LINUX).
  assert.deepEqual(run(profile, 'syscall', 'personality', '0xffffffff').ret, 0);
  assert.equal(run(profile, 'syscall', 'personality', '8').errno, EPERM);
});

test('all seven operators compare the argument as the spec says', { skip }, () => {
  // dup(fd) with a closed fd fails EBADF when allowed, and 99 when the rule matches.
  const cases: [string, number, number | undefined, [number, boolean][]][] = [
    ['SCMP_CMP_NE', 100, undefined, [[99, true], [100, false], [101, true]]],
    ['SCMP_CMP_LT', 100, undefined, [[99, true], [100, false], [101, false]]],
    ['SCMP_CMP_LE', 100, undefined, [[99, true], [100, true], [101, false]]],
    ['SCMP_CMP_EQ', 100, undefined, [[99, false], [100, true], [101, false]]],
    ['SCMP_CMP_GE', 100, undefined, [[99, false], [100, true], [101, true]]],
    ['SCMP_CMP_GT', 100, undefined, [[99, false], [100, false], [101, true]]],
    // (arg & 0xf0) == 0x60
    ['SCMP_CMP_MASKED_EQ', 0xf0, 0x60, [[0x65, true], [0x60, true], [0x75, false]]],
  ];
  for (const [op, value, valueTwo, probes] of cases) {
    const profile: Seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['dup'], action: 'SCMP_ACT_ERRNO', errnoRet: 99, args: [{ index: 0, value, op, ...(valueTwo === undefined ? {} : { valueTwo }) }] }],
    };
    for (const [fd, matches] of probes) {
      assert.equal(run(profile, 'syscall', 'dup', fd).errno, matches ? 99 : EBADF, `${op} ${value}: dup(${fd})`);
    }
  }
});

test('SCMP_ACT_KILL_PROCESS and SCMP_ACT_TRAP end the process with SIGSYS; SCMP_ACT_LOG lets it run', { skip }, () => {
  const killed = run({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_KILL_PROCESS' }] }, 'syscall', 'getppid');
  assert.equal(killed.signal, 'SIGSYS');
  assert.equal(killed.stdout, '');
  const trapped = run({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_TRAP' }] }, 'syscall', 'getppid');
  assert.equal(trapped.signal, 'SIGSYS');
  const logged = run({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_LOG'], syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_LOG' }] }, 'syscall', 'getppid');
  assert.equal(logged.ret, process.pid);
});

test('clone3 -> ENOSYS under an allow-list that does not name it; older unnamed syscalls get the default', { skip }, () => {
  const profile: Seccomp = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: [...FIXTURE_NEEDS, 'getpid'], action: 'SCMP_ACT_ALLOW' }] };
  assert.equal(run(profile, 'syscall', 'clone3').errno, ENOSYS);
  assert.equal(run(profile, 'syscall', 'openat2').errno, ENOSYS);
  assert.equal(run(profile, 'syscall', 'getppid').errno, EPERM);
  // Without the filter clone3(NULL, 0) is EINVAL: the ENOSYS above came from the prefix.
  const bare = spawnSync(FIXTURE, ['-', '0', 'syscall', 'clone3'], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(bare.stdout), { errno: 22 });
  // A profile that names clone3 gets its own answer for it.
  const named = { ...profile, syscalls: [...profile.syscalls!, { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 77 }] };
  assert.equal(run(named, 'syscall', 'clone3').errno, 77);
});

/**
 * An allow-list of podman's size and shape: default ERRNO, three
 * architectures, ~350 names including some this libseccomp does not know,
 * personality and clone argument rules, a few denied names.
 */
function podmanSizedProfile(): Seccomp {
  const allowed = `accept accept4 access adjtimex alarm bind brk capget capset chdir chmod chown chown32 clock_adjtime
    clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64 clock_nanosleep clock_nanosleep_time64
    close close_range connect copy_file_range creat dup dup2 dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old
    epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old eventfd eventfd2 execve execveat exit exit_group faccessat
    faccessat2 fadvise64 fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat fchown fchown32 fchownat fcntl
    fcntl64 fdatasync fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat fstat64 fstatat64 fstatfs fstatfs64
    fsync ftruncate ftruncate64 futex futex_time64 futex_waitv futimesat getcpu getcwd getdents getdents64 getegid
    getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32 getitimer getpeername getpgid getpgrp getpid
    getppid getpriority getrandom getresgid getresgid32 getresuid getresuid32 getrlimit get_robust_list getrusage
    getsid getsockname getsockopt get_thread_area gettid gettimeofday getuid getuid32 getxattr inotify_add_watch
    inotify_init inotify_init1 inotify_rm_watch io_cancel ioctl io_destroy io_getevents io_pgetevents
    io_pgetevents_time64 ioprio_get ioprio_set io_setup io_submit io_uring_enter io_uring_register io_uring_setup ipc
    kill landlock_add_rule landlock_create_ruleset landlock_restrict_self lchown lchown32 lgetxattr link linkat listen
    listxattr llistxattr _llseek lremovexattr lseek lsetxattr lstat lstat64 madvise membarrier memfd_create
    memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2 mlockall mmap mmap2 mprotect mq_getsetattr mq_notify
    mq_open mq_timedreceive mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap msgctl msgget
    msgrcv msgsnd msync munlock munlockall munmap name_to_handle_at nanosleep newfstatat _newselect open openat
    pause pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc pkey_free pkey_mprotect poll ppoll ppoll_time64 prctl
    pread64 preadv preadv2 prlimit64 process_mrelease pselect6 pselect6_time64 pwrite64 pwritev pwritev2 read
    readahead readlink readlinkat readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages removexattr
    rename renameat renameat2 restart_syscall rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo
    rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_getaffinity
    sched_getattr sched_getparam sched_get_priority_max sched_get_priority_min sched_getscheduler
    sched_rr_get_interval sched_rr_get_interval_time64 sched_setaffinity sched_setattr sched_setparam
    sched_setscheduler sched_yield seccomp select semctl semget semop semtimedop semtimedop_time64 send sendfile
    sendfile64 sendmmsg sendmsg sendto setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32
    setitimer setpgid setpriority setregid setregid32 setresgid setresgid32 setresuid setresuid32 setreuid
    setreuid32 setrlimit set_robust_list setsid setsockopt set_thread_area set_tid_address setuid setuid32 setxattr
    shmat shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4 sigprocmask sigreturn socketcall socketpair
    splice stat stat64 statfs statfs64 statx symlink symlinkat sync sync_file_range syncfs sysinfo tee tgkill time
    timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64 timer_settime timer_settime64
    timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64 times tkill truncate
    truncate64 ugetrlimit umask uname unlink unlinkat utime utimensat utimensat_time64 utimes vfork vmsplice wait4
    waitid waitpid write writev arch_prctl modify_ldt socket clone
    cachestat fchmodat2 map_shadow_stack futex_wake futex_wait futex_requeue statmount listmount lsm_get_self_attr
    lsm_set_self_attr lsm_list_modules mseal setxattrat getxattrat listxattrat removexattrat uretprobe`;
  const names = allowed.split(/\s+/).filter(Boolean).filter((n) => n !== 'clone' && n !== 'socket');
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: EPERM,
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [
      { names, action: 'SCMP_ACT_ALLOW' },
      ...[0, 8, 131072, 131080, 4294967295].map((value) => ({ names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value, op: 'SCMP_CMP_EQ' }] })),
      { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
      { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 40, op: 'SCMP_CMP_NE' }] },
      { names: ['bpf', 'perf_event_open', 'kexec_load', 'open_by_handle_at'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM },
      { names: ['ptrace'], action: 'SCMP_ACT_ERRNO', errnoRet: EACCES },
      // As podman's profile does: it names syscalls above clone3's number, so the ENOSYS prefix cannot cover it.
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS },
    ],
  };
}

test('a podman-sized allow-list compiles, skips unknown names, and a normal program runs under it', { skip }, () => {
  const profile = podmanSizedProfile();
  const nameCount = profile.syscalls!.reduce((n, rule) => n + rule.names.length, 0);
  assert.ok(nameCount >= 340, `${nameCount} names`);
  const compiled = compileSeccomp(profile);
  const resolver = libseccompResolver();
  const unknown = profile.syscalls!.flatMap((r) => r.names).filter((n) => resolver.syscall(n, 0) === -1);
  assert.ok(unknown.length > 0, 'the profile names syscalls this libseccomp does not know');
  assert.deepEqual(compiled.summary.skipped, [...new Set(unknown)]);
  assert.deepEqual(compiled.summary.architectures, ['SCMP_ARCH_X32', 'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64']);
  assert.equal(compiled.summary.enosys, true);
  assert.ok(compiled.summary.instructions > 100 && compiled.summary.instructions < 4096, `${compiled.summary.instructions} instructions`);

  const shell = run(profile, 'exec', '/bin/sh', '-c', 'echo hello | cat; ls / > /dev/null && echo listed');
  assert.equal(shell.stderr, '');
  assert.equal(shell.stdout, 'hello\nlisted\n');
  assert.equal(shell.status, 0);
  // Inside the same profile: denied names, argument rules, ENOSYS.
  assert.equal(run(profile, 'syscall', 'personality', '0xffffffff').ret, 0);
  assert.equal(run(profile, 'syscall', 'personality', '1').errno, EPERM);
  assert.equal(run(profile, 'syscall', 'clone3').errno, ENOSYS);
  assert.equal(run(profile, 'syscall', 'getpid').errno, undefined);
  assert.equal(run(profile, 'syscall', String(resolver.syscall('ptrace', 0))).errno, EACCES);
  // cachestat (451) is named but unknown to libseccomp 2.5: newer than every
  // syscall that reached the filter, so ENOSYS; kexec_file_load (320) is
  // older and unnamed, so the default EPERM.
  const maxNamed = Math.max(...profile.syscalls!.flatMap((r) => r.names).map((n) => resolver.syscall(n, 0)));
  assert.equal(run(profile, 'syscall', String(maxNamed + 1)).errno, ENOSYS);
  assert.equal(run(profile, 'syscall', '320').errno, EPERM);
});

test('sendFd passes an fd with its payload over a unix stream socket', () => {
  const [a, b] = native().streamPair();
  const fd = fs.openSync(__filename, 'r');
  try {
    native().sendFd(a, fd, '{"fds":["seccompFd"]}');
    const got = native().receiveFd(b);
    assert.equal(got.data, '{"fds":["seccompFd"]}');
    assert.equal(fs.fstatSync(got.fd).ino, fs.fstatSync(fd).ino);
    fs.closeSync(got.fd);
  } finally {
    for (const f of [a, b, fd]) fs.closeSync(f);
  }
});

/** Calls `fn` until it stops failing with EAGAIN (bounded; the count is not a timing assertion). */
async function untilReady<T>(fn: () => T): Promise<T> {
  for (let i = 0; i < 2000; i++) {
    try {
      return fn();
    } catch (err) {
      if ((err as NativeError).code !== 'EAGAIN') throw err;
      await sleep(5);
    }
  }
  throw new Error('nothing arrived');
}

test('notify: the listener fd reaches Node, which receives the notification and answers it', { skip }, async () => {
  const { file, flags } = programFile({
    defaultAction: 'SCMP_ACT_ALLOW',
    listenerPath: '/unused/in/this/test',
    syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_NOTIFY' }],
  });
  const [ours, theirs] = native().streamPair();
  const child = spawn(FIXTURE, [file, String(flags), 'notify', '3', 'getppid'], { stdio: ['ignore', 'pipe', 'pipe', theirs] });
  fs.closeSync(theirs);
  let stdout = '';
  child.stdout!.on('data', (d) => (stdout += d));
  const exited = once(child, 'exit');
  let listener = -1;
  try {
    const message = await untilReady(() => native().receiveFd(ours));
    assert.equal(message.data, 'seccompFd');
    listener = message.fd;
    const notification: SeccompNotification = await untilReady(() => native().seccompNotifReceive(listener));
    assert.equal(notification.nr, libseccompResolver().syscall('getppid', 0));
    assert.equal(notification.args.length, 6);
    assert.ok(notification.pid > 0);
    assert.equal(native().seccompNotifIdValid(listener, notification.id), true);
    native().seccompNotifRespond(listener, notification.id, 4242n, 0, 0);
    assert.equal(native().seccompNotifIdValid(listener, notification.id), false);
    const [code] = await exited;
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(stdout), { ret: 4242 });
  } finally {
    child.kill('SIGKILL');
    fs.closeSync(ours);
    if (listener >= 0) fs.closeSync(listener);
  }
});

test('notify: an answer with an errno fails the syscall with it', { skip }, async () => {
  const { file, flags } = programFile({ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/unused', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_NOTIFY' }] });
  const [ours, theirs] = native().streamPair();
  const child = spawn(FIXTURE, [file, String(flags), 'notify', '3', 'getppid'], { stdio: ['ignore', 'pipe', 'pipe', theirs] });
  fs.closeSync(theirs);
  let stdout = '';
  child.stdout!.on('data', (d) => (stdout += d));
  const exited = once(child, 'exit');
  const { fd: listener } = await untilReady(() => native().receiveFd(ours));
  try {
    const n = await untilReady(() => native().seccompNotifReceive(listener));
    native().seccompNotifRespond(listener, n.id, 0n, 61, 0);
    await exited;
    assert.deepEqual(JSON.parse(stdout), { errno: 61 });
  } finally {
    child.kill('SIGKILL');
    fs.closeSync(ours);
    fs.closeSync(listener);
  }
});

test('sendSeccompListener: the agent at listenerPath gets the process state and the fd, once per connection', () => {
  const socketPath = path.join(dir, 'agent.sock');
  const server = native().unixListen(socketPath);
  const fd = fs.openSync(__filename, 'r');
  try {
    const state = { ociVersion: '1.3.0', id: 'c1', status: 'creating' as const, pid: 4422, bundle: '/b', annotations: { k: 'v' } };
    sendSeccompListener(socketPath, fd, containerProcessState({ pid: 4422, state, metadata: 'MKNOD=/dev/null' }));
    const conn = native().unixAccept(server);
    try {
      const got = native().receiveFd(conn);
      assert.deepEqual(JSON.parse(got.data), { ociVersion: '1.3.0', fds: ['seccompFd'], pid: 4422, metadata: 'MKNOD=/dev/null', state });
      assert.equal(fs.fstatSync(got.fd).ino, fs.fstatSync(fd).ino);
      fs.closeSync(got.fd);
      // The runtime closed its end: nothing more arrives.
      assert.equal(fs.readSync(conn, Buffer.alloc(16)), 0);
    } finally {
      fs.closeSync(conn);
    }
  } finally {
    fs.closeSync(server);
    fs.closeSync(fd);
    fs.rmSync(socketPath, { force: true });
  }
  // No agent there: a SyscallError naming the path.
  assert.throws(
    () => sendSeccompListener(path.join(dir, 'no-agent.sock'), 0, containerProcessState({ pid: 1, state: { ociVersion: '1.3.0', id: 'c', status: 'creating', bundle: '/b' } })),
    (err: unknown) => err instanceof SyscallError && err.errnoName === 'ENOENT' && err.syscall === 'connect' && err.path === path.join(dir, 'no-agent.sock'),
  );
});

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

import type { Seccomp } from '../../lib/config/types';
import { native, type SeccompNotification } from '../../lib/native/addon';
import { compileSeccomp } from '../../lib/seccomp';
import { compiledFilter } from '../helpers/seccomp-filter';
import { podmanSizedProfile } from '../helpers/seccomp-profiles';
import { untilReady } from '../helpers/until-ready';
import { libseccompResolver } from '../../lib/seccomp/library';
import { FIXTURES_BIN, missingFixture } from '../helpers/bundle';
import { killChild } from '../helpers/child';
import { testAddon } from '../helpers/test-addon';

const FIXTURE = path.join(FIXTURES_BIN, 'seccomp-run');
const skip = process.arch !== 'x64' ? 'the fixture and the numbers here are x86_64' : missingFixture('seccomp-run');

const EPERM = 1;
const EBADF = 9;
const EACCES = 13;
const ENOSYS = 38;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-test-seccomp-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** Writes the compiled program of `profile` to a file for the fixture. */
function programFile(profile: Seccomp): { file: string; flags: number } {
  const compiled = compiledFilter(profile);
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

/** The fixture under a filter that NOTIFYs getppid, sending its listener fd over a socket pair to us. */
function startNotifyFixture() {
  const { file, flags } = programFile({
    defaultAction: 'SCMP_ACT_ALLOW',
    listenerPath: '/unused/in/this/test',
    syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_NOTIFY' }],
  });
  const [ours, theirs] = native().streamPair();
  const child = spawn(FIXTURE, [file, String(flags), 'notify', '3', 'getppid'], { stdio: ['ignore', 'pipe', 'pipe', theirs] });
  fs.closeSync(theirs);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  return { child, ours, exited: once(child, 'exit'), stdout: () => out };
}

test('notify: the listener fd reaches Node, which receives the notification and answers it', { skip }, async () => {
  const { child, ours, exited, stdout } = startNotifyFixture();
  let listener = -1;
  try {
    const message = await untilReady(() => native().receiveFd(ours));
    assert.equal(message.data, 'seccompFd');
    listener = message.fd;
    const notification: SeccompNotification = await untilReady(() => testAddon().seccompNotifReceive(listener));
    assert.equal(notification.nr, libseccompResolver().syscall('getppid', 0));
    assert.equal(notification.args.length, 6);
    assert.ok(notification.pid > 0);
    assert.equal(testAddon().seccompNotifIdValid(listener, notification.id), true);
    testAddon().seccompNotifRespond(listener, notification.id, 4242n, 0, 0);
    assert.equal(testAddon().seccompNotifIdValid(listener, notification.id), false);
    const [code] = await exited;
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(stdout()), { ret: 4242 });
  } finally {
    killChild(child);
    fs.closeSync(ours);
    if (listener >= 0) fs.closeSync(listener);
  }
});

test('notify: an answer with an errno fails the syscall with it', { skip }, async () => {
  const { child, ours, exited, stdout } = startNotifyFixture();
  const { fd: listener } = await untilReady(() => native().receiveFd(ours));
  try {
    const n = await untilReady(() => testAddon().seccompNotifReceive(listener));
    testAddon().seccompNotifRespond(listener, n.id, 0n, 61, 0);
    await exited;
    assert.deepEqual(JSON.parse(stdout()), { errno: 61 });
  } finally {
    killChild(child);
    fs.closeSync(ours);
    fs.closeSync(listener);
  }
});


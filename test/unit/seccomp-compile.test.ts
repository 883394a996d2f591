/**
 * The ENOSYS prefix (on hand-written programs and on real libseccomp output,
 * run through a BPF interpreter for architectures this machine cannot
 * execute), compileSeccomp's errors and its cache. Needs libseccomp.so.2,
 * not root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { InvalidConfigError } from '../../lib/errors';
import type { Seccomp } from '../../lib/config/types';
import { clearSeccompCache, compileSeccomp, seccompCacheStats } from '../../lib/seccomp';
import { encodeProgram, decodeProgram } from '../../lib/seccomp/bpf';
import { AUDIT_ARCH_X86_64, SCMP_ARCH_X32, X32_SYSCALL_BIT, enosysPrefix, withEnosysPrefix } from '../../lib/seccomp/enosys';
import { archToken, libseccompResolver, libseccompVersion } from '../../lib/seccomp/library';
import { runSeccompProgram } from '../helpers/seccomp-bpf';

const ALLOW = 0x7fff0000;
const ERRNO = (e: number) => (0x00050000 | e) >>> 0;
const ENOSYS_RET = ERRNO(38);
const EPERM_RET = ERRNO(1);
const AUDIT_ARCH_I386 = 0x40000003;
const AUDIT_ARCH_AARCH64 = 0xc00000b7;

/** A stand-in for libseccomp's program, with a jump of its own: nr 7 -> ERRNO(7), else ALLOW. */
const MAIN = encodeProgram([
  { code: 0x20, jt: 0, jf: 0, k: 0 },
  { code: 0x15, jt: 0, jf: 1, k: 7 },
  { code: 0x06, jt: 0, jf: 0, k: ERRNO(7) },
  { code: 0x06, jt: 0, jf: 0, k: ALLOW },
]);

test('ENOSYS prefix: above the maximum -> ENOSYS, else the original program decides', () => {
  const program = withEnosysPrefix(MAIN, new Map([[AUDIT_ARCH_X86_64, 100], [AUDIT_ARCH_I386, 50]]));
  const run = (arch: number, nr: number) => runSeccompProgram(program, { arch, nr });
  assert.equal(run(AUDIT_ARCH_X86_64, 101), ENOSYS_RET);
  assert.equal(run(AUDIT_ARCH_X86_64, X32_SYSCALL_BIT - 1), ENOSYS_RET);
  assert.equal(run(AUDIT_ARCH_X86_64, 100), ALLOW);
  assert.equal(run(AUDIT_ARCH_X86_64, 7), ERRNO(7)); // the original jump still lands right
  assert.equal(run(AUDIT_ARCH_I386, 51), ENOSYS_RET);
  assert.equal(run(AUDIT_ARCH_I386, 50), ALLOW);
  assert.equal(run(AUDIT_ARCH_I386, 7), ERRNO(7));
  // An architecture without a block goes straight to the original program.
  assert.equal(run(AUDIT_ARCH_AARCH64, 4000), ALLOW);
  // x32 numbers are not compared with x86_64's maximum when no x32 syscall is named.
  assert.equal(run(AUDIT_ARCH_X86_64, X32_SYSCALL_BIT + 5), ALLOW);
  // The original program follows the prefix byte for byte.
  assert.deepEqual(program.subarray(program.length - MAIN.length), MAIN);
});

test('ENOSYS prefix: x32 syscalls arrive as x86_64 with the x32 bit and get their own maximum', () => {
  const program = withEnosysPrefix(MAIN, new Map([[AUDIT_ARCH_X86_64, 300], [SCMP_ARCH_X32, X32_SYSCALL_BIT + 200]]));
  const run = (nr: number) => runSeccompProgram(program, { arch: AUDIT_ARCH_X86_64, nr });
  assert.equal(run(X32_SYSCALL_BIT + 200), ALLOW);
  assert.equal(run(X32_SYSCALL_BIT + 201), ENOSYS_RET);
  assert.equal(run(250), ALLOW);
  assert.equal(run(301), ENOSYS_RET);
  // Only x32 named: native numbers go to the original program.
  const x32only = withEnosysPrefix(MAIN, new Map([[SCMP_ARCH_X32, X32_SYSCALL_BIT + 10]]));
  assert.equal(runSeccompProgram(x32only, { arch: AUDIT_ARCH_X86_64, nr: 500 }), ALLOW);
  assert.equal(runSeccompProgram(x32only, { arch: AUDIT_ARCH_X86_64, nr: X32_SYSCALL_BIT + 11 }), ENOSYS_RET);
});

test('ENOSYS prefix: nothing named, nothing added; every jump in range and forward', () => {
  assert.equal(withEnosysPrefix(MAIN, new Map()), MAIN);
  const many = new Map<number, number>();
  for (let i = 0; i < 30; i++) many.set(0x40000000 + i, 400 + i);
  const prefix = enosysPrefix(many);
  prefix.forEach((ins, i) => {
    if (ins.code === 0x05) assert.ok(i + 1 + ins.k <= prefix.length, `ja at ${i} lands inside the program`);
    else assert.ok(i + 1 + Math.max(ins.jt, ins.jf) <= prefix.length, `jump at ${i} stays in the prefix or lands on the main program`);
  });
  const program = withEnosysPrefix(MAIN, many);
  assert.equal(runSeccompProgram(program, { arch: 0x40000000 + 29, nr: 429 }), ALLOW);
  assert.equal(runSeccompProgram(program, { arch: 0x40000000 + 29, nr: 430 }), ENOSYS_RET);
  assert.deepEqual(decodeProgram(program).slice(prefix.length), decodeProgram(MAIN));
});

/** An allow-list of three architectures, named syscalls up to io_uring_setup (425). */
function allowList(): Seccomp {
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_AARCH64'],
    syscalls: [
      { names: ['read', 'write', 'getpid', 'io_uring_setup', 'kapsel_no_such_syscall'], action: 'SCMP_ACT_ALLOW' },
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
    ],
  };
}

test('real programs: ENOSYS above the profile on every compiled architecture, the default below', () => {
  const { program, summary } = compileSeccomp(allowList());
  assert.equal(summary.enosys, true);
  assert.deepEqual(summary.skipped, ['kapsel_no_such_syscall']);
  assert.deepEqual(summary.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64']);
  const resolve = libseccompResolver();
  for (const [arch, token] of [['x86_64', AUDIT_ARCH_X86_64], ['x86', AUDIT_ARCH_I386], ['aarch64', AUDIT_ARCH_AARCH64]] as const) {
    assert.equal(archToken(arch), token);
    const nr = (name: string) => resolve.syscall(name, token);
    const run = (name: string, args: bigint[] = []) => runSeccompProgram(program, { arch: token, nr: nr(name), args });
    assert.equal(run('getpid'), ALLOW, arch);
    assert.equal(run('io_uring_setup'), ALLOW, arch);
    assert.equal(run('clone3'), ENOSYS_RET, `${arch}: clone3 is newer than the profile`);
    assert.equal(run('openat2'), ENOSYS_RET, arch);
    assert.equal(run('mount'), EPERM_RET, `${arch}: an older unnamed syscall gets the default`);
    assert.equal(run('personality', [8n]), ALLOW, arch);
    assert.equal(run('personality', [0n]), EPERM_RET, arch);
  }
  // An architecture outside the filter: libseccomp's bad-arch action (kill), not ENOSYS.
  assert.equal(runSeccompProgram(program, { arch: 0xc00000f3, nr: 999 }), 0);
});

test('real programs: no ENOSYS prefix under an allowing default', () => {
  const { program, summary } = compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ERRNO', errnoRet: 42 }] });
  assert.equal(summary.enosys, false);
  assert.equal(runSeccompProgram(program, { arch: AUDIT_ARCH_X86_64, nr: 435 }), ALLOW);
  assert.equal(runSeccompProgram(program, { arch: AUDIT_ARCH_X86_64, nr: 110 }), ERRNO(42));
});

test('compile errors name the field: an architecture libseccomp lacks', () => {
  const v = libseccompVersion();
  if (v.major === 2 && v.minor < 6) {
    assert.throws(
      () => compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_LOONGARCH64'] }),
      (err: unknown) => err instanceof InvalidConfigError && err.jsonPath === '/linux/seccomp/architectures/1' && /not supported by libseccomp 2\./.test(err.problem),
    );
  }
  // A bad profile is validateConfig's to refuse, once (seccomp-validate.test.ts): the compiler takes a valid one.
});

test('cache: one compile per profile content, each caller gets its own buffer', () => {
  clearSeccompCache();
  const debug: string[] = [];
  const logger = { warn() {}, debug: (m: string) => debug.push(m) };
  const first = compileSeccomp(allowList(), { logger });
  const second = compileSeccomp(allowList(), { logger });
  assert.deepEqual(seccompCacheStats(), { entries: 1, hits: 1, diskHits: 0, compiles: 1 });
  assert.deepEqual(first.program, second.program);
  assert.notEqual(first.program, second.program);
  first.program.fill(0);
  assert.notDeepEqual(compileSeccomp(allowList()).program, first.program);
  // Skipped names are logged on every use, cached or not.
  assert.deepEqual(debug, [
    'seccomp: skipping syscall kapsel_no_such_syscall: unknown to libseccomp on this machine',
    'seccomp: skipping syscall kapsel_no_such_syscall: unknown to libseccomp on this machine',
  ]);
  const changed = allowList();
  changed.defaultErrnoRet = 13;
  compileSeccomp(changed);
  assert.deepEqual(seccompCacheStats(), { entries: 2, hits: 2, diskHits: 0, compiles: 2 });
});

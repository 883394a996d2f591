/**
 * validateSeccomp: every bad field of `linux.seccomp` is an
 * InvalidConfigError naming its JSON path; valid profiles pass untouched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { InvalidConfigError } from '../../lib/errors';
import { validateSeccomp } from '../../lib/config/seccomp/validate';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function profile(): Json {
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_AARCH64'],
    flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'],
    syscalls: [
      { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
      { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
      { names: ['chmod'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
      { names: ['ptrace'], action: 'SCMP_ACT_TRACE', errnoRet: 1 },
    ],
  };
}

/** `mutate` changes a valid profile in place (its return value is ignored). */
function invalid(mutate: (s: Json) => unknown, jsonPath: string, problem: RegExp): void {
  const s = profile();
  mutate(s);
  invalidValue(s, jsonPath, problem);
}

function invalidValue(value: unknown, jsonPath: string, problem: RegExp): void {
  assert.throws(
    () => validateSeccomp(value, '/linux/seccomp'),
    (err: unknown) => {
      assert.ok(err instanceof InvalidConfigError, `expected InvalidConfigError, got ${String(err)}`);
      assert.equal(err.jsonPath, jsonPath);
      assert.match(err.problem, problem);
      return true;
    },
  );
}

test('a full valid profile passes, and so does a minimal one', () => {
  validateSeccomp(profile());
  validateSeccomp({ defaultAction: 'SCMP_ACT_ALLOW' });
  const notify = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/agent.sock', listenerMetadata: 'm', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_NOTIFY' }] };
  validateSeccomp(notify);
  // listenerPath without a NOTIFY rule is ignored (config-linux.md), not refused.
  validateSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/agent.sock' });
  // Every action, architecture, operator and flag of the spec is accepted.
  for (const action of ['SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG']) {
    validateSeccomp({ defaultAction: action, syscalls: [{ names: ['getpid'], action }] });
  }
  for (const op of ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ']) {
    validateSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['dup'], action: 'SCMP_ACT_ERRNO', args: [{ index: 5, value: 0, op }] }] });
  }
  validateSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_LOONGARCH64', 'SCMP_ARCH_SHEB', 'SCMP_ARCH_RISCV64'] });
  validateSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] });
  // 2^64-1 as a bigint (library callers) and the largest exact JSON number.
  validateSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['dup'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: (1n << 64n) - 1n as unknown as number, op: 'SCMP_CMP_EQ' }] }] });
});

test('each bad field is refused with its JSON path', () => {
  invalidValue('SCMP_ACT_ALLOW', '/linux/seccomp', /must be an object/);
  invalidValue(null, '/linux/seccomp', /must be an object/);
  invalid((s) => delete s.defaultAction, '/linux/seccomp/defaultAction', /is required/);
  invalid((s) => (s.defaultAction = 'SCMP_ACT_DENY'), '/linux/seccomp/defaultAction', /unknown action "SCMP_ACT_DENY"/);
  invalid((s) => (s.defaultAction = 'SCMP_ACT_NOTIFY'), '/linux/seccomp/defaultAction', /cannot be the default action/);
  invalid((s) => (s.defaultErrnoRet = -1), '/linux/seccomp/defaultErrnoRet', /integer from 0 to 65535/);
  invalid((s) => (s.defaultErrnoRet = 70000), '/linux/seccomp/defaultErrnoRet', /integer from 0 to 65535/);
  invalid((s) => (s.defaultErrnoRet = 1.5), '/linux/seccomp/defaultErrnoRet', /integer/);
  invalid((s) => Object.assign(s, { defaultAction: 'SCMP_ACT_KILL' }), '/linux/seccomp/defaultErrnoRet', /only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not SCMP_ACT_KILL/);
  invalid((s) => (s.architectures = 'SCMP_ARCH_X86_64'), '/linux/seccomp/architectures', /must be an array/);
  invalid((s) => s.architectures.push('SCMP_ARCH_VAX'), '/linux/seccomp/architectures/3', /unknown architecture "SCMP_ARCH_VAX"/);
  invalid((s) => (s.flags[1] = 'SECCOMP_FILTER_FLAG_NEW_LISTENER'), '/linux/seccomp/flags/1', /unknown flag/);
  invalid((s) => (s.listenerPath = ''), '/linux/seccomp/listenerPath', /non-empty string/);
  invalid((s) => (s.listenerPath = '/run/a\0b'), '/linux/seccomp/listenerPath', /NUL/);
  invalid((s) => (s.listenerMetadata = 'x'), '/linux/seccomp/listenerMetadata', /must not be set without listenerPath/);
  invalid((s) => (s.syscalls = {}), '/linux/seccomp/syscalls', /must be an array/);
  invalid((s) => (s.syscalls[2] = 'clone'), '/linux/seccomp/syscalls/2', /must be an object/);
  invalid((s) => delete s.syscalls[0].names, '/linux/seccomp/syscalls/0/names', /is required/);
  invalid((s) => (s.syscalls[0].names = []), '/linux/seccomp/syscalls/0/names', /at least one entry/);
  invalid((s) => (s.syscalls[0].names[1] = 7), '/linux/seccomp/syscalls/0/names/1', /non-empty string/);
  invalid((s) => delete s.syscalls[1].action, '/linux/seccomp/syscalls/1/action', /is required/);
  invalid((s) => (s.syscalls[1].action = 'SCMP_ACT_MAYBE'), '/linux/seccomp/syscalls/1/action', /unknown action "SCMP_ACT_MAYBE"/);
  invalid((s) => (s.syscalls[0].errnoRet = 1), '/linux/seccomp/syscalls/0/errnoRet', /only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not SCMP_ACT_ALLOW/);
  invalid((s) => (s.syscalls[3].errnoRet = 65536), '/linux/seccomp/syscalls/3/errnoRet', /integer from 0 to 65535/);
  invalid((s) => (s.syscalls[1].args = {}), '/linux/seccomp/syscalls/1/args', /must be an array/);
  invalid((s) => (s.syscalls[1].args[0] = 3), '/linux/seccomp/syscalls/1/args/0', /must be an object/);
  invalid((s) => delete s.syscalls[1].args[0].index, '/linux/seccomp/syscalls/1/args/0/index', /is required/);
  invalid((s) => (s.syscalls[1].args[0].index = 6), '/linux/seccomp/syscalls/1/args/0/index', /from 0 to 5/);
  invalid((s) => (s.syscalls[1].args[0].index = -1), '/linux/seccomp/syscalls/1/args/0/index', /from 0 to 5/);
  invalid((s) => delete s.syscalls[1].args[0].value, '/linux/seccomp/syscalls/1/args/0/value', /is required/);
  invalid((s) => (s.syscalls[1].args[0].value = -1), '/linux/seccomp/syscalls/1/args/0/value', /0 to 2\^64-1/);
  invalid((s) => (s.syscalls[1].args[0].value = '8'), '/linux/seccomp/syscalls/1/args/0/value', /0 to 2\^64-1/);
  invalid((s) => (s.syscalls[2].args[0].valueTwo = 0.5), '/linux/seccomp/syscalls/2/args/0/valueTwo', /0 to 2\^64-1/);
  invalid((s) => delete s.syscalls[1].args[0].op, '/linux/seccomp/syscalls/1/args/0/op', /is required/);
  invalid((s) => (s.syscalls[1].args[0].op = 'SCMP_CMP_MATCHES'), '/linux/seccomp/syscalls/1/args/0/op', /unknown operator "SCMP_CMP_MATCHES"/);
});

test('SCMP_ACT_NOTIFY needs listenerPath; the path names the field and the rule', () => {
  invalid(
    (s) => s.syscalls.push({ names: ['mount'], action: 'SCMP_ACT_NOTIFY' }),
    '/linux/seccomp/listenerPath',
    /required when SCMP_ACT_NOTIFY is used \(\/linux\/seccomp\/syscalls\/5\/action\)/,
  );
});

test('the base path is the caller\'s', () => {
  assert.throws(
    () => validateSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['x'], action: 'SCMP_ACT_ALLOW', args: [{ index: 9, value: 0, op: 'SCMP_CMP_EQ' }] }] }, '/seccomp'),
    (err: unknown) => err instanceof InvalidConfigError && err.jsonPath === '/seccomp/syscalls/0/args/0/index',
  );
});

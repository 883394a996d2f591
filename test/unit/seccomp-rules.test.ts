/**
 * Normalization (defaults, canonical order, the cache hash) and the rule set
 * built from a profile, with a fake syscall table instead of libseccomp.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import type { Seccomp } from '../../lib/config/types';
import { normalizeSeccomp, profileHash, usesNotify } from '../../lib/config/seccomp/normalize';
import { actionValue } from '../../lib/config/seccomp/names';
import { argumentSets, buildRuleSet, defaultAllows, maxNamedSyscalls, type SyscallResolver } from '../../lib/seccomp/rules';

const ARCH_A = 0xc000003e;
const ARCH_B = 0x40000003;

/** A syscall table of two architectures; "otherarch" exists only on B; "nosuch" nowhere. */
const TABLE: Record<string, [number, number, number]> = {
  // name: [rule number (arch 0), on A, on B]
  read: [0, 0, 3],
  write: [1, 1, 4],
  personality: [135, 135, 136],
  clone: [56, 56, 120],
  openat2: [437, 437, 437],
  otherarch: [-10101, -10101, 102],
};
const resolver: SyscallResolver = {
  syscall(name, arch) {
    const row = TABLE[name];
    if (!row) return -1;
    return arch === 0 ? row[0] : arch === ARCH_A ? row[1] : arch === ARCH_B ? row[2] : -1;
  },
};

test('normalize: errno defaults to EPERM only for ERRNO and TRACE; lists sorted and unique; values bigint', () => {
  const p = normalizeSeccomp({
    defaultAction: 'SCMP_ACT_ERRNO',
    architectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
    flags: ['SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_LOG'],
    listenerPath: '/ignored/by/the/hash',
    syscalls: [
      { names: ['read'], action: 'SCMP_ACT_ALLOW' },
      { names: ['ptrace'], action: 'SCMP_ACT_TRACE' },
      { names: ['chmod'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args: [{ index: 1, value: 4, op: 'SCMP_CMP_MASKED_EQ' }] },
    ],
  });
  assert.equal(p.defaultErrnoRet, 1);
  assert.deepEqual(p.architectures, ['SCMP_ARCH_X86', 'SCMP_ARCH_X86_64']);
  assert.deepEqual(p.flags, ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW']);
  assert.equal('errnoRet' in p.syscalls[0], false);
  assert.equal(p.syscalls[1].errnoRet, 1);
  assert.equal(p.syscalls[2].errnoRet, 13);
  assert.deepEqual(p.syscalls[2].args, [{ index: 1, op: 'SCMP_CMP_MASKED_EQ', value: 4n, valueTwo: 0n }]);
  assert.equal('listenerPath' in p, false);
  assert.equal(normalizeSeccomp({ defaultAction: 'SCMP_ACT_KILL' }).defaultErrnoRet, undefined);
});

test('normalize: 2^64-1 read from JSON (the double 2^64) is 2^64-1 again', () => {
  const parsed = JSON.parse('{"index":0,"value":18446744073709551615,"valueTwo":18446744073709551615,"op":"SCMP_CMP_MASKED_EQ"}');
  const p = normalizeSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['dup'], action: 'SCMP_ACT_ERRNO', args: [parsed] }] });
  assert.equal(p.syscalls[0].args[0].value, 0xffffffffffffffffn);
  assert.equal(p.syscalls[0].args[0].valueTwo, 0xffffffffffffffffn);
});

test('hash: equal for profiles that compile the same, different otherwise', () => {
  const a: Seccomp = { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X86_64'], syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] };
  const b: Seccomp = { defaultErrnoRet: 1, architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'], defaultAction: 'SCMP_ACT_ERRNO', listenerMetadata: 'x', syscalls: [{ action: 'SCMP_ACT_ALLOW', names: ['read'], args: [] }] };
  const hash = (s: Seccomp) => profileHash(normalizeSeccomp(s));
  assert.match(hash(a), /^[0-9a-f]{64}$/);
  assert.equal(hash(a), hash(b));
  assert.notEqual(hash(a), hash({ ...a, defaultErrnoRet: 38 }));
  assert.notEqual(hash(a), hash({ ...a, syscalls: [{ names: ['write'], action: 'SCMP_ACT_ALLOW' }] }));
  assert.notEqual(hash(a), hash({ ...a, syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] }] }));
  assert.notEqual(hash(a), hash({ ...a, flags: ['SECCOMP_FILTER_FLAG_LOG'] }));
});

test('usesNotify', () => {
  assert.equal(usesNotify(normalizeSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_NOTIFY' }] })), true);
  assert.equal(usesNotify(normalizeSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_ERRNO' }] })), false);
});

test('action values: ERRNO and TRACE carry the errno in the low 16 bits', () => {
  assert.equal(actionValue('SCMP_ACT_ERRNO'), 0x00050001);
  assert.equal(actionValue('SCMP_ACT_ERRNO', 38), 0x00050026);
  assert.equal(actionValue('SCMP_ACT_TRACE', 2), 0x7ff00002);
  assert.equal(actionValue('SCMP_ACT_KILL_PROCESS'), 0x80000000);
  assert.equal(actionValue('SCMP_ACT_KILL'), actionValue('SCMP_ACT_KILL_THREAD'));
  assert.equal(actionValue('SCMP_ACT_ALLOW', 5), 0x7fff0000);
});

test('argument sets: different arguments AND together, repeated ones are alternatives', () => {
  const arg = (index: number, value: bigint, op: 'SCMP_CMP_EQ' | 'SCMP_CMP_MASKED_EQ' = 'SCMP_CMP_EQ') => ({ index, op, value, valueTwo: 0n });
  assert.deepEqual(argumentSets([]), [[]]);
  assert.deepEqual(argumentSets([arg(0, 1n), arg(2, 3n)]), [[
    { index: 0, op: 4, value: 1n, valueTwo: 0n },
    { index: 2, op: 4, value: 3n, valueTwo: 0n },
  ]]);
  assert.deepEqual(argumentSets([arg(0, 1n), arg(0, 8n, 'SCMP_CMP_MASKED_EQ')]), [
    [{ index: 0, op: 4, value: 1n, valueTwo: 0n }],
    [{ index: 0, op: 7, value: 8n, valueTwo: 0n }],
  ]);
});

test('rule set: unknown names skipped once, rules with the default action dropped, sources kept', () => {
  const profile = normalizeSeccomp({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      { names: ['read', 'nosuch', 'write'], action: 'SCMP_ACT_ALLOW' },
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }, { index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
      { names: ['clone', 'nosuch'], action: 'SCMP_ACT_ERRNO' },
      { names: ['otherarch'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
    ],
  });
  const set = buildRuleSet(profile, resolver);
  assert.equal(set.defaultAction, 0x00050001);
  assert.deepEqual(set.skipped, ['nosuch']);
  assert.deepEqual(set.actionCounts, { SCMP_ACT_ALLOW: 3, SCMP_ACT_ERRNO: 2 });
  assert.deepEqual(
    set.rules.map((r) => [r.syscall, r.action.toString(16), r.args.map((a) => a.value)]),
    [
      [0, '7fff0000', []],
      [1, '7fff0000', []],
      [135, '7fff0000', [0n]],
      [135, '7fff0000', [8n]],
      // clone with ERRNO(EPERM) is the default: no rule.
      [-10101, '50026', []],
    ],
  );
  assert.deepEqual(set.sources, [0, 0, 1, 1, 3]);
});

test('max named syscall per architecture counts every named syscall, whatever its action', () => {
  const profile = normalizeSeccomp({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      { names: ['read', 'personality'], action: 'SCMP_ACT_ALLOW' },
      { names: ['otherarch', 'nosuch'], action: 'SCMP_ACT_ERRNO' },
    ],
  });
  assert.deepEqual([...maxNamedSyscalls(profile, [ARCH_A, ARCH_B, 0x1234], resolver)], [[ARCH_A, 135], [ARCH_B, 136]]);
  assert.equal(defaultAllows('SCMP_ACT_ALLOW'), true);
  assert.equal(defaultAllows('SCMP_ACT_LOG'), true);
  assert.equal(defaultAllows('SCMP_ACT_ERRNO'), false);
  assert.equal(defaultAllows('SCMP_ACT_KILL_PROCESS'), false);
});

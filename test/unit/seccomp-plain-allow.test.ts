/**
 * Whether a profile plainly allows the syscalls of the init's memory
 * release before the wait (lib/seccomp/plain-allow.ts), and the seccomp
 * step that carries the answer (lib/plan/seccomp.ts). Needs libseccomp.so.2
 * for the plan tests, not root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { defaultSpec, validateConfig } from '../../lib/config';
import type { Seccomp } from '../../lib/config/types';
import { normalizeSeccomp } from '../../lib/config/seccomp/normalize';
import { allowsPlainly } from '../../lib/config/seccomp/plain-allow';
import { IDLE_RELEASE_SYSCALLS, seccompPlan } from '../../lib/plan/seccomp';
import { podmanSizedProfile } from '../helpers/seccomp-profiles';

const MADV_DONTNEED = 4;

function allowsRelease(profile: Seccomp): boolean {
  return allowsPlainly(normalizeSeccomp(profile), IDLE_RELEASE_SYSCALLS);
}

/** podman's profile with `extra` rules appended (madvise taken out of its allow-list first with `dropMadvise`). */
function podmanWith(extra: Seccomp['syscalls'], dropMadvise = false): Seccomp {
  const profile = podmanSizedProfile();
  const rules = profile.syscalls!;
  if (dropMadvise) rules[0] = { ...rules[0], names: rules[0].names.filter((name) => name !== 'madvise') };
  rules.push(...(extra ?? []));
  return profile;
}

test('the release syscalls are the ones idle_memory.cc and malloc_trim make', () => {
  assert.deepEqual([...IDLE_RELEASE_SYSCALLS].sort(), ['brk', 'madvise', 'munmap', 'openat']);
});

test('default allow without rules on the release syscalls: allowed', () => {
  assert.equal(allowsRelease({ defaultAction: 'SCMP_ACT_ALLOW' }), true);
  assert.equal(allowsRelease({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'ptrace'], action: 'SCMP_ACT_ERRNO' }] }), true);
});

test('a podman-sized allow-list naming madvise, brk, munmap and openat: allowed', () => {
  const profile = podmanSizedProfile();
  for (const name of IDLE_RELEASE_SYSCALLS) assert.ok(profile.syscalls![0].names.includes(name), name);
  assert.equal(allowsRelease(profile), true);
});

test('an allow-list without madvise (the default action errnos it): not allowed', () => {
  assert.equal(allowsRelease(podmanWith([], true)), false);
  assert.equal(allowsRelease({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['brk', 'munmap', 'openat'], action: 'SCMP_ACT_ALLOW' }] }), false);
});

test('a rule that errnos, kills, traps, traces, logs or notifies madvise: not allowed', () => {
  const actions = ['SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP', 'SCMP_ACT_TRACE', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY'];
  for (const action of actions) {
    assert.equal(allowsRelease({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['madvise'], action }] }), false, action);
    // Also next to an unconditional allow of it elsewhere in the list.
    assert.equal(allowsRelease(podmanWith([{ names: ['madvise'], action }])), false, `podman + ${action}`);
  }
});

test('notify on madvise in a podman-sized profile: not allowed', () => {
  assert.equal(allowsRelease(podmanWith([{ names: ['madvise'], action: 'SCMP_ACT_NOTIFY' }], true)), false);
});

test('an argument rule on madvise, even one that matches MADV_DONTNEED: not allowed', () => {
  const onlyDontneed = { names: ['madvise'], action: 'SCMP_ACT_ALLOW', args: [{ index: 2, value: MADV_DONTNEED, op: 'SCMP_CMP_EQ' }] };
  assert.equal(allowsRelease(podmanWith([onlyDontneed], true)), false);
  assert.equal(allowsRelease(podmanWith([onlyDontneed])), false);
  const errnoOthers = { names: ['madvise'], action: 'SCMP_ACT_ERRNO', args: [{ index: 2, value: MADV_DONTNEED, op: 'SCMP_CMP_NE' }] };
  assert.equal(allowsRelease({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [errnoOthers] }), false);
});

test('a default action other than allow leaves unnamed release syscalls not allowed', () => {
  for (const defaultAction of ['SCMP_ACT_LOG', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_TRAP', 'SCMP_ACT_TRACE']) {
    assert.equal(allowsRelease({ defaultAction }), false, defaultAction);
  }
});

test('brk, munmap and openat count as much as madvise', () => {
  for (const name of ['brk', 'munmap', 'openat']) {
    assert.equal(allowsRelease({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [name], action: 'SCMP_ACT_KILL' }] }), false, name);
  }
});

test('the seccomp step carries the answer, wherever the filter goes', () => {
  const plan = (profile: Seccomp, noNewPrivileges: boolean) => {
    const spec = defaultSpec({ rootless: false });
    spec.process!.noNewPrivileges = noNewPrivileges;
    spec.linux!.seccomp = profile;
    return seccompPlan(validateConfig(spec), 5)!;
  };
  const podman = plan(podmanSizedProfile(), false);
  assert.equal(podman.placement, 'before-credentials');
  assert.equal(podman.step.allowsIdleRelease, true);
  assert.equal(plan(podmanSizedProfile(), true).step.allowsIdleRelease, true);
  const killsMadvise = plan(podmanWith([{ names: ['madvise'], action: 'SCMP_ACT_KILL_PROCESS' }], true), false);
  assert.equal(killsMadvise.step.allowsIdleRelease, false);
  const notifies = plan({ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/agent.sock', syscalls: [{ names: ['madvise'], action: 'SCMP_ACT_NOTIFY' }] }, true);
  assert.equal(notifies.placement, 'before-wait-start');
  assert.equal(notifies.step.allowsIdleRelease, false);
});

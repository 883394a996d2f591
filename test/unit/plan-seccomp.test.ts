// linux.seccomp in the plan, without libseccomp: the program comes from an
// injected compiler (here a fake), and the plan decides the rest from the
// profile and the host's facts (HostFacts.seccomp): the seccomp(2) flags, a
// flag or action this kernel lacks, the listener, the placement. Without a
// compiler the step shows the normalized profile where the filter goes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSpec, validateConfig } from '../../lib/config';
import type { Seccomp, Spec } from '../../lib/config/types';
import { InvalidConfigError } from '../../lib/errors';
import { compilePlan } from '../../lib/plan/compile';
import { seccompFilter, type CompiledSeccomp, type SeccompCompiler, type SeccompProfile } from '../../lib/plan/seccomp';
import type { SeccompFacts } from '../../lib/plan/plan-facts';
import { compilePrograms } from '../../lib/container/planning';
import { fakeFacts } from '../helpers/facts';

const ALL_FLAGS: SeccompFacts['flags'] = ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'];
const ALL_ACTIONS: SeccompFacts['actions'] = ['SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY'];
const HOST: SeccompFacts = { libseccomp: '2.5.4', flags: ALL_FLAGS, actions: ALL_ACTIONS };

/** A compiler that records what it was given and returns made-up bytes. */
function fakeCompiler(): { compile: SeccompCompiler; seen: Array<{ profile: SeccompProfile; basePath?: string }> } {
  const seen: Array<{ profile: SeccompProfile; basePath?: string }> = [];
  const compile: SeccompCompiler = (profile, options) => {
    seen.push({ profile, basePath: options.basePath });
    return { program: Uint8Array.from([6, 0, 0, 0, 0, 0, 0xff, 0x7f]), summary: { defaultAction: 'SCMP_ACT_ALLOW', instructions: 1, actions: {}, architectures: [], skipped: [], enosys: false, hash: 'fake' } };
  };
  return { compile, seen };
}

function spec(profile: Seccomp, noNewPrivileges = true): Spec {
  const s = defaultSpec({ rootless: false, cgroupNamespace: false });
  s.process!.noNewPrivileges = noNewPrivileges;
  s.linux!.seccomp = profile;
  return s;
}

const filter = (profile: Seccomp, host: SeccompFacts | undefined = HOST, compiled?: CompiledSeccomp) =>
  seccompFilter(validateConfig(spec(profile)).linux!.seccomp!, compiled, host);

test('flags: seccomp(2) bits; TSYNC accepted and not passed on; WAIT_KILLABLE_RECV only with a listener', () => {
  const flags = (f: string[], notify = false) =>
    filter({
      defaultAction: 'SCMP_ACT_ALLOW',
      flags: f,
      ...(notify ? { listenerPath: '/run/agent.sock', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_NOTIFY' }] } : {}),
    }).flags;
  assert.equal(flags([]), 0);
  assert.equal(flags(['SECCOMP_FILTER_FLAG_LOG']), 2);
  assert.equal(flags(['SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_LOG']), 6);
  assert.equal(flags(['SECCOMP_FILTER_FLAG_TSYNC']), 0);
  assert.equal(flags(['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV']), 0);
  assert.equal(flags(['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'], true), 32);
});

test('a flag or an action the host\'s kernel lacks is refused, naming the field; hand-made facts without seccomp check nothing', () => {
  const old: SeccompFacts = { flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG'], actions: ALL_ACTIONS.filter((a) => a !== 'SCMP_ACT_KILL_PROCESS') };
  assert.throws(
    () => filter({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'] }, old),
    (e: unknown) => e instanceof InvalidConfigError && e.jsonPath === '/linux/seccomp/flags/1' && /SPEC_ALLOW is not supported by this kernel/.test(e.problem),
  );
  assert.throws(
    () => filter({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ERRNO' }, { names: ['ptrace'], action: 'SCMP_ACT_KILL_PROCESS' }] }, old),
    (e: unknown) => e instanceof InvalidConfigError && e.jsonPath === '/linux/seccomp/syscalls/1/action',
  );
  assert.throws(() => filter({ defaultAction: 'SCMP_ACT_KILL_PROCESS' }, old), (e: unknown) => e instanceof InvalidConfigError && e.jsonPath === '/linux/seccomp/defaultAction');
  assert.equal(filter({ defaultAction: 'SCMP_ACT_KILL_PROCESS', flags: ['SECCOMP_FILTER_FLAG_SPEC_ALLOW'] }, undefined).flags, 4);
});

test('the listener comes from the profile only when NOTIFY is used', () => {
  const notify = filter({ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/a.sock', listenerMetadata: 'meta', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_NOTIFY' }] });
  assert.deepEqual(notify.listener, { path: '/run/a.sock', metadata: 'meta' });
  const plain = filter({ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/a.sock', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_ERRNO' }] });
  assert.equal(plain.listener, undefined);
});

test('the injected compiler gets the validated profile once, before compilePlan, and its program is the step\'s', () => {
  const valid = validateConfig(spec({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' }] }));
  const { compile, seen } = fakeCompiler();
  const programs = compilePrograms(valid, compile);
  assert.deepEqual(seen.map((s) => s.basePath), ['/linux/seccomp']);
  assert.equal(seen[0]!.profile, valid.linux!.seccomp);
  const plan = compilePlan(valid, { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts({ seccomp: HOST }), programs);
  assert.equal(seen.length, 1, 'compilePlan compiles nothing itself');
  const step = plan.steps.find((s) => s.op === 'seccomp');
  assert.ok(step && step.op === 'seccomp');
  assert.deepEqual([...step.program], [6, 0, 0, 0, 0, 0, 0xff, 0x7f]);
  assert.equal(step.summary?.hash, 'fake');
  assert.equal(step.profile, undefined);
  assert.deepEqual(compilePrograms(validateConfig(defaultSpec({ rootless: false, cgroupNamespace: false })), compile), {}, 'no profile, nothing compiled');
});

test('without a compiled program the step shows the normalized profile where the filter goes, and JSON can hold it', () => {
  for (const noNewPrivileges of [true, false]) {
    const valid = validateConfig(spec({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 18446744073709551615, op: 'SCMP_CMP_NE' }] }] }, noNewPrivileges));
    const plan = compilePlan(valid, { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts());
    const ops = plan.steps.map((s) => s.op);
    const step = plan.steps.find((s) => s.op === 'seccomp');
    assert.ok(step && step.op === 'seccomp');
    assert.equal(step.program.byteLength, 0);
    assert.equal(step.summary, undefined);
    assert.deepEqual(JSON.parse(JSON.stringify(step.profile)), {
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: [],
      flags: [],
      syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, op: 'SCMP_CMP_NE', value: '18446744073709551615', valueTwo: '0' }], errnoRet: 1 }],
    });
    // Placed as a compiled one would be: right before the execve with no_new_privs, before the credential change without.
    if (noNewPrivileges) assert.deepEqual(ops.slice(-2), ['seccomp', 'exec']);
    else assert.ok(ops.indexOf('seccomp') < ops.indexOf('setresuid'), ops.join(' '));
  }
});

/**
 * Capabilities the runtime cannot grant (outside its own bounding set) are
 * left out of the plan with a warning, not passed to capset where they
 * fail create (config.md, Linux Process: "Runtimes SHOULD NOT fail if the
 * container configuration requests capabilities that cannot be granted").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSpec } from '../../lib/config/default-spec';
import { validateConfig } from '../../lib/config/validate';
import { compilePlan } from '../../lib/plan/compile';
import { compileExecPlan } from '../../lib/plan/exec-plan';
import { NO_CAPABILITIES } from '../../lib/plan/process';
import { NO_LSM } from '../../lib/plan/labels';
import type { Step } from '../../lib/plan/steps';
import { fakeFacts } from '../helpers/facts';

const CAP_SYS_MODULE = 16n;
const CAP_KILL = 5n;
/** Every capability up to CAP_CHECKPOINT_RESTORE (40) but CAP_SYS_MODULE. */
const WITHOUT_SYS_MODULE = (((1n << 41n) - 1n) & ~(1n << CAP_SYS_MODULE)).toString(16);

function withSysModule() {
  const spec = defaultSpec({ rootless: false });
  const caps = spec.process!.capabilities!;
  for (const set of ['bounding', 'effective', 'permitted'] as const) caps[set] = [...(caps[set] ?? []), 'CAP_SYS_MODULE'];
  return validateConfig(spec);
}

function op<O extends Step['op']>(steps: readonly Step[], name: O): Extract<Step, { op: O }> {
  const step = steps.find((s) => s.op === name);
  assert.ok(step, `the plan has a ${name} step`);
  return step as Extract<Step, { op: O }>;
}

const has = (mask: string, bit: bigint): boolean => (BigInt(mask) & (1n << bit)) !== 0n;

test('create: a capability outside the runtime\'s bounding set is left out of every set, with one warning naming it', () => {
  const plan = compilePlan(withSysModule(), { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts({ runtimeBoundingSet: WITHOUT_SYS_MODULE }));
  const capset = op(plan.steps, 'capset');
  assert.equal(has(op(plan.steps, 'bounding').keep, CAP_SYS_MODULE), false);
  assert.equal(has(capset.permitted, CAP_SYS_MODULE), false);
  assert.equal(has(capset.effective, CAP_SYS_MODULE), false);
  // What it can grant stays.
  assert.equal(has(capset.effective, CAP_KILL), true);
  const warnings = plan.warnings.filter((w) => w.includes('CAP_SYS_MODULE'));
  assert.equal(warnings.length, 1, plan.warnings.join('\n'));
  assert.match(warnings[0], /^\/process\/capabilities: CAP_SYS_MODULE cannot be granted: not in the runtime's own bounding set/);
});

test('create: a runtime whose bounding set holds them all, or unknown facts, grants as configured and warns of nothing', () => {
  for (const facts of [fakeFacts(), fakeFacts({ runtimeBoundingSet: ((1n << 41n) - 1n).toString(16) })]) {
    const plan = compilePlan(withSysModule(), { bundle: '/b', rootfs: '/b/rootfs' }, facts);
    assert.equal(has(op(plan.steps, 'capset').permitted, CAP_SYS_MODULE), true);
    assert.deepEqual(plan.warnings.filter((w) => w.includes('capabilities')), []);
  }
});

test('exec: the same rule for an exec\'d process, named by its own JSON path', () => {
  const process = { ...withSysModule().process!, capabilities: { ...NO_CAPABILITIES, permitted: ['CAP_SYS_MODULE', 'CAP_KILL'], effective: ['CAP_SYS_MODULE'] } };
  const plan = compileExecPlan(process, {
    initPidfd: 99,
    namespaces: 0,
    container: { process },
    image: { passwd: [] },
    setgroupsDenied: false,
    preserveFds: 0,
    jsonPath: '',
    rootfs: '/b/rootfs',
    runtimeBoundingSet: WITHOUT_SYS_MODULE,
    lsm: NO_LSM,
  });
  const capset = op(plan.steps, 'capset');
  assert.equal(has(capset.permitted, CAP_SYS_MODULE), false);
  assert.equal(has(capset.permitted, CAP_KILL), true);
  assert.ok(plan.warnings.some((w) => w.startsWith('/capabilities: CAP_SYS_MODULE cannot be granted')), plan.warnings.join('\n'));
});

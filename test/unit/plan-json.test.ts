/**
 * A plan is plain JSON: JSON.stringify works on it as it is (no BigInt),
 * 64-bit values are decimal text, and nothing is lost in a round trip.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSpec } from '../../lib/config/default-spec';
import { validateConfig } from '../../lib/config/validate';
import { compilePlan } from '../../lib/plan/compile';
import { formatPlan, planToJSON } from '../../lib/plan/format';
import { fakeFacts } from '../helpers/facts';

test('a plan with capability masks, rlimits beyond 2^53 and scheduler times survives JSON.stringify and a round trip', () => {
  const spec = defaultSpec({ rootless: false });
  spec.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 }, { type: 'RLIMIT_STACK', soft: 2 ** 64 - 1, hard: 2 ** 64 - 1 }];
  spec.process!.scheduler = { policy: 'SCHED_DEADLINE', runtime: 10_000_000, deadline: 20_000_000, period: 30_000_000 };
  const plan = compilePlan(validateConfig(spec), { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts());
  const text = JSON.stringify(plan);
  assert.deepEqual(JSON.parse(text), planToJSON(plan));
  const capset = plan.steps.find((s) => s.op === 'capset');
  assert.ok(capset && /^\d+$/.test(capset.effective), 'a mask is decimal text');
  const stack = plan.steps.find((s) => s.op === 'rlimit' && s.type === 'RLIMIT_STACK');
  assert.ok(stack && stack.op === 'rlimit');
  assert.equal(stack.soft, '18446744073709551615', 'RLIM_INFINITY exactly, not a rounded double');
  const sched = plan.steps.find((s) => s.op === 'scheduler');
  assert.ok(sched && sched.op === 'scheduler' && sched.deadline === '20000000');
  // The text form names the capabilities of a mask.
  assert.match(formatPlan(plan), /capset effective=CAP_KILL\|CAP_NET_BIND_SERVICE\|CAP_AUDIT_WRITE permitted=CAP_KILL\|/);
  assert.match(formatPlan(plan), / scheduler what="[^"]*" policy=SCHED_DEADLINE flags=0 /);
});

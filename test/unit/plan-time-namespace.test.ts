// linux.timeOffsets: validation (clock names, ranges, a joined namespace)
// and what the plan hands the spawner (the timens_offsets text) and the
// init (the check that it entered the namespace).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSpec } from '../../lib/config/default-spec';
import type { Spec } from '../../lib/config/types';
import { validateConfig } from '../../lib/config/validate';
import { InvalidConfigError } from '../../lib/errors';
import { compilePlan } from '../../lib/plan/compile';
import { formatPlan } from '../../lib/plan/format';
import { timeOffsetsError } from '../../lib/plan/time-namespace';
import { fakeFacts } from '../helpers/facts';

function spec(edit: (s: Spec) => void): Spec {
  const s = defaultSpec({ rootless: false });
  edit(s);
  return s;
}

const compile = (s: Spec) => compilePlan(validateConfig(s), { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts());

test('a new time namespace: offsets for the spawner, the check first of all steps, no clone flag lost', () => {
  const plan = compile(
    spec((s) => {
      s.linux!.namespaces!.push({ type: 'time' });
      s.linux!.timeOffsets = { monotonic: { secs: -5, nanosecs: 7 }, boottime: { secs: 86400 } };
    }),
  );
  assert.equal(plan.timeOffsets, 'monotonic -5 7\nboottime 86400 0\n');
  // First after the header.
  assert.deepEqual(plan.steps[1], { op: 'check-timens' });
  assert.notEqual(plan.cloneFlags & 0x80, 0);
  assert.match(formatPlan(plan), /time offset: monotonic -5 7\ntime offset: boottime 86400 0/);
  const without = compile(spec((s) => s.linux!.namespaces!.push({ type: 'time' })));
  assert.equal(without.timeOffsets, undefined);
  assert.deepEqual(without.steps[1], { op: 'check-timens' });
  assert.equal(compile(spec(() => {})).steps.some((s) => s.op === 'check-timens'), false);
});

test('timeOffsets rules name the field', () => {
  const rejects = (edit: (s: Spec) => void, path: string): void => {
    assert.throws(() => validateConfig(spec(edit)), (err: unknown) => err instanceof InvalidConfigError && err.jsonPath === path);
  };
  const timens = (s: Spec) => s.linux!.namespaces!.push({ type: 'time' });
  rejects((s) => (timens(s), (s.linux!.timeOffsets = { realtime: { secs: 1 } })), '/linux/timeOffsets/realtime');
  rejects((s) => (timens(s), (s.linux!.timeOffsets = { monotonic: { nanosecs: 1e9 } })), '/linux/timeOffsets/monotonic/nanosecs');
  rejects((s) => (timens(s), (s.linux!.timeOffsets = { boottime: { secs: 2 ** 62 } })), '/linux/timeOffsets/boottime/secs');
  rejects((s) => (s.linux!.timeOffsets = { boottime: { secs: 1 } }), '/linux/timeOffsets');
  rejects((s) => (s.linux!.namespaces!.push({ type: 'time', path: '/proc/1/ns/time' }), (s.linux!.timeOffsets = { boottime: { secs: 1 } })), '/linux/timeOffsets');
});

test('the spawner failing to write the offsets is the config\'s error; anything else passes through', () => {
  const failure = Object.assign(new Error('x'), { code: 'ERANGE', syscall: 'write', path: '/proc/self/timens_offsets' });
  const err = timeOffsetsError(failure);
  assert.ok(err instanceof InvalidConfigError);
  assert.equal(err.jsonPath, '/linux/timeOffsets');
  const other = Object.assign(new Error('y'), { code: 'EPERM', syscall: 'clone' });
  assert.equal(timeOffsetsError(other), other);
});

/**
 * Rootless time namespaces and scheduling: the unprivileged test user's
 * container gets a new time namespace owned by its user namespace (the
 * spawner writes the offsets with the namespace's CAP_SYS_TIME), and the
 * attributes that need no host privilege (a lower priority, an idle I/O
 * class, an affinity). Checked from inside with the probe.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeBundle } from '../helpers/bundle';
import { assertNoLeaks } from '../helpers/leaks';
import { rootlessSuite } from '../helpers/rootless-suite';
import { TMP_PREFIX } from '../helpers/tmp';
import { runAsUser } from '../helpers/user';
import type { Spec } from '../../lib/config/types';

const suite = rootlessSuite();
const { skip } = suite;

/** The probe's JSON answer, run rootless by the test user. */
function probeRootless(args: string[], edit: (spec: Spec) => void): Record<string, unknown> {
  const bundle = makeBundle({
    rootless: true,
    owner: suite.owner,
    edit: (spec) => {
      spec.process!.args = ['/probe', ...args];
      edit(spec);
    },
  });
  try {
    const run = runAsUser(suite.runner, [bundle.dir]);
    const out = JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as { error?: string; stdout: string; children: string[] };
    assert.equal(out.error, undefined, `${out.error} ${run.stderr}`);
    assert.deepEqual(out.children, []);
    return JSON.parse(out.stdout) as Record<string, unknown>;
  } finally {
    bundle.cleanup();
  }
}

test('rootless: a new time namespace with offsets', { skip }, () => {
  const got = probeRootless(['clock'], (s) => {
    s.linux!.namespaces!.push({ type: 'time' });
    s.linux!.timeOffsets = { monotonic: { secs: 1_000_000 }, boottime: { secs: 2_000_000 } };
  });
  assert.ok((got.monotonic as number) >= 1_000_000, JSON.stringify(got));
  assert.ok((got.boottime as number) >= 2_000_000, JSON.stringify(got));
});

test('rootless: nice, idle I/O class and CPU affinity', { skip }, () => {
  assert.equal(probeRootless(['sched'], (s) => (s.process!.scheduler = { policy: 'SCHED_OTHER', nice: 5 })).nice, 5);
  assert.deepEqual(probeRootless(['ioprio'], (s) => (s.process!.ioPriority = { class: 'IOPRIO_CLASS_IDLE', priority: 0 })), { class: 3, level: 0 });
  assert.deepEqual(probeRootless(['affinity'], (s) => (s.process!.execCPUAffinity = { final: '0' })), { cpus: [0] });
});

test('nothing leaks', { skip }, () => {
  assertNoLeaks(suite.snapshot, TMP_PREFIX);
});

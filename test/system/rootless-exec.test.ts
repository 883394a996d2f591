/**
 * exec into a rootless container, as the unprivileged user kapsel-test
 * (test/helpers/rootless-exec-runner.ts): the exec'd process joins the
 * container's user namespace first, then the others, and is root there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeBundle } from '../helpers/bundle';
import { assertNoLeaks } from '../helpers/leaks';
import { rootlessSuite } from '../helpers/rootless-suite';
import type { ProbeReport } from '../helpers/run';
import { TMP_PREFIX } from '../helpers/tmp';
import { runAsUser } from '../helpers/user';

const suite = rootlessSuite('rootless-exec-runner');
const { skip } = suite;

test('exec into a rootless container as the unprivileged user', { skip }, () => {
  const bundle = makeBundle({ rootless: true, owner: suite.owner });
  try {
    const run = runAsUser(suite.runner, [bundle.dir]);
    const line = run.stdout.trim().split('\n').pop() ?? '';
    const out = JSON.parse(line) as {
      error?: string;
      exit: { exitCode: number | null };
      report: ProbeReport;
      stderr: string;
      initNamespaces: Record<string, string>;
      children: string[];
    };
    assert.equal(out.error, undefined, `${out.error}\n${run.stderr}`);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(out.exit, { exitCode: 0, signal: null }, out.stderr);
    for (const [type, id] of Object.entries(out.initNamespaces)) assert.equal(out.report.namespaces[type], id, `${type} namespace`);
    // Root in the container's user namespace, which maps it to the user.
    assert.equal(out.report.uid, 0);
    assert.match(out.report.uid_map, new RegExp(`^\\s*0\\s+${suite.owner.uid}\\s+1\\s*$`));
    assert.deepEqual(Object.keys(out.report.fds).sort(), ['0', '1', '2']);
    assert.deepEqual(out.children, [], 'no process left in the runner');
  } finally {
    bundle.cleanup();
  }
});

interface RunnerOutput {
  error?: string;
  exit?: { exitCode: number | null; signal: string | null };
  report?: ProbeReport;
  stderr?: string;
}

/** Runs the runner as the user on `bundle` with `proc` over `/probe report`; its one JSON line. */
function execAsUser(bundle: { dir: string }, proc: object): RunnerOutput {
  const run = runAsUser(suite.runner, [bundle.dir, JSON.stringify(proc)]);
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as RunnerOutput;
}

/** An exec'd process with oomScoreAdj 321 runs and reports it from inside. */
function assertExecGetsOomScoreAdj(bundle: { dir: string }): void {
  const out = execAsUser(bundle, { oomScoreAdj: 321 });
  assert.equal(out.error, undefined, out.error);
  assert.deepEqual(out.exit, { exitCode: 0, signal: null }, out.stderr);
  assert.equal(out.report?.oom_score_adj, 321);
}

test('rootless exec: oom_score_adj, seen from inside', { skip }, () => {
  const bundle = makeBundle({ rootless: true, owner: suite.owner });
  try {
    assertExecGetsOomScoreAdj(bundle);
  } finally {
    bundle.cleanup();
  }
});

test('rootless exec into a container without /proc runs, with oomScoreAdj too; a planted /proc is not used', { skip }, () => {
  const planted = 'proc/self/oom_score_adj';
  const bundle = makeBundle({
    rootless: true,
    owner: suite.owner,
    edit: (spec, { rootfs }) => {
      spec.mounts = (spec.mounts ?? []).filter((m) => m.destination !== '/proc');
      // The kernel refuses the helper a new procfs here; the fallback, a
      // clone of the mount at /proc, is the rootfs itself: no procfs.
      fs.mkdirSync(path.join(rootfs, path.dirname(planted)), { recursive: true });
      fs.writeFileSync(path.join(rootfs, planted), '0\n');
    },
  });
  try {
    const plain = execAsUser(bundle, { args: ['/probe', 'exit', '7'] });
    assert.equal(plain.error, undefined, plain.error);
    assert.deepEqual(plain.exit, { exitCode: 7, signal: null }, plain.stderr);
    // oom_score_adj is set by the runtime's spawner before the helper
    // starts (lib/plan/steps.ts, LaunchPlan.oomScoreAdj), through the
    // runtime's procfs: no procfs of the container's is needed or used.
    const oom = execAsUser(bundle, { args: ['/probe', 'exit', '7'], oomScoreAdj: 321 });
    assert.equal(oom.error, undefined, oom.error);
    assert.deepEqual(oom.exit, { exitCode: 7, signal: null }, oom.stderr);
    assert.equal(fs.readFileSync(path.join(bundle.rootfs, planted), 'utf8'), '0\n', 'the planted file is untouched');
  } finally {
    bundle.cleanup();
  }
});

test('rootless exec into a container in the host\'s pid namespace: the container\'s own procfs, cloned alone', { skip }, () => {
  const bundle = makeBundle({
    rootless: true,
    owner: suite.owner,
    edit: (spec) => {
      // The kernel refuses a new procfs of a pid namespace our user namespace does not own.
      spec.linux!.namespaces = spec.linux!.namespaces!.filter((n) => n.type !== 'pid');
      spec.mounts = (spec.mounts ?? []).map((m) =>
        m.destination === '/proc' ? { destination: '/proc', type: 'bind', source: '/proc', options: ['rbind', 'nosuid', 'noexec', 'nodev'] } : m,
      );
    },
  });
  try {
    assertExecGetsOomScoreAdj(bundle);
  } finally {
    bundle.cleanup();
  }
});

test('nothing leaks', { skip }, () => {
  assertNoLeaks(suite.snapshot, TMP_PREFIX);
});

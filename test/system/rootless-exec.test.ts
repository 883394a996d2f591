/**
 * exec into a rootless container, as the unprivileged user kapsel-test
 * (test/helpers/rootless-exec-runner.ts): the exec'd process joins the
 * container's user namespace first, then the others, and is root there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
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

test('nothing leaks', { skip }, () => {
  assertNoLeaks(suite.snapshot, TMP_PREFIX);
});

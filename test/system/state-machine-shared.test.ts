/**
 * The shared state-machine table (test/helpers/state-machine-cases.ts) on
 * real containers: root, the test bundle's probe sleeping as the
 * container's process, real pause (cgroup freezer), real kill and delete.
 * The same table runs on the SimulatedRuntime in
 * test/unit/simulated-runtime.test.ts; that file runs here once more as
 * the unprivileged kapsel-test user (the simulation needs no root).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { Container } from '../../lib/container/container';
import { stateMachineTests } from '../helpers/state-machine-cases';
import { uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { repoAccessProblem, runCommandAsUser, userReadableRepo } from '../helpers/user';
import type { Bundle } from '../helpers/bundle';

const suite = systemSuite();
let bundle: Bundle | undefined;

stateMachineTests(
  'real',
  () => {
    bundle ??= suite.bundle({ edit: (spec) => (spec.process!.args = ['/probe', 'sleep', '1000']) });
    const root = suite.root;
    return {
      runtime: Container,
      createOptions: (id) => ({ id, bundle: bundle!.dir, root, stdio: 'ignore' }),
      execArgs: ['/probe', 'exit', '0'],
      newId: uniqueId,
      loadOptions: { root },
    };
  },
  { skip: suite.skip },
);

test('the simulated runtime\'s unit tests, the shared table included, pass as an unprivileged user', { skip: suite.skip }, () => {
  const repo = userReadableRepo();
  try {
    const file = path.join(repo.dir, 'dist', 'test', 'unit', 'simulated-runtime.test.js');
    // Run directly, not through `node --test`, which would spawn the file by
    // process.execPath: CI's Node 24 lives where the user cannot reach it.
    const run = runCommandAsUser([process.execPath, '--test-reporter=tap', file], 120_000);
    assert.equal(run.status, 0, `${repoAccessProblem() ?? ''}\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /^# fail 0$/m);
    assert.match(run.stdout, /simulated: start in created -> running/);
  } finally {
    repo.release();
  }
});

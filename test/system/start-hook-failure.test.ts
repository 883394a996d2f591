// Issue 9 item 9: a failing poststart or startContainer hook fails start,
// stops the container, destroys it and runs the poststop hooks
// (runtime.md, Lifecycle 9 -> 12 -> 13), through the library and the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Hooks } from '../../lib/config/types';
import { isAlive } from '../../lib/state/proc';
import { readState } from '../../lib/state/store';
import { createTestContainer, uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';

const BIN = path.resolve(__dirname, '..', '..', '..', 'bin', 'kapsel');
const suite = systemSuite();
const { skip } = suite;

/** A poststop hook that saves the state it is given into DIR/poststop.state. */
function withPoststop(dir: string, hooks: Hooks): Hooks {
  return { ...hooks, poststop: [{ path: '/bin/sh', args: ['sh', '-c', `cat > ${dir}/poststop.state`] }] };
}

for (const kind of ['poststart', 'startContainer'] as const) {
  test(`a failing ${kind} hook: start fails, the container is destroyed, poststop hooks run`, { skip }, async () => {
    const dir = tempDir('hooks');
    const failing = kind === 'poststart' ? { path: '/bin/false' } : { path: '/probe', args: ['probe', 'exit', '3'] };
    const bundle = suite.bundle({ edit: (s) => (s.hooks = withPoststop(dir, { [kind]: [failing] })) });
    const run = await createTestContainer(bundle, { root: suite.root, args: ['/probe', 'sleep', '30'] });
    try {
      const init = readState(suite.root, run.container.id)!;
      await assert.rejects(run.container.start(), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_HOOK_FAILED');
        assert.match(err.message, new RegExp(`${kind} hook`));
        return true;
      });
      assert.equal(isAlive(init.pid, init.initStartTime), false, 'the container was stopped');
      assert.equal(fs.existsSync(path.join(suite.root, run.container.id)), false, 'and destroyed');
      const poststop = JSON.parse(fs.readFileSync(path.join(dir, 'poststop.state'), 'utf8'));
      assert.equal(poststop.id, run.container.id);
      assert.equal(poststop.status, 'stopped');
    } finally {
      await run.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('kapsel start with a failing poststart hook exits non-zero and leaves no container', { skip }, () => {
  const dir = tempDir('hooks');
  const bundle = suite.bundle({
    edit: (s) => {
      s.process!.args = ['/probe', 'sleep', '30'];
      s.hooks = withPoststop(dir, { poststart: [{ path: '/bin/false' }] });
    },
  });
  const kapsel = (args: string[]) =>
    spawnSync(BIN, ['--root', suite.root, ...args], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
  const id = uniqueId();
  try {
    // create's stdio becomes the container's: /dev/null, not a pipe that
    // would keep spawnSync waiting as long as the container lives.
    const created = spawnSync(BIN, ['--root', suite.root, 'create', '--bundle', bundle.dir, id], { stdio: 'ignore', timeout: 60_000 });
    assert.equal(created.status, 0);
    const start = kapsel(['start', id]);
    assert.notEqual(start.status, 0);
    assert.match(start.stderr, /poststart hook \/bin\/false failed/);
    assert.match(kapsel(['state', id]).stderr, /does not exist/);
    assert.ok(fs.existsSync(path.join(dir, 'poststop.state')));
  } finally {
    kapsel(['delete', '-f', id]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// The plan's hook list (LaunchPlan.hooks, `kapsel plan`'s "hooks" part)
// tells what create, start and delete then do: each hook records, from
// where it runs, its kind, the status of the state on its stdin and the
// hostname of the uts namespace it runs in; the recorded sequence must be
// the plan's, in order, namespace and status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Container } from '../../lib';
import type { Hook } from '../../lib/config/types';
import { createTestContainer } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';

const suite = systemSuite();
const { skip } = suite;
const HOSTNAME = 'kapsel-plan-hooks';

/** A host shell hook appending "KIND STATUS HOSTNAME" to LOG (the status read from the state on stdin). */
function shellHook(kind: string, log: string): Hook {
  const script = `status=$(sed -n 's/.*"status" *: *"\\([a-z]*\\)".*/\\1/p'); echo "${kind} $status $(hostname)" >> ${log}`;
  return { path: '/bin/sh', args: [`hook-${kind}`, '-c', script] };
}

test('the hooks run in the order, the namespaces and with the states the plan lists', { skip }, async () => {
  const out = tempDir('plan-hooks');
  const log = path.join(out, 'log');
  fs.writeFileSync(log, '');
  const b = suite.bundle({
    edit: (s) => {
      s.hostname = HOSTNAME;
      s.mounts!.push({ destination: '/out', type: 'bind', source: out, options: ['rbind', 'rw'] });
      s.hooks = {
        prestart: [shellHook('prestart', log)],
        createRuntime: [shellHook('createRuntime', log), shellHook('createRuntime', log)],
        createContainer: [shellHook('createContainer', log)],
        // Resolved inside the container (after pivot_root): /probe and /out exist only there.
        startContainer: [{ path: '/probe', args: ['probe', 'reopen', '/out/log', 'startContainer'] }],
        poststart: [shellHook('poststart', log)],
        poststop: [shellHook('poststop', log)],
      };
    },
  });
  const plan = Container.plan(b.config, { bundle: b.dir });
  const run = await createTestContainer(b, { root: suite.root, args: ['/probe', 'exit', '0'] });
  try {
    await run.container.start();
    await run.container.wait();
    await run.container.delete();
    const recorded = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' '));
    assert.deepEqual(
      recorded.map(([kind]) => kind),
      plan.hooks!.map((h) => h.kind),
      'the order',
    );
    plan.hooks!.forEach((h, i) => {
      const [kind, status, hostname] = recorded[i]!;
      if (kind === 'startContainer') {
        assert.equal(h.namespace, 'container', 'a path that resolves only in the container ran in its namespaces');
        return;
      }
      assert.equal(status, h.status, `${h.kind}[${h.index}]: the state's status`);
      assert.equal(hostname === HOSTNAME ? 'container' : 'runtime', h.namespace, `${h.kind}[${h.index}]: its uts namespace`);
    });
  } finally {
    await run.destroy();
    fs.rmSync(out, { recursive: true, force: true });
  }
});

// The init executes what the plan decided (issue 18, item 4): which binds
// below /proc are allowed comes from the plan's header, whether a tmpfs
// takes the mode of the directory it covers from the mount step, and a plan
// without a header is refused. Each is checked from inside the mount
// namespace the helper ran in (its exec'd process reports what it sees).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { failureToError } from '../../lib/container/init-channel';
import * as C from '../../lib/native/constants';
import { createPlanHeader } from '../../lib/plan/header';
import type { Step } from '../../lib/plan/steps';
import { testAsRoot } from '../helpers/as-root';
import { runPlan, type PlanLauncher } from '../helpers/init-plan';

const test = testAsRoot(__filename);

/** The helper in a private mount namespace of its own: what it mounts goes with it. */
const privateMounts: PlanLauncher = { file: '/usr/bin/unshare', argv: ['unshare', '--mount', '--propagation', 'private'] };

function tempRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-native-decisions-'));
}

test('a bind below /proc lands only on a path the header allows: the same lxcfs file refused without it', async () => {
  const root = tempRoot();
  try {
    fs.mkdirSync(path.join(root, 'proc'));
    fs.writeFileSync(path.join(root, 'proc', 'uptime'), 'real\n');
    const fake = path.join(root, 'fake-uptime');
    fs.writeFileSync(fake, '1.00 2.00\n');
    const steps = (procBinds: string[]): Step[] => [
      { ...createPlanHeader(), procBinds },
      { op: 'root', path: root },
      { op: 'mount', source: fake, target: '/proc/uptime', fstype: '', flags: C.MS_BIND, data: '', inContainer: true, filesystem: 'other', inheritMode: false },
      // What a process in that mount namespace reads there.
      { op: 'exec', args: ['cat', path.join(root, 'proc', 'uptime')], env: [], searchPath: '/usr/bin:/bin' },
    ];
    const refused = await runPlan(steps([]), privateMounts);
    assert.equal(refused.exitCode, 1);
    assert.equal(refused.reported?.type, 'error');
    if (refused.reported?.type !== 'error') return;
    assert.deepEqual([refused.reported.reason, refused.reported.path], ['proc-mount', '/proc/uptime']);
    assert.match(failureToError(refused.reported).message, /\/proc\/uptime cannot be mounted because it is inside \/proc/);
    const allowed = await runPlan(steps(['proc/uptime']), privateMounts);
    assert.equal(allowed.exitCode, 0, allowed.stderr);
    assert.equal(allowed.stderr, '1.00 2.00\n');
    // The host's view never changed.
    assert.equal(fs.readFileSync(path.join(root, 'proc', 'uptime'), 'utf8'), 'real\n');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a tmpfs takes the mode of the directory it covers when the step says inheritMode, the kernel\'s 1777 when not', async () => {
  const root = tempRoot();
  try {
    fs.mkdirSync(path.join(root, 'd'));
    fs.chmodSync(path.join(root, 'd'), 0o750);
    const steps = (inheritMode: boolean): Step[] => [
      { op: 'root', path: root },
      { op: 'mount', source: 'tmpfs', target: '/d', fstype: 'tmpfs', flags: 0, data: 'size=1m', inContainer: true, filesystem: 'other', inheritMode },
      { op: 'exec', args: ['stat', '-c', '%a', path.join(root, 'd')], env: [], searchPath: '/usr/bin:/bin' },
    ];
    const inherited = await runPlan(steps(true), privateMounts);
    assert.equal(inherited.exitCode, 0, inherited.stderr);
    assert.equal(inherited.stderr, '750\n');
    const kernels = await runPlan(steps(false), privateMounts);
    assert.equal(kernels.exitCode, 0, kernels.stderr);
    assert.equal(kernels.stderr, '1777\n');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a plan that does not start with its header is refused before any step runs', async () => {
  const root = tempRoot();
  const marker = path.join(root, 'ran');
  try {
    // The header second, as a runtime that forgot it would send it.
    const steps: Step[] = [{ op: 'root', path: root }, createPlanHeader(), { op: 'exec', args: ['touch', marker], env: [], searchPath: '/usr/bin:/bin' }];
    const run = await runPlan(steps, undefined, [], { withoutHeader: true });
    assert.equal(run.exitCode, 1);
    assert.equal(run.reported?.type === 'error' && run.reported.reason, 'plan');
    assert.match(run.reported?.type === 'error' ? run.reported.message : '', /does not start with its header/);
    assert.equal(fs.existsSync(marker), false);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

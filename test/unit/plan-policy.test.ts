// OCI policy the init used to decide on its own, now in the plan: what
// masks a path and whether a missing one is fine, and where a program name
// is looked up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSpec, validateConfig } from '../../lib/config';
import * as C from '../../lib/native/constants';
import { compilePlan } from '../../lib/plan/compile';
import { DEFAULT_PATH } from '../../lib/plan/process';
import type { Step } from '../../lib/plan/steps';
import { fakeFacts } from '../helpers/facts';

function compile(edit: (s: ReturnType<typeof defaultSpec>) => void): Step[] {
  const s = defaultSpec({ rootless: false, uid: 0, gid: 0 });
  s.process!.terminal = false;
  edit(s);
  return compilePlan(validateConfig(s), { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts()).steps;
}

test('a masked path says what covers a directory and a file, and that missing is fine', () => {
  const steps = compile((s) => (s.linux!.maskedPaths = ['/secret']));
  assert.deepEqual(
    steps.filter((st) => st.op === 'mask'),
    [{ op: 'mask', path: '/secret', missingOk: true, dirFstype: 'tmpfs', dirFlags: C.MS_RDONLY, dirData: '', fileSource: '/dev/null' }],
  );
});

test('a read-only path may be missing', () => {
  const steps = compile((s) => (s.linux!.readonlyPaths = ['/ro']));
  assert.deepEqual(steps.filter((st) => st.op === 'readonly'), [{ op: 'readonly', path: '/ro', missingOk: true }]);
});

test('the program is looked up along the container PATH, else the default one', () => {
  const searchPaths = (env: string[]): string[] =>
    compile((s) => (s.process!.env = env))
      .filter((st): st is Extract<Step, { op: 'exec' | 'check-exec' }> => st.op === 'exec' || st.op === 'check-exec')
      .map((st) => st.searchPath);
  assert.deepEqual(searchPaths(['PATH=/opt/bin:/bin', 'A=1']), ['/opt/bin:/bin', '/opt/bin:/bin']);
  assert.deepEqual(searchPaths(['A=1']), [DEFAULT_PATH, DEFAULT_PATH]);
  assert.deepEqual(searchPaths(['PATH=']), [DEFAULT_PATH, DEFAULT_PATH]);
});

/**
 * Native tests that need root only over namespaces they create (spawning
 * into new pid and uts namespaces, running kapsel-init's steps), not over
 * the host: run by anyone else, such a file runs itself again as root of a
 * user+mount namespace of its own (`unshare -Urm`), instead of skipping.
 */
import { test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

/** Why `unshare -Urm` cannot run here (no unshare, user namespaces off), or undefined. */
function unshareProblem(): string | undefined {
  const res = spawnSync('unshare', ['-Urm', 'true'], { encoding: 'utf8' });
  if (res.error) return `unshare: ${res.error.message}`;
  return res.status === 0 ? undefined : `unshare -Urm failed: ${res.stderr.trim()}`;
}

/**
 * node:test's `test` for a test file `file` (its __filename) whose tests
 * need root. As root: `test` itself. Otherwise the file's tests are not
 * registered here; instead one test runs `node file` under `unshare -Urm`
 * and passes when all of them passed there (their report is its message).
 */
export function testAsRoot(file: string): typeof nodeTest {
  if (process.getuid!() === 0) return nodeTest;
  const problem = unshareProblem();
  nodeTest(`${path.basename(file)}: its tests as root of a user+mount namespace (unshare -Urm)`, { skip: problem ?? false }, () => {
    // NODE_TEST_CONTEXT would make the inner run report in the runner's
    // serialized form, meant for a parent runner, not for us.
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const res = spawnSync('unshare', ['-Urm', process.execPath, file], { encoding: 'utf8', env, timeout: 300_000 });
    assert.equal(res.status, 0, `under unshare -Urm (${res.error?.message ?? res.signal ?? `exit status ${res.status}`}):\n${res.stdout}${res.stderr}`);
    assert.match(res.stdout, /^# pass [1-9]/m, res.stdout);
  });
  return (() => undefined) as unknown as typeof nodeTest;
}

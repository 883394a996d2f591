/**
 * Issue 20 item 6: a failed hook run by the runtime (lib/hooks/run.ts) is
 * a HookFailedError that tells: the hook list, the entry (path and args),
 * the exit code or signal, whether it timed out, and the end of its
 * stderr, bounded however much it wrote. Real hooks (/bin/sh), no root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HOOK_STDERR_LIMIT, HookFailedError } from '../../lib/errors';
import { runHook } from '../../lib/hooks/run';

const STATE = { ociVersion: '1.2.0', id: 'x', status: 'creating', pid: 0, bundle: '/b' };

async function failure(hook: Parameters<typeof runHook>[1]): Promise<HookFailedError> {
  try {
    await runHook('prestart', hook, STATE);
  } catch (err) {
    assert.ok(err instanceof HookFailedError, String(err));
    return err;
  }
  assert.fail('the hook succeeded');
}

test('a non-zero exit: the code and stderr (not stdout), the entry with its args', async () => {
  const args = ['sh', '-c', 'echo to-stdout; echo "no such image" >&2; exit 3'];
  const err = await failure({ path: '/bin/sh', args });
  assert.equal(err.code, 'ERR_HOOK_FAILED');
  assert.equal(err.kind, 'prestart');
  assert.deepEqual(err.hook, { path: '/bin/sh', args });
  assert.equal(err.hookPath, '/bin/sh');
  assert.equal(err.exitCode, 3);
  assert.equal(err.signal, null);
  assert.equal(err.timedOut, false);
  assert.equal(err.stderr, 'no such image');
  assert.match(err.message, /^prestart hook \/bin\/sh failed: exit status 3: /);
});

test('killed by a signal: the signal name, no exit code', async () => {
  const err = await failure({ path: '/bin/sh', args: ['sh', '-c', 'kill -TERM $$'] });
  assert.equal(err.exitCode, null);
  assert.equal(err.signal, 'SIGTERM');
  assert.equal(err.timedOut, false);
});

test('a timeout: timedOut, killed with SIGKILL', async () => {
  const err = await failure({ path: '/bin/sh', args: ['sh', '-c', 'echo waiting >&2; exec sleep 30'], timeout: 1 });
  assert.equal(err.timedOut, true);
  assert.equal(err.signal, 'SIGKILL');
  assert.equal(err.stderr, 'waiting');
  assert.match(err.message, /timed out after 1s/);
});

test('stderr is bounded: the last HOOK_STDERR_LIMIT bytes of a hook that writes a lot', async () => {
  // 200 KiB of "x", then the line that says why.
  const err = await failure({ path: '/bin/sh', args: ['sh', '-c', 'head -c 204800 /dev/zero | tr "\\0" x >&2; echo THE-REASON >&2; exit 1'] });
  assert.ok(err.stderr.length <= HOOK_STDERR_LIMIT, `${err.stderr.length} bytes kept`);
  assert.ok(err.stderr.endsWith('THE-REASON'), err.stderr.slice(-40));
  assert.equal(err.exitCode, 1);
});

test('a hook that cannot be started: no exit code or signal', async () => {
  const err = await failure({ path: '/nonexistent/hook' });
  assert.equal(err.exitCode, null);
  assert.equal(err.signal, null);
  assert.deepEqual(err.hook, { path: '/nonexistent/hook', args: ['/nonexistent/hook'] });
});

test('a timeout beyond Node\'s longest timer (24.8 days) is no limit, not a kill after 1 ms', async () => {
  await runHook('prestart', { path: '/bin/sh', args: ['sh', '-c', 'sleep 0.2'], timeout: 3_000_000 }, STATE);
});

/**
 * The container's process starts with every signal at its default and none
 * blocked, whatever the runtime ignores or blocks (Node ignores SIGPIPE and
 * SIGXFSZ). The init resets only what survives its own execve, the ignored
 * signals, which a create reads from its own /proc/self/status; an exec
 * resets every one. Checked from inside with /proc/self/status's SigIgn,
 * SigBlk and SigCgt, for a create and for an exec into it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { execCapture, withStarted } from '../helpers/exec';
import { runProbe } from '../helpers/run';
import { systemSuite } from '../helpers/suite';

const suite = systemSuite();
const { skip } = suite;

/** The signal masks of /proc/self/status text. */
function masks(status: string): Record<string, string> {
  return Object.fromEntries([...status.matchAll(/^(SigIgn|SigBlk|SigCgt):\s*([0-9a-f]+)$/gm)].map((m) => [m[1], m[2]]));
}

const CLEAN = { SigIgn: '0000000000000000', SigBlk: '0000000000000000', SigCgt: '0000000000000000' };

test('the runtime ignores signals, so the check below can fail', { skip }, () => {
  assert.notEqual(masks(fs.readFileSync('/proc/self/status', 'utf8')).SigIgn, CLEAN.SigIgn);
});

test('a created container\'s process has no signal ignored, blocked or caught', { skip }, async () => {
  const res = await runProbe(suite.bundle(), { args: ['/probe', 'cat', '/proc/self/status'] });
  assert.deepEqual(res.exit, { exitCode: 0, signal: null }, res.stderr);
  assert.deepEqual(masks(res.stdout), CLEAN);
});

test('an exec\'d process has no signal ignored, blocked or caught', { skip }, async () => {
  await withStarted(suite.bundle(), suite.root, async (c) => {
    const res = await execCapture(c, { args: ['/probe', 'cat', '/proc/self/status'], cwd: '/' });
    assert.deepEqual(res.exit, { exitCode: 0, signal: null });
    assert.deepEqual(masks(res.stdout), CLEAN);
  });
});

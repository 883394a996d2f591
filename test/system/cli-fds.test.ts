// Which descriptors reach the container through the CLI: stdio 0-2 and
// exactly --preserve-fds more; anything else the engine has open (containerd
// leaves its listening socket as fd 3) must not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../helpers/bundle';
import { uniqueId, type ProbeReport } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';

const suite = systemSuite();
const { skip } = suite;
const BIN = path.join(REPO_ROOT, 'bin', 'kapsel');

/** `kapsel run` of the probe with an extra file open as the CLI's fd 3. */
function runWithFd3(extraArgs: string[]): { report: ProbeReport; fd3Target: string } {
  const dir = tempDir('fds');
  try {
    const bundle = suite.bundle();
    const fd3Target = path.join(dir, 'extra');
    const out = fs.openSync(path.join(dir, 'out'), 'w');
    const extra = fs.openSync(fd3Target, 'w');
    try {
      const res = spawnSync(BIN, ['--root', suite.root, 'run', ...extraArgs, '--bundle', bundle.dir, uniqueId()], {
        stdio: ['ignore', out, 'pipe', extra],
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(res.status, 0, res.stderr);
    } finally {
      fs.closeSync(out);
      fs.closeSync(extra);
    }
    return { report: JSON.parse(fs.readFileSync(path.join(dir, 'out'), 'utf8')) as ProbeReport, fd3Target };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('only stdio reaches the container without --preserve-fds', { skip }, () => {
  const { report } = runWithFd3([]);
  assert.deepEqual(Object.keys(report.fds).sort(), ['0', '1', '2']);
});

test('--preserve-fds 1 passes fd 3, and nothing more', { skip }, () => {
  const { report, fd3Target } = runWithFd3(['--preserve-fds', '1']);
  assert.deepEqual(Object.keys(report.fds).sort(), ['0', '1', '2', '3']);
  assert.equal(report.fds['3'], fd3Target);
});

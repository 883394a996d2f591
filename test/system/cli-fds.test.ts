// Which descriptors reach the container through the CLI: stdio 0-2 and
// exactly --preserve-fds more; anything else the engine has open (containerd
// leaves its listening socket as fd 3) must not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Container } from '../../lib';
import { REPO_ROOT } from '../helpers/bundle';
import { lowestClosedFd } from '../helpers/leaks';
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

test('--preserve-fds with a gap names the fd that was not passed, and leaves nothing', { skip }, () => {
  const bundle = suite.bundle();
  const dir = tempDir('fds-gap');
  const extra = fs.openSync(path.join(dir, 'extra'), 'w');
  try {
    // Only fd 3 is given; Node's own fds take 4 and up inside the CLI.
    const res = spawnSync(BIN, ['--root', suite.root, 'run', '--preserve-fds', '2', '--bundle', bundle.dir, uniqueId()], {
      stdio: ['ignore', 'pipe', 'pipe', extra],
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(res.status, 1);
    assert.match(res.stderr, /--preserve-fds 2 passes fds 3 to 4, but fd 4 was not passed to kapsel/);
    assert.deepEqual(fs.readdirSync(suite.root), []);
  } finally {
    fs.closeSync(extra);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the library: preserveFds naming a closed fd fails create, naming it', { skip }, async () => {
  const bundle = suite.bundle();
  // The lowest fd number not open in this process, and a count reaching it.
  const free = lowestClosedFd();
  await assert.rejects(
    Container.create({ id: uniqueId(), bundle: bundle.dir, root: suite.root, preserveFds: free - 1 }),
    { code: 'ERR_INVALID_ARGUMENT', message: new RegExp(`fd ${free} is not open`) },
  );
  assert.deepEqual(fs.readdirSync(suite.root), []);
});

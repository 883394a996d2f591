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

test('--preserve-fds 3 with fd 4 closed: the run goes on, fds 3 and 5 arrive at their numbers, fd 4 is skipped with a debug line', { skip }, () => {
  const bundle = suite.bundle();
  const dir = tempDir('fds-gap');
  const out = fs.openSync(path.join(dir, 'out'), 'w');
  const extra3 = fs.openSync(path.join(dir, 'extra3'), 'w');
  const extra5 = fs.openSync(path.join(dir, 'extra5'), 'w');
  try {
    // fd 4 is not given to the CLI (Node's own fds may take it inside the
    // CLI; they must not reach the container either).
    const res = spawnSync(BIN, ['--root', suite.root, '--debug', 'run', '--preserve-fds', '3', '--bundle', bundle.dir, uniqueId()], {
      stdio: ['ignore', out, 'pipe', extra3, 'ignore', extra5],
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stderr, /preserve-fds: fd 4 was not passed/);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'out'), 'utf8')) as ProbeReport;
    assert.deepEqual(Object.keys(report.fds).sort(), ['0', '1', '2', '3', '5']);
    assert.equal(report.fds['3'], path.join(dir, 'extra3'));
    assert.equal(report.fds['5'], path.join(dir, 'extra5'));
    assert.deepEqual(fs.readdirSync(suite.root), []);
  } finally {
    for (const fd of [out, extra3, extra5]) fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the library: a closed fd in preserveFds is skipped, the open ones above it keep their numbers', { skip }, async () => {
  const bundle = suite.bundle();
  const dir = tempDir('fds-lib-gap');
  const devNull = fs.openSync('/dev/null', 'r');
  const out = fs.openSync(path.join(dir, 'out'), 'w');
  // A gap at the lowest free fd number, an open file right above it. The
  // state root's fd, opened by Container.create, takes that number: it
  // must be skipped too, or the container would get the root (hole 4).
  const gap = fs.openSync(path.join(dir, 'gap'), 'w');
  const above = fs.openSync(path.join(dir, 'above'), 'w');
  fs.closeSync(gap);
  assert.ok(above > gap);
  try {
    const c = await Container.create({ id: uniqueId(), bundle: bundle.dir, root: suite.root, stdio: [devNull, out, out], preserveFds: above - 2 });
    try {
      await c.start();
      assert.equal((await c.wait()).exitCode, 0);
    } finally {
      await c.delete({ force: true });
    }
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'out'), 'utf8')) as ProbeReport;
    assert.equal(report.fds[String(gap)], undefined, `no fd ${gap}: ${JSON.stringify(report.fds)}`);
    assert.equal(report.fds[String(above)], path.join(dir, 'above'));
    assert.deepEqual(fs.readdirSync(suite.root), []);
  } finally {
    for (const fd of [devNull, out, above]) fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

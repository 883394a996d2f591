// The conformance kit (kapsel/testing) against kapsel itself, as root
// through conformance() and rootless through `kapsel conformance` run as
// the test user; against runc and crun where they are installed and can
// run a container here. Each check cites the spec sentence it verifies
// (lib/testing/conformance/*).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { conformance } from '../../lib/testing';
import { baseConfig, writeBundle } from '../../lib/testing/conformance/bundle';
import { buildRootfs } from '../../lib/testing/conformance/rootfs';
import { BIN } from '../helpers/cli';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';
import { ensureTestUser, repoAccessProblem, runAs, TEST_USER_NAME } from '../helpers/user';

const suite = systemSuite();
const { skip } = suite;


/** Where the runs of this file put their directories (checked empty at the end). */
const runsDir = skip ? '' : tempDir('conformance');
after(() => {
  if (skip) return;
  const left = fs.readdirSync(runsDir);
  fs.rmSync(runsDir, { recursive: true, force: true });
  assert.deepEqual(left, [], 'every run removed its directory');
});

if (!skip) conformance({ runtime: BIN, rootless: false, tmpDir: runsDir, name: 'conformance: kapsel (root)', concurrency: 2 });

/** The installed runtime `name`, or undefined. */
function which(name: string): string | undefined {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin', '/sbin', '/bin']) {
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

/**
 * Why `runtime` cannot run a container here (its create's error), or
 * undefined: crun 1.8, say, refuses a cgroup v1/v2 hybrid host outright.
 */
function cannotRun(runtime: string, globalArgs: string[]): string | undefined {
  const dir = fs.mkdtempSync(path.join(runsDir, 'probe-'));
  try {
    const rootfs = path.join(dir, 'rootfs');
    buildRootfs(rootfs, {});
    fs.mkdirSync(path.join(dir, 'out'));
    const bundle = path.join(dir, 'bundle');
    writeBundle(bundle, baseConfig({ rootfs, out: path.join(dir, 'out'), rootless: false, args: ['/bin/true'] }));
    const root = ['--root', path.join(dir, 'state')];
    const res = spawnSync(runtime, [...globalArgs, ...root, 'create', '--bundle', bundle, 'probe'], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
    spawnSync(runtime, [...globalArgs, ...root, 'delete', '--force', 'probe'], { stdio: 'ignore', timeout: 30_000 });
    return res.status === 0 ? undefined : `${path.basename(runtime)} cannot create a container here: ${res.stderr.trim()}`;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Other runtimes: the areas they pass (measured: runc 1.1.5 fails some hook
 * and delete checks, listed in the report, which are left out here so that
 * a run shows the kit works with them, not their bugs).
 */
const OTHERS: { name: string; globalArgs: string[]; areas: string[] }[] = [
  { name: 'runc', globalArgs: [], areas: ['state', 'start', 'kill'] },
  { name: 'crun', globalArgs: ['--cgroup-manager=disabled'], areas: ['state', 'start', 'kill'] },
];
for (const other of OTHERS) {
  const runtime = which(other.name);
  const why = skip || (runtime ? cannotRun(runtime, other.globalArgs) : `${other.name} is not installed`);
  if (why) test(`conformance: ${other.name}`, { skip: why }, () => undefined);
  else conformance({ runtime: runtime!, rootless: false, runtimeArgs: other.globalArgs, areas: other.areas, tmpDir: runsDir, name: `conformance: ${other.name} (root)` });
}

test('kapsel conformance --rootless --tap, run by an unprivileged user against kapsel: TAP, every check passes, exit 0', { skip: skip || repoAccessProblem() || false }, () => {
  ensureTestUser();
  // The user's own directory: the kit's run directory goes there.
  const home = tempDir('conformance-user');
  try {
    fs.chmodSync(home, 0o777);
    const res = runAs(TEST_USER_NAME, [BIN, 'conformance', '--runtime', BIN, '--rootless', '--tap', '--area', 'state', '--area', 'kill'], { TMPDIR: home }, 300_000);
    assert.equal(res.status, 0, `${res.stdout.slice(-3000)}\n${res.stderr}`);
    assert.match(res.stdout, /^TAP version 13$/m);
    assert.doesNotMatch(res.stdout, /^\s*not ok /m);
    const summary = /^(\d+) passed, (\d+) failed, (\d+) skipped$/m.exec(res.stdout);
    assert.ok(summary, 'a closing summary line');
    assert.equal(summary[1], '16', 'the state and kill checks passed');
    assert.equal(summary[2], '0');
    assert.deepEqual(fs.readdirSync(home), [], 'the run removed its directory');
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
});

test('kapsel conformance fails (exit 1, a FAIL line naming the check) for a runtime that breaks the spec', { skip }, () => {
  // A "runtime" that accepts every command and does nothing: state of an
  // unknown id succeeds, which the spec forbids.
  const dir = tempDir('conformance-fake');
  try {
    const fake = path.join(dir, 'fake-runtime');
    fs.writeFileSync(fake, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const res = spawnSync(BIN, ['conformance', '--runtime', fake, '--area', 'state'], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, TMPDIR: dir } });
    assert.equal(res.status, 1, res.stdout + res.stderr);
    assert.match(res.stdout, /^FAIL state of an unknown id fails \[runtime\.md § Query State, MUST: "Attempting to query a container that does not exist MUST generate an error\."\]$/m);
    assert.match(res.stdout, /^0 passed, 10 failed, 0 skipped$/m);
    assert.deepEqual(fs.readdirSync(dir), ['fake-runtime'], 'the run removed its directory');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

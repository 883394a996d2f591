// Bad input through the command line: exit status 1, one clear message on
// stderr naming the problem, and nothing left behind (no state directory,
// process or mount; the suite checks the rest at the end).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, type Bundle } from '../helpers/bundle';
import { childProcesses } from '../helpers/leaks';
import { uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';

const suite = systemSuite();
const { skip } = suite;
const BIN = path.join(REPO_ROOT, 'bin', 'kapsel');

function kapsel(args: string[]): { status: number | null; stderr: string; stdout: string } {
  const res = spawnSync(BIN, ['--root', suite.root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  return { status: res.status, stderr: res.stderr, stdout: res.stdout };
}

function expectFailure(args: string[], message: RegExp): void {
  const res = kapsel(args);
  assert.equal(res.status, 1, `${args.join(' ')}: ${res.stderr}`);
  assert.match(res.stderr, message);
  assert.equal(res.stderr.trim().split('\n').length, 1, `one error line: ${res.stderr}`);
  assert.equal(res.stdout, '');
  assert.deepEqual(fs.readdirSync(suite.root), [], 'no state directory');
  assert.deepEqual(childProcesses(), []);
  assert.deepEqual(fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(suite.root)), []);
}

function broken(change: (b: Bundle) => void): string {
  const b = suite.bundle();
  change(b);
  return b.dir;
}

test('create with bad bundles', { skip }, () => {
  const cases: [string, RegExp][] = [
    ['/nonexistent/bundle', /bundle \/nonexistent\/bundle: no such file or directory/],
    [broken((b) => fs.rmSync(path.join(b.dir, 'config.json'))), /config\.json: no such file or directory/],
    [broken((b) => fs.writeFileSync(path.join(b.dir, 'config.json'), '{"ociVersion": ')), /invalid config\.json: \/: invalid JSON/],
    [
      broken((b) => {
        (b.config.process as unknown as Record<string, unknown>).cwd = 42;
        b.write();
      }),
      /invalid config\.json: \/process\/cwd: must be string/,
    ],
    [broken((b) => fs.rmSync(b.rootfs, { recursive: true })), /rootfs .*: no such file or directory/],
    [
      broken((b) => {
        b.config.process!.args = ['no-such-program'];
        b.write();
      }),
      /exec: "no-such-program": executable file not found in \$PATH/,
    ],
  ];
  for (const [bundle, message] of cases) expectFailure(['create', '--bundle', bundle, uniqueId()], message);
});

test('bad ids and operations in the wrong state', { skip }, () => {
  const bundle = suite.bundle().dir;
  for (const id of ['a/b', '..', 'with space']) expectFailure(['create', '--bundle', bundle, id], /invalid container id/);
  expectFailure(['start', 'missing'], /container "missing" does not exist/);
  expectFailure(['kill', 'missing', 'KILL'], /does not exist/);
  expectFailure(['state', 'missing'], /does not exist/);

  const id = uniqueId();
  // create's stdio becomes the container's: a pipe would stay open (and
  // spawnSync waiting) for as long as the container lives.
  const out = fs.openSync('/dev/null', 'w');
  try {
    const created = spawnSync(BIN, ['--root', suite.root, 'create', '--bundle', bundle, id], { stdio: ['ignore', out, out] });
    assert.equal(created.status, 0);
  } finally {
    fs.closeSync(out);
  }
  const notStopped = kapsel(['delete', id]);
  assert.equal(notStopped.status, 1);
  assert.match(notStopped.stderr, /in state "created": stop it first or use force/);
  assert.equal(kapsel(['kill', id, 'KILL']).status, 0);
  for (let i = 0; i < 200 && !kapsel(['state', id]).stdout.includes('"stopped"'); i++) spawnSync('sleep', ['0.02']);
  const killStopped = kapsel(['kill', id, 'TERM']);
  assert.equal(killStopped.status, 1);
  assert.match(killStopped.stderr, /container not running/);
  const startStopped = kapsel(['start', id]);
  assert.equal(startStopped.status, 1);
  assert.match(startStopped.stderr, /container is stopped/);
  assert.equal(kapsel(['delete', id]).status, 0);
  assert.deepEqual(fs.readdirSync(suite.root), []);
});

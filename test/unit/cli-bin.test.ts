import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BIN = path.resolve(__dirname, '..', '..', '..', 'bin', 'kapsel');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-cli-bin-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(file: string, args: string[], env: NodeJS.ProcessEnv) {
  const res = spawnSync(file, args, { encoding: 'utf8', env, cwd: tmp });
  if (res.error) throw res.error;
  return res;
}

test('bin/kapsel is a POSIX sh script', () => {
  assert.match(fs.readFileSync(BIN, 'utf8'), /^#!\/bin\/sh\n/);
  assert.ok(fs.statSync(BIN).mode & 0o111, 'executable');
});

test('bin/kapsel finds node with an empty environment (no PATH, no HOME)', () => {
  const res = run(BIN, ['--version'], {});
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stdout, /^kapsel version \S+\nspec: 1\.3\.0\n/);
});

test('bin/kapsel works through a symlink (node_modules/.bin)', () => {
  const link = path.join(tmp, 'node_modules', '.bin', 'kapsel');
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(path.relative(path.dirname(link), BIN), link);
  const res = run(link, ['-v'], {});
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stdout, /^kapsel version /);
});

test('bin/kapsel honours $KAPSEL_NODE', () => {
  const wrapper = path.join(tmp, 'fake-node');
  // A "node" that proves it was used, then runs the real one.
  fs.writeFileSync(wrapper, `#!/bin/sh\necho via-wrapper\nexec ${JSON.stringify(process.execPath)} "$@"\n`, { mode: 0o755 });
  const res = run(BIN, ['--version'], { KAPSEL_NODE: wrapper });
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stdout, /^via-wrapper\nkapsel version /);
});

test('bin/kapsel passes arguments and the exit status through', () => {
  const res = run(BIN, ['list', '--no-such-flag'], {});
  assert.equal(res.status, 1);
  assert.match(res.stderr, /flag provided but not defined: --no-such-flag/);
  const spaced = run(BIN, ['--root', path.join(tmp, 'a root with spaces'), 'list', '-q'], {});
  assert.equal(spaced.status, 0, spaced.stderr);
  assert.equal(spaced.stdout, '');
});

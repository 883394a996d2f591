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

test('bin/kapsel answers `delete --force` of a missing container without Node, and leaves every other shape to the CLI', () => {
  // A "node" that records each call, then runs the real one: whether the
  // script answered itself is whether the record stays empty.
  const calls = path.join(tmp, 'node-calls');
  const recorder = path.join(tmp, 'recording-node');
  fs.writeFileSync(recorder, `#!/bin/sh\necho called >>${JSON.stringify(calls)}\nexec ${JSON.stringify(process.execPath)} "$@"\n`, { mode: 0o755 });
  const root = path.join(tmp, 'delete-root');
  fs.mkdirSync(path.join(root, 'present'), { recursive: true });
  // A dangling symlink where a state directory would be (someone planted it, or a crash left it).
  fs.symlinkSync(path.join(tmp, 'nowhere'), path.join(root, 'dangling'));
  // A root reached through a symlink: the CLI refuses it, and must be the one to say so.
  const linkedRoot = path.join(tmp, 'linked-root');
  fs.symlinkSync(root, linkedRoot);
  const viaCli = (args: string[]): { status: number | null; stdout: string; stderr: string; node: boolean } => {
    fs.rmSync(calls, { force: true });
    const res = run(BIN, args, { KAPSEL_NODE: recorder });
    return { status: res.status, stdout: res.stdout, stderr: res.stderr, node: fs.existsSync(calls) };
  };

  // The shapes engines use: answered by the script, as the CLI answers (exit 0, no output).
  for (const args of [
    ['--root', root, 'delete', '--force', 'missing'],
    ['--root', root, 'delete', '-f', 'missing'],
    [`--root=${root}`, '--log', path.join(tmp, 'log.json'), '--log-format', 'json', 'delete', '--force', 'missing'],
    ['--root', root, '--systemd-cgroup', 'delete', '--force', 'missing'],
  ]) {
    assert.deepEqual(viaCli(args), { status: 0, stdout: '', stderr: '', node: false }, args.join(' '));
  }
  assert.ok(!fs.existsSync(path.join(tmp, 'log.json')), 'the log file is not even opened');

  // Everything else reaches the CLI: a container that exists, a dangling
  // symlink, an id the CLI refuses (it must say so), --debug (which logs),
  // delete without --force, no --root or a relative one, more arguments.
  const toCli: [string[], number][] = [
    [['--root', root, 'delete', '--force', 'present'], 0],
    [['--root', root, 'delete', '--force', 'dangling'], 0],
    [['--root', root, 'delete', '--force', '../delete-root/present'], 1],
    [['--root', root, 'delete', '--force', '..'], 1],
    [['--root', root, 'delete', '--force', 'x'.repeat(256)], 1],
    [['--root', root, '--debug', 'delete', '--force', 'missing'], 0],
    [['--root', root, 'delete', 'missing'], 1],
    [['--root', 'relative', 'delete', '--force', 'missing'], 0],
    [['--root', root, 'delete', '--force', 'missing', 'extra'], 1],
    [['--root', root, 'kill', 'missing'], 1],
    [['--root', root, '--log-format', 'xml', 'delete', '--force', 'missing'], 1],
    [['--root', linkedRoot, 'delete', '--force', 'missing'], 1],
  ];
  for (const [args, status] of toCli) {
    const res = viaCli(args);
    assert.ok(res.node, `${args.join(' ')}: reaches the CLI`);
    assert.equal(res.status, status, `${args.join(' ')}: ${res.stderr}`);
  }
  fs.rmSync(path.join(tmp, 'relative'), { recursive: true, force: true });
});

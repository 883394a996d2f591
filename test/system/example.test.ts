// The seed workflow, end to end through bin/kapsel: examples/hello-world
// (spec --rootless, createContainer + postStop hooks, create, list, state,
// start, state, delete), as root and as an unprivileged user; and the
// testing example's suite of a config generator (examples/testing) as an
// unprivileged user.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../helpers/bundle';
import { assertNoLeaks, snapshotSystem, type SystemSnapshot } from '../helpers/leaks';
import { tempDir, TMP_PREFIX } from '../helpers/tmp';
import { ensureTestUser, runCommandAsUser, userReadableRepo } from '../helpers/user';

const skip = process.getuid!() !== 0 ? 'needs root' : false;
let snapshot: SystemSnapshot;

before(() => {
  if (!skip) snapshot = snapshotSystem();
});
after(() => {
  if (!skip) assertNoLeaks(snapshot, TMP_PREFIX);
});

/** Checks the transcript: hooks after each step, Hello World, the states. */
function checkTranscript(output: string, createHook: string, poststopHook: string): void {
  const sections = output.split('\n$ ');
  const section = (cmd: string, nth = 0): string => {
    const found = sections.filter((s) => s.startsWith(`kapsel ${cmd}`));
    assert.ok(found[nth] !== undefined, `no "kapsel ${cmd}" step in:\n${output}`);
    return found[nth];
  };
  const create = section('create');
  assert.ok(create.includes(`${createHook}: exists`), create);
  assert.ok(create.includes(`${poststopHook}: absent`), create);
  assert.match(section('list'), /\nhello-\d+\s+\d+\s+created\s/);
  assert.match(section('state'), /"status": "created"/);
  assert.match(section('start'), /^kapsel start hello-\d+\nHello World\n/);
  assert.match(section('state', 1), /"status": "stopped"/);
  assert.ok(section('delete').includes(`${poststopHook}: exists`));
  assert.match(output, /hello-world example: OK/);
}

test('the hello-world example as root', { skip }, () => {
  const hooks = tempDir('hookfiles');
  try {
    const res = spawnSync('bash', [path.join(REPO_ROOT, 'examples', 'hello-world', 'run.sh')], {
      encoding: 'utf8',
      env: { ...process.env, KAPSEL_HOOK_DIR: hooks },
      timeout: 60_000,
    });
    assert.equal(res.status, 0, res.stdout + res.stderr);
    checkTranscript(res.stdout, path.join(hooks, 'createContainerHook'), path.join(hooks, 'postStopHook'));
  } finally {
    fs.rmSync(hooks, { recursive: true, force: true });
  }
});

test('the hello-world example keeps the bundle of a WORKDIR it is given (examples/embed uses it)', { skip }, () => {
  const hooks = tempDir('hookfiles');
  const work = tempDir('example-work');
  try {
    const res = spawnSync('bash', [path.join(REPO_ROOT, 'examples', 'hello-world', 'run.sh'), work], {
      encoding: 'utf8',
      env: { ...process.env, KAPSEL_HOOK_DIR: hooks },
      timeout: 60_000,
    });
    assert.equal(res.status, 0, res.stdout + res.stderr);
    assert.ok(fs.statSync(path.join(work, 'bundle', 'config.json')).isFile(), 'config.json kept');
    assert.ok(fs.statSync(path.join(work, 'bundle', 'rootfs', 'bin', 'hello-world')).isFile(), 'rootfs kept');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(hooks, { recursive: true, force: true });
  }
});

test('the hello-world example as an unprivileged user', { skip }, () => {
  const { uid, gid } = ensureTestUser();
  const repo = userReadableRepo();
  const hooks = tempDir('hookfiles');
  fs.chownSync(hooks, uid, gid);
  try {
    const run = runCommandAsUser(['/usr/bin/env', `KAPSEL_HOOK_DIR=${hooks}`, 'bash', path.join(repo.dir, 'examples', 'hello-world', 'run.sh')]);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    checkTranscript(run.stdout, path.join(hooks, 'createContainerHook-kapsel-test'), path.join(hooks, 'postStopHook-kapsel-test'));
    assert.equal(fs.statSync(path.join(hooks, 'postStopHook-kapsel-test')).uid, uid, 'hooks ran as the user');
    assert.deepEqual(run.runtimeDirLeftovers.filter((f) => f !== 'kapsel'), [], 'no state left in XDG_RUNTIME_DIR');
  } finally {
    fs.rmSync(hooks, { recursive: true, force: true });
    repo.release();
  }
});

// examples/testing: node:test suites a user of kapsel/testing would write,
// run as an unprivileged user, as CI without root runs them. The
// conformance example needs a runtime binary and runs the whole kit:
// test/system/conformance.test.ts covers that.
test('the kapsel/testing examples pass as an unprivileged user', { skip }, () => {
  const repo = userReadableRepo();
  try {
    const dir = path.join(repo.dir, 'dist', 'examples', 'testing');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.test.js') && f !== 'runtime-conformance.test.js');
    assert.ok(files.includes('supervisor.test.js') && files.includes('config-plans.test.js'), `examples found: ${files.join(', ')}`);
    // Each file run directly (node:test runs it in this process): `node
    // --test` would spawn its children by process.execPath, which the user
    // may not reach (CI's Node 24 lives under /root/.cache).
    for (const file of files) {
      const run = runCommandAsUser([process.execPath, '--test-reporter=tap', path.join(dir, file)], 120_000);
      assert.equal(run.status, 0, `${file}: ${run.stdout}${run.stderr}`);
      assert.match(run.stdout, /^# fail 0$/m, file);
      assert.doesNotMatch(run.stdout, /^# pass 0$/m, file);
    }
  } finally {
    repo.release();
  }
});

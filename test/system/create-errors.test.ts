// Issue 20 item 6: create's failures name the config field behind them.
// A bind mount whose source is missing is a MountSourceError naming
// /mounts/N/source and the source (not the target in the rootfs); a root
// config run by an unprivileged user (the real kapsel-test user, through
// the CLI) says what runc says and how to fix it. Nothing is left either way.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Container, InvalidConfigError, MountSourceError, SyscallError } from '../../lib';
import { uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';
import { runCommandAsUser, userReadableRepo } from '../helpers/user';

const suite = systemSuite();
const { skip } = suite;
let repo: ReturnType<typeof userReadableRepo> | undefined;
after(() => repo?.release());

test('a missing bind source: MountSourceError with /mounts/N/source and the source path; nothing left', { skip }, async () => {
  const dir = tempDir('bind-src');
  const missing = path.join(dir, 'not-there');
  const bundle = suite.bundle({ edit: (s) => s.mounts!.push({ destination: '/data', type: 'bind', source: missing, options: ['rbind'] }) });
  const index = bundle.config.mounts!.length - 1;
  try {
    await assert.rejects(Container.create({ id: uniqueId(), bundle: bundle.dir, root: suite.root, stdio: [0, 1, 2] }), (err: unknown) => {
      assert.ok(err instanceof MountSourceError, String(err));
      assert.ok(err instanceof InvalidConfigError);
      assert.equal(err.code, 'ERR_INVALID_CONFIG');
      assert.equal(err.jsonPath, `/mounts/${index}/source`);
      assert.equal(err.path, missing);
      assert.equal(err.errnoName, 'ENOENT');
      assert.match(err.message, new RegExp(`^invalid config\\.json: /mounts/${index}/source: bind mount source ${missing}: no such file or directory`));
      assert.doesNotMatch(err.message, /rootfs\/data/, 'the target is not what is missing');
      assert.ok(err.cause instanceof SyscallError, 'the failed syscall stays the cause');
      return true;
    });
    assert.deepEqual(fs.readdirSync(suite.root), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a relative bind source that is missing is named resolved against the bundle', { skip }, async () => {
  const bundle = suite.bundle({ edit: (s) => s.mounts!.push({ destination: '/data', type: 'bind', source: 'no-such-dir', options: ['bind'] }) });
  await assert.rejects(Container.create({ id: uniqueId(), bundle: bundle.dir, root: suite.root, stdio: [0, 1, 2] }), (err: unknown) => {
    assert.ok(err instanceof MountSourceError, String(err));
    assert.equal(err.jsonPath, `/mounts/${bundle.config.mounts!.length - 1}/source`);
    assert.equal(err.path, path.join(bundle.dir, 'no-such-dir'));
    return true;
  });
  assert.deepEqual(fs.readdirSync(suite.root), []);
});

test('a root config run by an unprivileged user: "rootless container requires user namespaces" and the fix; nothing left', { skip }, () => {
  repo = userReadableRepo();
  const bundle = suite.bundle(); // a root config: namespaces, no user namespace
  const run = runCommandAsUser([path.join(repo.dir, 'bin', 'kapsel'), 'run', '--bundle', bundle.dir, uniqueId()]);
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /^kapsel: rootless container requires user namespaces: .*kapsel spec --rootless/);
  // The state root (the user's default, under XDG_RUNTIME_DIR) holds no container.
  assert.deepEqual(run.runtimeDirLeftovers.filter((p) => p.split('/').length > 1), []);
});

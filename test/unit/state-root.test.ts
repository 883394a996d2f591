// The state root is opened O_NOFOLLOW, checked to be ours alone and used
// through its fd (lib/state/root.ts, owned-dir.ts): the checks that need no
// second user (those are in test/system/state-root-trust.test.ts), and the
// swap of the root between the check and the use.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Container } from '../../lib';
import { UntrustedPathError } from '../../lib/errors';
import { openStateRoot, withStateRoot } from '../../lib/state/root';
import { listIds, readState, writeState, type StoredState } from '../../lib/state/store';

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-state-root-')));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

let serial = 0;
const fresh = (): string => path.join(tmp, `case-${++serial}`);

function stored(id: string, bundle: string): StoredState {
  return { ociVersion: '1.0.2', id, pid: 0, initStartTime: 0, bundle, rootfs: '/', created: '', owner: 'me', ownPidNamespace: true, rootless: true };
}

test('a missing root is made 0700 with its parents, whatever the umask, and used through its fd', () => {
  const root = path.join(fresh(), 'a', 'b');
  const old = process.umask(0);
  let handle;
  try {
    handle = openStateRoot(root, true)!;
  } finally {
    process.umask(old);
  }
  try {
    assert.equal(fs.statSync(root).mode & 0o7777, 0o700);
    assert.equal(fs.statSync(path.dirname(root)).mode & 0o7777, 0o700);
    assert.match(handle.dir, /^\/proc\/self\/fd\/\d+$/);
    assert.equal(fs.realpathSync(handle.dir), root);
  } finally {
    handle.close();
  }
});

test('without create a missing root is undefined: list is empty, load is "does not exist"; nothing is made', async () => {
  const root = fresh();
  assert.equal(openStateRoot(root, false), undefined);
  assert.deepEqual(await Container.list({ root }), []);
  await assert.rejects(Container.load('x', { root }), { code: 'ERR_CONTAINER_NOT_FOUND' });
  assert.equal(fs.existsSync(root), false);
});

test('a root writable by its group or by others, a symlink, a file: refused with the path and what is wrong', async () => {
  const groupWritable = fresh();
  fs.mkdirSync(groupWritable, { mode: 0o700 });
  fs.chmodSync(groupWritable, 0o770);
  const worldWritable = fresh();
  fs.mkdirSync(worldWritable, { mode: 0o700 });
  fs.chmodSync(worldWritable, 0o1777);
  const link = fresh();
  fs.symlinkSync(groupWritable, link);
  const file = fresh();
  fs.writeFileSync(file, '');
  const cases: [string, RegExp][] = [
    [groupWritable, /it is writable by its group \(mode 0770\)/],
    [worldWritable, /it is writable by its group and others \(mode 1777\)/],
    [link, /it is a symbolic link/],
    [file, /it is not a directory/],
  ];
  for (const [root, problem] of cases) {
    for (const create of [false, true]) {
      assert.throws(
        () => openStateRoot(root, create),
        (err: unknown) => err instanceof UntrustedPathError && err.code === 'ERR_UNTRUSTED_PATH' && err.path === root && problem.test(err.message),
        root,
      );
    }
    await assert.rejects(Container.list({ root }), (err: unknown) => err instanceof UntrustedPathError && err.message.startsWith(`refusing state root ${root}: `));
  }
  // A mode-0755 root of ours (as containerd makes its 0711 ones) is fine: nobody else can write it.
  const readable = fresh();
  fs.mkdirSync(readable, { mode: 0o755 });
  fs.chmodSync(readable, 0o755);
  assert.deepEqual(await Container.list({ root: readable }), []);
});

test('a root swapped after the check (renamed away, another directory put at its path) is not the one used', () => {
  const root = fresh();
  fs.mkdirSync(root, { mode: 0o700 });
  fs.mkdirSync(path.join(root, 'c1'));
  writeState(root, stored('c1', '/ours'));
  withStateRoot(root, 'create', (dir) => {
    // What someone who can write the parent does between a check by path and the use.
    fs.renameSync(root, `${root}.away`);
    fs.mkdirSync(root, { mode: 0o700 });
    fs.mkdirSync(path.join(root, 'c1'));
    writeState(root, stored('c1', '/theirs'));
    fs.mkdirSync(path.join(root, 'c2'));
    assert.equal(readState(dir, 'c1')?.bundle, '/ours');
    assert.deepEqual(listIds(dir), ['c1']);
  });
});

test('withStateRoot closes its fd when the operation ends, also when it rejects', async () => {
  const root = fresh();
  let seen = '';
  await assert.rejects(
    withStateRoot(root, 'create', async (dir) => {
      seen = dir;
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(fs.realpathSync(dir), root, 'open while the operation runs');
      throw new Error('failed');
    }),
    /failed/,
  );
  const fd = seen.slice('/proc/self/fd/'.length);
  const now = fs.existsSync(seen) ? fs.readlinkSync(seen) : undefined;
  assert.notEqual(now, root, `fd ${fd} still open on the root`);
});

// The status of a container whose init never ran, seen from outside the
// lock (state(), list) and from an operation holding it (the state
// machine's check): the two agree, because deriveStatus is told whether the
// caller holds the lock instead of taking it again (a second flock from
// the same process conflicts with the first and read as "creating").
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Container } from '../../lib';
import { InvalidStateError } from '../../lib/errors';
import { assertAllowed } from '../../lib/state/machine';
import { deriveStatus } from '../../lib/state/status';
import { containerDir, createContainerDir, lockContainer, tryLock, withLock } from '../../lib/state/store';

const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-state-status-')));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const silent = { warn: () => undefined };

test('status under the lock: a container being created is "creating" for state() and for the state machine', async () => {
  createContainerDir(root, 'being-created');
  // The creator holds the lock from the directory's creation to state.json.
  const creator = tryLock(containerDir(root, 'being-created'))!;
  assert.ok(creator, 'the creator has the lock');
  try {
    const c = await Container.load('being-created', { root, logger: silent });
    assert.equal(c.state().status, 'creating');
    const seen = deriveStatus(root, 'being-created', undefined, { lockHeld: false });
    assert.equal(seen, 'creating');
    assert.throws(() => assertAllowed('being-created', 'delete', seen), /in state "creating"/);
    // The creator itself, under its own lock, still has no init: the
    // operation it would run sees no other creator.
    assert.equal(deriveStatus(root, 'being-created', undefined, { lockHeld: true }), 'stopped');
  } finally {
    creator.release();
  }
  fs.rmSync(containerDir(root, 'being-created'), { recursive: true });
});

test('status under the lock: a create that died half-way is "stopped" for state() and for delete()', async () => {
  createContainerDir(root, 'half-created');
  const c = await Container.load('half-created', { root, logger: silent });
  assert.equal(c.state().status, 'stopped');
  // Under our own lock, as every operation derives it.
  await withLock(root, 'half-created', () => {
    const status = deriveStatus(root, 'half-created', undefined, { lockHeld: true });
    assert.equal(status, 'stopped');
    assert.doesNotThrow(() => assertAllowed('half-created', 'delete', status));
  });
  // delete() agrees with state(): it used to fail "in state creating".
  await c.delete();
  assert.equal(fs.existsSync(containerDir(root, 'half-created')), false);
});

test('status under the lock: delete waits for a creator, then finds its half-created directory stopped', async () => {
  createContainerDir(root, 'creator-died');
  const creator = await lockContainer(root, 'creator-died');
  const c = await Container.load('creator-died', { root, logger: silent });
  // delete polls for the lock the creator holds; meanwhile it is "creating".
  const deleting = c.delete();
  assert.equal(c.state().status, 'creating');
  creator.release(); // the creator dies without writing state.json
  await deleting;
  assert.equal(fs.existsSync(containerDir(root, 'creator-died')), false);
});

test('start and kill of a container whose init never ran are refused as "stopped", changing nothing', async () => {
  createContainerDir(root, 'never-ran');
  const c = await Container.load('never-ran', { root, logger: silent });
  await assert.rejects(c.start(), (e: unknown) => e instanceof InvalidStateError && /container is stopped/.test(e.message));
  await assert.rejects(c.kill('SIGKILL'), (e: unknown) => e instanceof InvalidStateError && /container not running/.test(e.message));
  assert.ok(fs.existsSync(containerDir(root, 'never-ran')));
  await c.delete();
});

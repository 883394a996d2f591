// Bad input gets a clear error naming the problem, and leaves nothing
// behind: no state directory, process, mount or fd (checked after each case
// and once more for the whole file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Container } from '../../lib';
import type { Bundle, BundleOptions } from '../helpers/bundle';
import { childProcesses } from '../helpers/leaks';
import { uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { TMP_PREFIX } from '../helpers/tmp';

const suite = systemSuite();
const { skip } = suite;

function bundleWith(edit?: BundleOptions['edit']): Bundle {
  return suite.bundle({ edit });
}

async function expectCreateFailure(bundleDir: string, check: (err: Error & Record<string, unknown>) => void, id = uniqueId()): Promise<void> {
  await assert.rejects(Container.create({ id, bundle: bundleDir, root: suite.root }), (err: Error & Record<string, unknown>) => {
    check(err);
    return true;
  });
  assert.deepEqual(fs.readdirSync(suite.root), [], 'no state directory is left');
  assert.deepEqual(childProcesses(), [], 'no process is left');
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(TMP_PREFIX));
  assert.deepEqual(mounts, [], 'no mount is left');
}

test('a missing bundle directory', { skip }, async () => {
  await expectCreateFailure('/nonexistent/bundle', (err) => {
    assert.equal(err.code, 'ERR_BUNDLE');
    assert.match(err.message, /\/nonexistent\/bundle.*no such file or directory/);
  });
});

test('a missing config.json', { skip }, async () => {
  const b = bundleWith();
  fs.rmSync(path.join(b.dir, 'config.json'));
  await expectCreateFailure(b.dir, (err) => {
    assert.equal(err.code, 'ERR_BUNDLE');
    assert.match(err.message, /config\.json: no such file or directory/);
  });
});

test('config.json that is not JSON', { skip }, async () => {
  const b = bundleWith();
  fs.writeFileSync(path.join(b.dir, 'config.json'), '{"ociVersion": "1.0.0",,}');
  await expectCreateFailure(b.dir, (err) => {
    assert.equal(err.code, 'ERR_INVALID_CONFIG');
    assert.match(err.message, /invalid JSON/);
  });
});

test('a field of the wrong type names its JSON path', { skip }, async () => {
  const b = bundleWith((s) => ((s.process as unknown as Record<string, unknown>).args = 'probe'));
  await expectCreateFailure(b.dir, (err) => {
    assert.equal(err.code, 'ERR_INVALID_CONFIG');
    assert.equal(err.jsonPath, '/process/args');
  });
});

test('a missing rootfs', { skip }, async () => {
  const b = bundleWith();
  fs.rmSync(b.rootfs, { recursive: true });
  await expectCreateFailure(b.dir, (err) => {
    assert.equal(err.code, 'ERR_BUNDLE');
    assert.match(err.message, /rootfs.*no such file or directory/);
  });
});

test('a process binary that does not exist fails create, not start', { skip }, async () => {
  const b = bundleWith((s) => (s.process!.args = ['no-such-binary']));
  await expectCreateFailure(b.dir, (err) => {
    assert.equal(err.code, 'ERR_SYSCALL');
    assert.match(err.message, /executable file not found in \$PATH/);
    assert.deepEqual((err.step as { op: string }).op, 'check-exec');
  });
  const abs = bundleWith((s) => (s.process!.args = ['/no/such/binary']));
  await expectCreateFailure(abs.dir, (err) => {
    assert.equal(err.code, 'ERR_SYSCALL');
    assert.match(err.message, /no such file or directory/);
  });
});

test('a failing syscall inside the container reports the step, errno and path', { skip }, async () => {
  const b = bundleWith((s) => s.mounts!.push({ destination: '/weird', type: 'no-such-fs', source: 'none' }));
  await expectCreateFailure(b.dir, (err) => {
    assert.equal(err.code, 'ERR_SYSCALL');
    // New filesystems are mounted through fds (fsopen, fsconfig, fsmount, move_mount).
    assert.equal(err.syscall, 'fsopen');
    assert.equal(err.errnoName, 'ENODEV');
    assert.match(String(err.path), /\/weird$/);
    assert.equal((err.step as { op: string }).op, 'mount');
    assert.equal(typeof (err.step as { index: number }).index, 'number');
  });
});

test('bad ids are refused before anything is created', { skip }, async () => {
  const b = bundleWith();
  for (const id of ['', 'a/b', '..', '.', 'a b']) {
    await expectCreateFailure(b.dir, (err) => assert.equal(err.code, 'ERR_INVALID_ID'), id);
  }
});

// The CLI's create still refuses it (stdio-streams.test.ts): it would exit with nobody holding the master.
test('a terminal without a console socket: the library receives the master itself (c.terminal)', { skip }, async () => {
  const b = bundleWith((s) => (s.process!.terminal = true));
  const c = await Container.create({ id: uniqueId(), bundle: b.dir, root: suite.root });
  try {
    assert.ok(c.terminal, 'c.terminal');
  } finally {
    await c.delete({ force: true });
    c.terminal?.destroy();
  }
});

test('a console socket without a terminal is refused', { skip }, async () => {
  const b = bundleWith();
  await assert.rejects(Container.create({ id: uniqueId(), bundle: b.dir, root: suite.root, consoleSocket: '/tmp/x.sock' }), {
    code: 'ERR_INVALID_ARGUMENT',
  });
  assert.deepEqual(fs.readdirSync(suite.root), []);
});

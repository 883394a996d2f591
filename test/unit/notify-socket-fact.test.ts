// What the runtime finds at NOTIFY_SOCKET's path (host/facts.ts): lstat,
// the last component never followed, a socket's st_dev and st_ino exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { notifySocketFact } from '../../lib/host/facts';

test('notifySocketFact: a socket with its identity; a symlink, a file, a directory by kind; a missing path by errno', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-unit-'));
  const socket = path.join(dir, 'notify.sock');
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  try {
    const st = fs.statSync(socket, { bigint: true });
    assert.deepEqual(notifySocketFact(socket), { path: socket, kind: 'socket', dev: String(st.dev), ino: String(st.ino) });
    fs.symlinkSync(socket, path.join(dir, 'link'));
    assert.deepEqual(notifySocketFact(path.join(dir, 'link')), { path: path.join(dir, 'link'), kind: 'symlink' });
    fs.writeFileSync(path.join(dir, 'file'), '');
    assert.deepEqual(notifySocketFact(path.join(dir, 'file')), { path: path.join(dir, 'file'), kind: 'regular file' });
    assert.deepEqual(notifySocketFact('/'), { path: '/', kind: 'directory' });
    assert.deepEqual(notifySocketFact(path.join(dir, 'none')), { path: path.join(dir, 'none'), kind: 'error', error: 'ENOENT' });
    assert.equal(notifySocketFact('@abstract'), undefined);
    assert.equal(notifySocketFact(undefined), undefined);
  } finally {
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

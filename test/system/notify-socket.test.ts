// Issue 9 item 18 (NOTIFY_SOCKET): with NOTIFY_SOCKET in the runtime's
// environment, the container gets the socket bind-mounted at
// /run/notify/notify.sock and its NOTIFY_SOCKET points there (as crun).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { probeReport } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';

const suite = systemSuite();
const { skip } = suite;

test('the runtime\'s NOTIFY_SOCKET is bound into the container and named by its NOTIFY_SOCKET', { skip }, async () => {
  const dir = tempDir('notify');
  const socket = path.join(dir, 'notify.sock');
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  const saved = process.env.NOTIFY_SOCKET;
  process.env.NOTIFY_SOCKET = socket;
  try {
    const bundle = suite.bundle({ edit: (s) => (s.process!.env = [...(s.process!.env ?? []), 'NOTIFY_SOCKET=/elsewhere']) });
    const report = await probeReport(bundle, ['/run/notify/notify.sock']);
    assert.ok(report.env.includes('NOTIFY_SOCKET=/run/notify/notify.sock'), report.env.join(' '));
    assert.ok(!report.env.includes('NOTIFY_SOCKET=/elsewhere'));
    const st = report.stat['/run/notify/notify.sock'];
    assert.ok(!('error' in st), JSON.stringify(st));
    assert.equal(st.type, 'other', 'a socket, not a file created in its place');
    assert.ok(report.mounts.some((line) => line.split(' ')[4] === '/run/notify/notify.sock'));
  } finally {
    if (saved === undefined) delete process.env.NOTIFY_SOCKET;
    else process.env.NOTIFY_SOCKET = saved;
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// The init's bind-socket step (the runtime's NOTIFY_SOCKET, issue 16 hole
// 6) checks what it opened before it makes or mounts anything: a socket
// swapped for another one since the runtime looked (another inode), a
// regular file or a symlink in its place each fail, naming the variable
// and the path, and the target is never created. Run by the real init on
// hand-written plans, outside any container (the refusals come before any
// mount, so no mount namespace is needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Step } from '../../lib/plan/steps';
import { runPlan } from '../helpers/init-plan';

const skip = process.getuid!() !== 0 ? 'needs root' : false;

test('bind-socket refuses a swapped socket, a regular file and a symlink, and creates no target', { skip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-native-'));
  const root = path.join(dir, 'rootfs');
  fs.mkdirSync(root);
  const socket = path.join(dir, 'notify.sock');
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  try {
    const st = fs.statSync(socket, { bigint: true });
    const file = path.join(dir, 'file');
    fs.writeFileSync(file, 'host\n');
    const link = path.join(dir, 'link');
    fs.symlinkSync(socket, link);
    const bind = (source: string, ino: bigint): Step[] => [
      { op: 'root', path: root },
      { op: 'bind-socket', what: 'NOTIFY_SOCKET', source, dev: String(st.dev), ino: String(ino), target: '/run/notify/notify.sock' },
    ];
    const cases: Array<[Step[], string, RegExp]> = [
      [bind(socket, st.ino + 1n), 'ESTALE', /is not the socket the runtime looked at/],
      [bind(file, st.ino), 'ENOTSOCK', /is not a socket/],
      [bind(link, st.ino), 'ENOTSOCK', /is not a socket/],
    ];
    for (const [steps, errno, message] of cases) {
      const run = await runPlan(steps);
      assert.equal(run.exitCode, 1, run.stderr);
      assert.equal(run.reported?.type, 'error');
      if (run.reported?.type !== 'error') return;
      assert.deepEqual([run.reported.step, run.reported.syscall, run.reported.errno], [1, 'bind-socket', os.constants.errno[errno as keyof typeof os.constants.errno]]);
      assert.match(run.reported.message, /NOTIFY_SOCKET=\//);
      assert.match(run.reported.message, message);
      assert.deepEqual(fs.readdirSync(root), [], 'no target made');
    }
    assert.equal(fs.readFileSync(file, 'utf8'), 'host\n');
  } finally {
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// process.terminal: the container gets a pty from its own devpts; the slave
// is its stdio, controlling terminal and /dev/console; the master reaches
// the engine over the console socket (SCM_RIGHTS), as runc does it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Container } from '../../lib';
import { native } from '../../lib/native/addon';
import { REPO_ROOT } from '../helpers/bundle';
import type { ProbeReport } from '../helpers/run';
import { uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';
import { testAddon } from '../helpers/test-addon';

const suite = systemSuite();
const { skip } = suite;

/** Everything the master has to give until the slave side is gone (EIO). */
function drain(master: number): string {
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(65536);
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(master, buf);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EIO') break;
      throw err;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

test('the pty master arrives on the console socket; the slave is stdio, ctty and /dev/console', { skip }, async () => {
  const dir = tempDir('console');
  const socketPath = path.join(dir, 'console.sock');
  const listener = testAddon().unixListen(socketPath);
  const b = suite.bundle({
    edit: (s) => {
      s.process!.terminal = true;
      s.process!.consoleSize = { height: 33, width: 111 };
      s.process!.args = ['/probe', 'report', '/dev/console'];
    },
  });
  let connection = -1;
  let master = -1;
  try {
    const c = await Container.create({ id: uniqueId(), bundle: b.dir, root: suite.root, consoleSocket: socketPath });
    try {
      connection = testAddon().unixAccept(listener);
      const received = native().receiveFd(connection);
      master = received.fd;
      assert.ok(received.data.length > 0, 'the message has a payload');
      assert.match(fs.readlinkSync(`/proc/self/fd/${master}`), /ptmx/);
      await c.start();
      assert.deepEqual(await c.wait(), { exitCode: 0, signal: null });
    } finally {
      await c.delete({ force: true });
    }
    const output = drain(master);
    // The terminal turns "\n" into "\r\n" (onlcr): proof the output went through it.
    assert.ok(output.endsWith('\r\n'), JSON.stringify(output.slice(-10)));
    const report = JSON.parse(output.replace(/\r\n/g, '\n')) as ProbeReport;
    assert.equal(report.fds['0'], '/dev/pts/0');
    assert.equal(report.fds['1'], '/dev/pts/0');
    assert.equal(report.fds['2'], '/dev/pts/0');
    assert.deepEqual(report.tty, { isatty: 1, rows: 33, cols: 111, controlling: 1, sid: 1 });
    const consoleStat = report.stat['/dev/console'];
    assert.ok(consoleStat && 'type' in consoleStat && consoleStat.type === 'char', JSON.stringify(consoleStat));
    assert.equal((consoleStat as { major: number }).major, 136, 'a pty slave (major 136)');
  } finally {
    for (const fd of [master, connection, listener]) if (fd >= 0) fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a console socket that nobody listens on fails create and leaves nothing', { skip }, async () => {
  const b = suite.bundle({ edit: (s) => (s.process!.terminal = true) });
  await assert.rejects(Container.create({ id: uniqueId(), bundle: b.dir, root: suite.root, consoleSocket: '/nonexistent/console.sock' }), {
    code: 'ERR_SYSCALL',
    syscall: 'connect',
  });
  assert.deepEqual(fs.readdirSync(suite.root), []);
});

test('kapsel run relays a terminal config to its own terminal, window size included', { skip: skip || (fs.existsSync('/usr/bin/script') ? false : 'needs script(1)') }, () => {
  const b = suite.bundle({
    edit: (s) => {
      s.process!.terminal = true;
      s.process!.args = ['/probe', 'report'];
    },
  });
  const bin = path.join(REPO_ROOT, 'bin', 'kapsel');
  const id = uniqueId();
  // script(1) gives kapsel a terminal of its own, as a user's shell would.
  const res = spawnSync('script', ['-qec', `stty rows 45 cols 123; ${bin} --root ${suite.root} run -b ${b.dir} ${id}`, '/dev/null'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  assert.equal(res.status, 0, res.stdout + res.stderr);
  const text = res.stdout.replace(/\r/g, '');
  const report = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)) as ProbeReport;
  assert.deepEqual(report.tty, { isatty: 1, rows: 45, cols: 123, controlling: 1, sid: 1 });
  assert.equal(report.fds['0'], '/dev/pts/0');
  assert.deepEqual(fs.readdirSync(suite.root), [], 'run deleted the container');
});

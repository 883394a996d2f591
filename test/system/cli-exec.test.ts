/**
 * `kapsel exec` through the real bin/kapsel, as engines call it: runc's
 * flags, --process files, exit statuses (128 + signal), --detach with
 * --pid-file, -t with a console socket, --preserve-fds, and refusals of
 * bad -u values and of a container that is not running.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { native } from '../../lib/native/addon';
import { TEST_USER, type Bundle } from '../helpers/bundle';
import { BIN, kapselCli, type CliResult } from '../helpers/cli';
import type { ProbeReport } from '../helpers/run';
import { uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';
import { untilReady } from '../helpers/until-ready';
import { capHex } from '../helpers/capabilities';
import { testAddon } from '../helpers/test-addon';

const suite = systemSuite();
const { skip } = suite;

type Result = CliResult;

/** bin/kapsel --root ROOT ARGS with stdout/stderr in files (a container may keep a pipe open). */
function kapsel(args: string[], extraFds: number[] = []): Result {
  return kapselCli(suite.root, args, { extraFds });
}

/** A container of the probe bundle running `/probe sleep 60` (started unless `start` is false); deleted after `fn`. */
async function withContainer(fn: (id: string, bundle: Bundle) => Promise<void> | void, start = true): Promise<void> {
  const bundle = suite.bundle({
    edit: (spec) => {
      spec.process!.args = ['/probe', 'sleep', '60'];
      spec.process!.env = ['PATH=/bin', 'FROM_CONFIG=1'];
    },
  });
  const id = uniqueId();
  try {
    const created = kapsel(['create', '--bundle', bundle.dir, id]);
    assert.equal(created.status, 0, created.stderr);
    if (start) assert.equal(kapsel(['start', id]).status, 0);
    await fn(id, bundle);
  } finally {
    kapsel(['delete', '--force', id]);
  }
}

function report(res: Result): ProbeReport {
  assert.equal(res.status, 0, res.stderr);
  return JSON.parse(res.stdout) as ProbeReport;
}

test('exit status: the process\'s code, 128 + signal when killed', { skip }, async () => {
  await withContainer(async (id) => {
    assert.equal(kapsel(['exec', id, '/probe', 'exit', '5']).status, 5);
    const pidFile = path.join(tempDir('cli-exec-pid'), 'pid');
    const child = spawn(BIN, ['--root', suite.root, 'exec', '--pid-file', pidFile, id, '/probe', 'sleep', '60'], { stdio: 'ignore' });
    const status = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    while (!fs.existsSync(pidFile)) await new Promise((r) => setTimeout(r, 20));
    process.kill(Number(fs.readFileSync(pidFile, 'utf8')), 'SIGKILL');
    assert.equal(await status, 128 + 9);
    fs.rmSync(path.dirname(pidFile), { recursive: true });
  });
});

test('flags on top of the config\'s process: -u, -g, -e, --cwd, --cap, --no-new-privs; flags after the command are its own', { skip }, async () => {
  await withContainer((id) => {
    const r = report(
      kapsel([
        'exec', '-u', `${TEST_USER.uid}:${TEST_USER.gid}`, '-g', '7', '--additional-gids=8', '-e', 'A=1', '--env', 'FROM_CONFIG=2',
        '--cwd', '/etc', '--cap', 'CAP_KILL', '--no-new-privs', id, '/probe', 'report', '--cwd',
      ]),
    );
    assert.deepEqual(r.argv, ['/probe', 'report', '--cwd']);
    assert.deepEqual([r.uid, r.gid], [TEST_USER.uid, TEST_USER.gid]);
    assert.deepEqual([...r.groups].sort(), [7, 8]);
    // The last value wins, where it last appeared (runc's dedup); HOME from the image's passwd.
    assert.deepEqual(r.env, ['PATH=/bin', 'A=1', 'FROM_CONFIG=2', `HOME=${TEST_USER.home}`]);
    assert.equal(r.cwd, '/etc');
    assert.equal(r.status.NoNewPrivs, '1');
    // CAP_KILL (5) joined the config's sets; never inheritable or ambient.
    assert.equal(BigInt(`0x${r.status.CapBnd}`) & (1n << 5n), 1n << 5n);
    assert.equal(r.status.CapInh, '0000000000000000');
    assert.equal(r.status.CapAmb, '0000000000000000');
  });
});

test('-u values outside 0..2^31-1, "1:abc" and "" are refused', { skip }, async () => {
  await withContainer((id) => {
    for (const user of ['', '1:abc', '-1', '2147483648', '4294967296', 'root', '1:']) {
      const res = kapsel(['exec', '-u', user, id, '/probe', 'report']);
      assert.equal(res.status, 1, `-u ${JSON.stringify(user)}: ${res.stdout}`);
      assert.match(res.stderr, /--user/, `-u ${JSON.stringify(user)}`);
    }
  });
});

test('--process FILE as engines send it, --detach with --pid-file', { skip }, async () => {
  await withContainer(async (id) => {
    const dir = tempDir('cli-exec-process');
    try {
      const file = path.join(dir, 'process.json');
      fs.writeFileSync(file, JSON.stringify({ args: ['/probe', 'sleep', '60'], cwd: '/', env: ['PATH=/bin'], user: { uid: 0, gid: 0 } }));
      const pidFile = path.join(dir, 'pid');
      const res = kapsel(['exec', '--process', file, '--detach', '--pid-file', pidFile, id]);
      assert.equal(res.status, 0, res.stderr);
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      assert.ok(pid > 0);
      // It runs on in the container's pid namespace after the CLI exited, no longer its child.
      const initPid = (JSON.parse(kapsel(['state', id]).stdout) as { pid: number }).pid;
      assert.equal(fs.readlinkSync(`/proc/${pid}/ns/pid`), fs.readlinkSync(`/proc/${initPid}/ns/pid`));
      const ppid = Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      assert.notEqual(ppid, process.pid);
      process.kill(pid, 'SIGKILL');
      // A bad process file names the field.
      fs.writeFileSync(file, JSON.stringify({ args: 'not-a-list', cwd: '/' }));
      const bad = kapsel(['exec', '--process', file, id]);
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /\/args/);
      // The error names the file, not a config.json that was not used.
      fs.writeFileSync(file, JSON.stringify({ args: ['/probe'] }));
      const noCwd = kapsel(['exec', '--process', file, id]);
      assert.equal(noCwd.status, 1);
      assert.ok(noCwd.stderr.includes(`invalid process (--process ${file}): /cwd: is required`), noCwd.stderr);
      assert.doesNotMatch(noCwd.stderr, /config\.json/);
      fs.writeFileSync(file, '{"args": [');
      const notJson = kapsel(['exec', '--process', file, id]);
      assert.equal(notJson.status, 1);
      assert.ok(notJson.stderr.includes(`invalid process (--process ${file}): /: not JSON`), notJson.stderr);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('--preserve-fds passes fd 3 and nothing else', { skip }, async () => {
  await withContainer((id) => {
    const dir = tempDir('cli-exec-fds');
    const extra = fs.openSync(path.join(dir, 'passed'), 'w');
    try {
      const r = report(kapsel(['exec', '--preserve-fds', '1', id, '/probe', 'report'], [extra]));
      assert.deepEqual(Object.keys(r.fds).sort(), ['0', '1', '2', '3']);
      assert.equal(r.fds['3'], path.join(dir, 'passed'));
      // Without the flag nothing beyond stdio reaches the process.
      const r2 = report(kapsel(['exec', id, '/probe', 'report'], [extra]));
      assert.deepEqual(Object.keys(r2.fds).sort(), ['0', '1', '2']);
    } finally {
      fs.closeSync(extra);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('-t with --console-socket: the master arrives there, the process has the slave as its terminal', { skip }, async () => {
  await withContainer(async (id) => {
    const dir = tempDir('cli-exec-tty');
    const socketPath = path.join(dir, 'console.sock');
    const listener = testAddon().unixListen(socketPath);
    try {
      const child = spawn(BIN, ['--root', suite.root, 'exec', '-t', '--console-socket', socketPath, id, '/probe', 'report'], { stdio: 'ignore' });
      const status = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // The runtime connects before it spawns; the master comes once the helper has the pty.
      const connection = await untilReady(() => testAddon().unixAccept(listener));
      const master = (await untilReady(() => native().receiveFd(connection))).fd;
      fs.closeSync(connection);
      let text = '';
      const buffer = Buffer.alloc(65536);
      for (;;) {
        let n = 0;
        try {
          n = await new Promise<number>((resolve, reject) => fs.read(master, buffer, 0, buffer.length, null, (err, bytes) => (err ? reject(err) : resolve(bytes))));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EIO') break;
          throw err;
        }
        if (n === 0) break;
        text += buffer.subarray(0, n).toString('utf8');
      }
      fs.closeSync(master);
      assert.equal(await status, 0);
      const r = JSON.parse(text.slice(text.indexOf('{'))) as ProbeReport;
      assert.equal(r.tty.isatty, 1);
      assert.equal(r.tty.controlling, 1);
    } finally {
      fs.closeSync(listener);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('exec into a created or a missing container fails with words engines parse', { skip }, async () => {
  await withContainer((id) => {
    const res = kapsel(['exec', id, '/probe', 'report']);
    assert.equal(res.status, 1);
    assert.match(res.stderr, /must be running/);
  }, false);
  const missing = kapsel(['exec', 'no-such-container-here', '/probe']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /does not exist/);
});

const hasScript = spawnSync('script', ['--version']).status === 0;

test('-t without --console-socket relays the terminal to the CLI\'s own', { skip: skip || (hasScript ? false : 'needs script(1) for a terminal') }, async () => {
  await withContainer((id) => {
    // script(1) gives the CLI a terminal; the exec'd process gets a pty of the container's own.
    const res = spawnSync('script', ['-qec', `${BIN} --root ${suite.root} exec -t ${id} /probe report`, '/dev/null'], { encoding: 'utf8', timeout: 60_000, stdio: ['pipe', 'pipe', 'pipe'], input: '' });
    assert.equal(res.status, 0, res.stderr);
    const text = res.stdout;
    const r = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)) as ProbeReport;
    assert.equal(r.tty.isatty, 1);
    assert.equal(r.tty.controlling, 1);
    assert.match(r.fds['0'], /^\/dev\/pts\/\d+$/);
  });
});

test('exec without --process starts from the process create recorded: config.json edited or removed since does not matter; --cap adds to its sets', { skip }, async () => {
  await withContainer(async (id, bundle) => {
    const recorded = bundle.config.process!.capabilities!;
    // The attacker's edit after create: another environment, CAP_SYS_ADMIN everywhere.
    bundle.config.process!.env = ['PATH=/bin', 'FROM_CONFIG=edited'];
    const all = ['CAP_SYS_ADMIN'];
    bundle.config.process!.capabilities = { bounding: all, effective: all, permitted: all, inheritable: all, ambient: all };
    bundle.write();
    const edited = report(kapsel(['exec', id, '/probe', 'report']));
    assert.ok(edited.env.includes('FROM_CONFIG=1') && !edited.env.includes('FROM_CONFIG=edited'), edited.env.join(' '));
    assert.equal(edited.status.CapBnd, capHex(recorded.bounding!));
    assert.equal(edited.status.CapAmb, capHex([]));
    fs.rmSync(path.join(bundle.dir, 'config.json'));
    const withCap = report(kapsel(['exec', '--cap', 'CAP_SYS_TIME', id, '/probe', 'report']));
    // The config's process has noNewPrivileges (runc spec's): root's permitted set after the execve is the one it had.
    assert.equal(withCap.status.CapBnd, capHex([...recorded.bounding!, 'CAP_SYS_TIME']));
    assert.equal(withCap.status.CapPrm, capHex([...recorded.permitted!, 'CAP_SYS_TIME']));
    assert.equal(withCap.status.CapEff, capHex([...recorded.permitted!, 'CAP_SYS_TIME']));
    assert.equal(withCap.status.CapInh, capHex(recorded.inheritable ?? []));
    assert.equal(withCap.status.CapAmb, capHex(recorded.ambient ?? []));
  });
});

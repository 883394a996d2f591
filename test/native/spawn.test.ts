// The spawner and its companions: a child cloned into new namespaces, run
// from a sealed memfd copy, with exactly the fds it was given; pidfdWait
// for children (reaping) and for other processes (not reaping); mkfifo and
// the SOCK_SEQPACKET pair.
import assert from 'node:assert/strict';
import { spawn as nodeSpawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { native } from '../../lib/native/addon';
import * as C from '../../lib/native/constants';
import type { Step } from '../../lib/plan/steps';
import { runPlan } from '../helpers/init-plan';
import { testAsRoot } from '../helpers/as-root';
import { killChild } from '../helpers/child';
import { testAddon } from '../helpers/test-addon';

// Root over the namespaces the tests create: see test/helpers/as-root.ts.
const test = testAsRoot(__filename);

function tempFile(name: string): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-native-')), name);
}

function readAndRemove(file: string): string {
  const text = fs.readFileSync(file, 'utf8');
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  return text;
}

test('spawn runs a child into new pid and uts namespaces; pidfdWait reaps it', async () => {
  const file = tempFile('out');
  const out = fs.openSync(file, 'w');
  const { pid, pidfd } = testAddon().spawn({
    file: '/bin/sh',
    argv: ['sh', '-c', 'echo "$$ $(ls /proc/self/fd | sort -n | tr "\\n" " ")"; exit 7'],
    env: ['PATH=/usr/bin:/bin'],
    fds: [0, out, 2],
    cloneFlags: C.CLONE_NEWPID | C.CLONE_NEWUTS,
    join: [],
  });
  fs.closeSync(out);
  assert.ok(pid > 0);
  assert.deepEqual(await native().pidfdWait(pidfd), { exitCode: 7, signal: null });
  fs.closeSync(pidfd);
  const [innerPid, ...fds] = readAndRemove(file).trim().split(/\s+/);
  assert.equal(innerPid, '1', 'pid 1 of a new pid namespace');
  // 0-2, plus the one ls opens to list the directory: nothing of Node's.
  assert.ok(fds.every((fd) => Number(fd) <= 3), `unexpected fds: ${fds.join(' ')}`);
  assert.equal(fs.existsSync(`/proc/${pid}`), false, 'reaped');
});

test('spawn: -1 in fds leaves that number closed in the child, whatever the runtime has open there', async () => {
  const file = tempFile('out');
  const out = fs.openSync(file, 'w');
  // Node's own fds (and this one) are open at 3 and 4 here: -1 must close, not inherit, them.
  const extra = fs.openSync('/dev/null', 'r');
  assert.ok(extra > 4, 'fds 3 and 4 are taken in this process');
  const { pidfd } = testAddon().spawn({
    file: '/bin/sh',
    argv: ['sh', '-c', 'ls -l /proc/self/fd/ | awk \'{print $9, $11}\''],
    env: ['PATH=/usr/bin:/bin'],
    fds: [0, out, 2, -1, -1, extra],
    cloneFlags: 0,
    join: [],
  });
  fs.closeSync(out);
  fs.closeSync(extra);
  assert.deepEqual(await native().pidfdWait(pidfd), { exitCode: 0, signal: null });
  fs.closeSync(pidfd);
  const fds = new Map(readAndRemove(file).trim().split('\n').filter((l) => l.trim()).map((l) => l.split(' ') as [string, string]));
  assert.equal(fds.get('5'), '/dev/null', 'the fd after the gap keeps its number');
  // ls's own directory fd takes the lowest free number: 3. fd 4 stays closed.
  assert.equal(fds.has('4'), false, JSON.stringify([...fds]));
  assert.throws(() => testAddon().spawn({ file: '/bin/true', argv: ['true'], env: [], fds: [0, 1, 2, -2], cloneFlags: 0, join: [] }), RangeError);
});

test('the child runs from a sealed memfd: its executable cannot be rewritten', async () => {
  const { pid, pidfd } = testAddon().spawn({ file: '/bin/sleep', argv: ['sleep', '30'], env: [], fds: [0, 1, 2], cloneFlags: 0, join: [] });
  try {
    assert.match(fs.readlinkSync(`/proc/${pid}/exe`), /^\/memfd:kapsel-init/);
    assert.throws(() => fs.openSync(`/proc/${pid}/exe`, 'w'), (err: NodeJS.ErrnoException) => ['ETXTBSY', 'EPERM', 'EACCES'].includes(err.code!));
  } finally {
    native().pidfdSendSignal(pidfd, 9);
    assert.deepEqual(await native().pidfdWait(pidfd), { exitCode: null, signal: 'SIGKILL' });
    fs.closeSync(pidfd);
  }
});

/** A plan that runs `script` with /bin/sh (the helper's exec step). */
function shell(script: string): Step[] {
  return [{ op: 'exec', args: ['/bin/sh', '-c', script], env: ['PATH=/usr/bin:/bin'], searchPath: '/usr/bin:/bin' }];
}

test('spawn joins a namespace by path before creating the others', async () => {
  const sleeper = nodeSpawn('unshare', ['--uts', 'sh', '-c', 'hostname joined-ns; exec sleep 30'], { stdio: 'ignore' });
  try {
    // Wait for the unshared child to have its own uts namespace with the name set.
    const target = `/proc/${sleeper.pid}/ns/uts`;
    for (let i = 0; i < 200 && fs.readlinkSync(target) === fs.readlinkSync('/proc/self/ns/uts'); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 50));
    // The helper joins (join mode) and forks the process that runs the plan.
    const run = await runPlan(shell('hostname; echo $$'), undefined, [], {
      cloneFlags: C.CLONE_NEWPID,
      join: [{ type: C.CLONE_NEWUTS, path: target }],
    });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(run.stderr.trim().split('\n'), ['joined-ns', '1']);
    assert.equal(fs.existsSync(`/proc/${run.pid}`), false, 'reaped');
  } finally {
    killChild(sleeper);
  }
});

test('spawn errors name the syscall and path', () => {
  assert.throws(
    () => testAddon().spawn({ file: '/bin/true', argv: ['true'], env: [], fds: [0, 1, 2], cloneFlags: 0, join: [{ type: C.CLONE_NEWNET, path: '/nonexistent/ns' }] }),
    { code: 'ENOENT', syscall: 'open', path: '/nonexistent/ns' },
  );
  assert.throws(
    () => testAddon().spawn({ file: '/nonexistent/binary', argv: ['x'], env: [], fds: [0, 1, 2], cloneFlags: 0, join: [] }),
    { code: 'ENOENT', path: '/nonexistent/binary' },
  );
  assert.throws(() => testAddon().spawn({ file: '/bin/true', argv: 'x' } as never), TypeError);
});

test('pidfdWait without reaping: a non-child resolves with nulls once gone', async () => {
  const child = nodeSpawn('sleep', ['0.1'], { stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  const pidfd = native().pidfdOpen(child.pid!, 0);
  // libuv reaps this child itself; the pidfd still tells us when it ends.
  const result = await native().pidfdWait(pidfd, false);
  await exited;
  fs.closeSync(pidfd);
  assert.ok(result.exitCode === 0 || result.exitCode === null);
});

test('mkfifo creates a fifo with exactly the mode asked for', () => {
  const file = tempFile('fifo');
  const old = process.umask(0o077);
  try {
    native().mkfifo(file, 0o622);
  } finally {
    process.umask(old);
  }
  const st = fs.statSync(file);
  assert.ok(st.isFIFO());
  assert.equal(st.mode & 0o777, 0o622);
  assert.throws(() => native().mkfifo(file, 0o622), { code: 'EEXIST', syscall: 'mkfifo', path: file });
  fs.rmSync(path.dirname(file), { recursive: true });
});

test('seqpacketPair keeps message boundaries', () => {
  const [a, b] = native().seqpacketPair();
  try {
    fs.writeSync(a, Buffer.from('first'));
    fs.writeSync(a, Buffer.from('second\0part'));
    const buf = Buffer.alloc(100);
    assert.equal(buf.subarray(0, fs.readSync(b, buf)).toString(), 'first');
    assert.equal(buf.subarray(0, fs.readSync(b, buf)).toString(), 'second\0part');
  } finally {
    fs.closeSync(a);
    fs.closeSync(b);
  }
});

test('spawn joins another process\'s namespaces through its pidfd', async () => {
  // The first process gets its own uts and ipc namespaces, names its host,
  // says so on its stdout and waits; the second joins both through the
  // first one's pidfd, in one setns.
  const [ours, theirs] = native().streamPair();
  const first = testAddon().spawn({
    file: '/bin/sh',
    argv: ['sh', '-c', 'hostname by-pidfd && echo ready && exec sleep 30'],
    env: ['PATH=/usr/bin:/bin'],
    fds: [0, theirs, 2],
    cloneFlags: C.CLONE_NEWUTS | C.CLONE_NEWIPC,
    join: [],
  });
  fs.closeSync(theirs);
  try {
    const buf = Buffer.alloc(16);
    const n = fs.readSync(ours, buf);
    assert.equal(buf.subarray(0, n).toString(), 'ready\n');
    const run = await runPlan(shell('hostname; readlink /proc/self/ns/uts /proc/self/ns/ipc /proc/self/ns/net'), undefined, [], {
      join: [{ type: C.CLONE_NEWUTS | C.CLONE_NEWIPC, pidfd: first.pidfd }],
    });
    assert.equal(run.exitCode, 0, run.stderr);
    const ns = (pid: number | 'self', type: string): string => fs.readlinkSync(`/proc/${pid}/ns/${type}`);
    assert.deepEqual(run.stderr.trim().split('\n'), [
      'by-pidfd',
      ns(first.pid, 'uts'),
      ns(first.pid, 'ipc'),
      ns('self', 'net'), // not asked for: still ours
    ]);
    assert.notEqual(ns(first.pid, 'uts'), ns('self', 'uts'));
  } finally {
    fs.closeSync(ours);
    native().pidfdSendSignal(first.pidfd, 9);
    await native().pidfdWait(first.pidfd);
    fs.closeSync(first.pidfd);
  }
});

test('a join entry must name a path or a pidfd', () => {
  assert.throws(
    () => testAddon().spawn({ file: '/bin/true', argv: ['true'], env: [], fds: [0, 1, 2], cloneFlags: 0, join: [{ type: C.CLONE_NEWNET } as never] }),
    TypeError,
  );
});

/**
 * The seccomp notify listener of an exec'd process. The exec'd process
 * gets its own instance of the container's filter, so its own listener:
 * the runtime connects to the agent at listenerPath again and the helper
 * sends that listener with the container process state (runtime.md), as
 * runc's setns process does: `pid` the exec'd process, `state` the
 * container's with status "running" and the init's pid. An agent written
 * in Node answers the exec'd process's call, and the probe inside prints
 * what the call returned; the listener of the container's init hears
 * nothing of it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Container } from '../../lib/container/container';
import type { Seccomp } from '../../lib/config/types';
import { native } from '../../lib/native/addon';
import { TEST_USER } from '../helpers/bundle';
import { childProcesses } from '../helpers/leaks';
import { createTestContainer } from '../helpers/run';
import { untilReady } from '../helpers/until-ready';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';
import { testAddon } from '../helpers/test-addon';

const suite = systemSuite();
const skip = suite.skip || (process.arch !== 'x64' ? 'syscall numbers here are x86_64' : false);
const GETPPID_X86_64 = 110;

interface ProcessStateMessage {
  ociVersion: string;
  fds: string[];
  pid: number;
  metadata?: string;
  state: { ociVersion: string; id: string; status: string; pid: number; bundle: string };
}

/** The next connection to the agent's socket: the listener fd it carries and the state sent with it. */
async function acceptListener(server: number, fds: number[]): Promise<{ listener: number; message: ProcessStateMessage }> {
  const conn = await untilReady(() => testAddon().unixAccept(server));
  fds.push(conn);
  const { fd: listener, data } = await untilReady(() => native().receiveFd(conn));
  fds.push(listener);
  return { listener, message: JSON.parse(data) as ProcessStateMessage };
}

function assertNothingPending(listener: number): void {
  assert.throws(() => testAddon().seccompNotifReceive(listener), { code: 'EAGAIN' });
}

/** Execs `/probe syscall getppid` (root with no_new_privs, else another user); what it printed and how it exited, once `answer` ran. */
async function execGetppid(c: Container, noNewPrivileges: boolean, answer: (pid: number) => Promise<void>) {
  const dir = tempDir('exec-notify-out');
  const out = fs.openSync(path.join(dir, 'out'), 'w');
  try {
    const p = await c.exec(
      {
        args: ['/probe', 'syscall', 'getppid'],
        cwd: '/',
        env: ['PATH=/bin'],
        noNewPrivileges,
        // Without no_new_privs the filter goes in before the user change (runc's setns init).
        user: noNewPrivileges ? { uid: 0, gid: 0 } : { uid: TEST_USER.uid, gid: TEST_USER.gid },
      },
      { stdio: [0, out, 2] },
    );
    await answer(p.pid);
    const exit = await p.wait();
    return { exit, stdout: fs.readFileSync(path.join(dir, 'out'), 'utf8') };
  } finally {
    fs.closeSync(out);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('exec: the agent gets the exec\'d process\'s own listener with the container process state, and answers it', { skip }, async () => {
  const dir = tempDir('exec-seccomp-agent');
  const socketPath = path.join(dir, 'agent.sock');
  const server = testAddon().unixListen(socketPath);
  const fds: number[] = [server];
  try {
    const profile: Seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      listenerPath: socketPath,
      listenerMetadata: 'exec-agent',
      syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_NOTIFY' }],
    };
    const bundle = suite.bundle({ edit: (s) => (s.linux!.seccomp = profile) });
    const run = await createTestContainer(bundle, { root: suite.root, args: ['/probe', 'sleep', '60'] });
    try {
      const init = await acceptListener(server, fds);
      assert.equal(init.message.state.status, 'creating');
      await run.container.start();
      const initPid = run.container.state().pid;
      let answer = 4000;
      for (const noNewPrivileges of [true, false]) {
        answer += 1;
        const res = await execGetppid(run.container, noNewPrivileges, async (pid) => {
          const { listener, message } = await acceptListener(server, fds);
          assert.deepEqual(message, {
            ociVersion: message.ociVersion,
            fds: ['seccompFd'],
            pid,
            metadata: 'exec-agent',
            state: { ...message.state, id: run.container.id, status: 'running', pid: initPid, bundle: bundle.dir },
          });
          assert.match(message.ociVersion, /^1\./);
          const notification = await untilReady(() => testAddon().seccompNotifReceive(listener));
          assert.equal(notification.pid, pid, 'the call is the exec\'d process\'s');
          assert.equal(notification.nr, GETPPID_X86_64);
          testAddon().seccompNotifRespond(listener, notification.id, BigInt(answer), 0, 0);
        });
        assert.deepEqual(res.exit, { exitCode: 0, signal: null }, `noNewPrivileges ${noNewPrivileges}`);
        assert.deepEqual(JSON.parse(res.stdout), { ret: answer }, `noNewPrivileges ${noNewPrivileges}`);
        assertNothingPending(init.listener);
      }
    } finally {
      await run.destroy();
    }
  } finally {
    for (const fd of fds) fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('exec: an agent that is gone fails the exec with the JSON path, and leaves no process', { skip }, async () => {
  const dir = tempDir('exec-seccomp-agent');
  const socketPath = path.join(dir, 'agent.sock');
  const server = testAddon().unixListen(socketPath);
  const fds: number[] = [server];
  try {
    const profile: Seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: socketPath, syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_NOTIFY' }] };
    const bundle = suite.bundle({ edit: (s) => (s.linux!.seccomp = profile) });
    const run = await createTestContainer(bundle, { root: suite.root, args: ['/probe', 'sleep', '60'] });
    try {
      await acceptListener(server, fds);
      await run.container.start();
      // The agent stops listening.
      fs.closeSync(fds.shift()!);
      fs.rmSync(socketPath);
      // Children by pid and name: the container's init may change state (S, R) meanwhile.
      const children = (): string[] => childProcesses().map((line) => line.split(' ').slice(0, 2).join(' '));
      const before = children();
      await assert.rejects(
        run.container.exec({ args: ['/probe', 'exit', '0'], cwd: '/', env: ['PATH=/bin'] }, { stdio: [0, 1, 2] }),
        (err: Error & { jsonPath?: string }) => err.message.includes('/linux/seccomp/listenerPath'),
      );
      assert.deepEqual(children(), before, 'the helper was reaped');
      assert.equal(run.container.state().status, 'running');
    } finally {
      await run.destroy();
    }
  } finally {
    for (const fd of fds) fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

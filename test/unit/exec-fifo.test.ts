// start's side of the exec fifo (lib/container/exec-fifo.ts), with a shell
// standing in for the init: it opens the fifo for writing (blocking until
// start's reader is there, as the init does), writes "0" and exits. No root
// needed. start opens its end without blocking and waits on the fifo and
// the init's pidfd; these cases pin down how the waits end.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { releaseInit } from '../../lib/container/exec-fifo';
import { native } from '../../lib/native/addon';
import { readProcStat } from '../../lib/state/proc';
import { fifoPath, type StoredState } from '../../lib/state/store';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-exec-fifo-'));
const children: ChildProcess[] = [];
after(() => {
  // A start that went wrong can leave a shell blocked on the fifo: never a hang.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  fs.rmSync(root, { recursive: true, force: true });
});

let counter = 0;

interface FakeInit {
  stored: StoredState;
  fifo: string;
  /** Lets the shell go on: it then runs `then` (with the fifo as $1). */
  go(): void;
  exited: Promise<void>;
  child: ChildProcess;
}

/** A shell that waits for a line on stdin, then runs `then`. */
function fakeInit(then: string): FakeInit {
  const id = `c${++counter}`;
  fs.mkdirSync(path.join(root, id));
  const fifo = fifoPath(root, id);
  native().mkfifo(fifo, 0o600);
  const child = spawn('/bin/sh', ['-c', `read line; ${then}`, 'sh', fifo], { stdio: ['pipe', 'ignore', 'inherit'] });
  children.push(child);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const pid = child.pid!;
  const stored = {
    ociVersion: '1.0.2',
    id,
    pid,
    initStartTime: readProcStat(pid)!.startTime,
    bundle: root,
    rootfs: root,
    created: '',
    owner: '',
    ownPidNamespace: false,
    rootless: false,
  } satisfies StoredState;
  return { stored, fifo, child, exited, go: () => child.stdin!.write('\n') };
}

test('the init writes "0" and its end closes: start resolves and removes the fifo', async () => {
  const init = fakeInit('printf 0 > "$1"');
  const starting = releaseInit(root, init.stored);
  init.go();
  await starting;
  assert.equal(fs.existsSync(init.fifo), false);
  await init.exited;
});

test('another writer that opens and closes the fifo before the init does not end the wait', async () => {
  const init = fakeInit('printf 0 > "$1"');
  // start's reader is open once releaseInit returns its promise.
  const starting = releaseInit(root, init.stored);
  const stray = fs.openSync(init.fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  fs.closeSync(stray);
  // The hang-up is there before the init opens its end.
  await new Promise((r) => setTimeout(r, 20));
  init.go();
  await starting;
  await init.exited;
});

test('an init that exits without opening its end: start fails, it did not take the start', async () => {
  const init = fakeInit('exit 0');
  const starting = releaseInit(root, init.stored);
  init.go();
  await assert.rejects(starting, { code: 'ERR_INVALID_STATE', message: /container init exited before start/ });
  assert.equal(fs.existsSync(init.fifo), true, 'a start that failed leaves the fifo');
  await init.exited;
});

test('an init that does not take the start within the bound is killed', async () => {
  const init = fakeInit('sleep 30');
  // The shell never gets its line: it stays before the fifo.
  await assert.rejects(releaseInit(root, init.stored, 100), {
    code: 'ERR_INVALID_STATE',
    message: /did not take the start within 0\.1 s and was killed/,
  });
  await init.exited;
  assert.equal(init.child.signalCode, 'SIGKILL');
});

test('an init already gone (another process now) is refused before anything', async () => {
  const init = fakeInit('exit 0');
  init.go();
  await init.exited;
  await assert.rejects(releaseInit(root, init.stored), { code: 'ERR_INVALID_STATE', message: /exited before start/ });
});

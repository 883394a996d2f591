/**
 * Releasing an init that waits on the exec fifo (the heart of start).
 * The init is the writer: it blocks in its open(O_WRONLY) until a reader
 * comes. start is the reader, and opens O_RDONLY | O_NONBLOCK, which never
 * blocks (a non-blocking open for writing would fail with ENXIO without a
 * reader; for reading it always succeeds) and wakes the init's open. The
 * init then writes "0", runs the startContainer hooks and execs, which
 * closes its close-on-exec end. So "0" then EOF means the user's process
 * runs; "0" then a failure record means it does not; no "0" means the
 * init died before start.
 *
 * Nothing here blocks a thread: start waits on the event loop (uv_poll)
 * for the fifo to be readable or the init's pidfd to be (the init
 * exited), whichever comes first, then reads what is there without
 * blocking. A thousand starts in one process wait at once, and libuv's
 * four pool threads stay free. (runc reads the fifo in a goroutine and
 * polls /proc for the init's death; the pidfd says it at once.)
 *
 * An init that is alive but does not take the start within a bound
 * (stopped, stuck) is killed, which ends the wait the same way: start
 * never blocks forever on the fifo, and the container is left stopped
 * rather than half started. A stray writer (which only root can be: the
 * state directory is 0700) cannot stall it either: the init's exit ends
 * the wait whatever the fifo shows.
 */
import * as fs from 'node:fs';
import { KapselError } from '../errors';
import { processCalls } from './syscalls';
import { readProcStat } from '../state/proc';
import { fifoPath, type StoredState } from '../state/store';
import { decodeStartFailure } from './init-link';

const SIGKILL = 9;

/**
 * How long a live init may take to answer start with its "0". It is
 * blocked on the fifo already, so it answers at once; only a stopped or
 * stuck one does not. (What follows the "0", the startContainer hooks, is
 * bounded by their own timeouts.)
 */
export const START_TAKE_BOUND_MS = 10_000;

/** The byte the init writes once it opened its end: it took the start. */
const TAKEN = 0x30; // "0"

const READ_CHUNK = 65536;

function notRunning(id: string): KapselError {
  return new KapselError('ERR_INVALID_STATE', `cannot start container "${id}": container init exited before start`);
}

/**
 * A pidfd of the recorded init, or undefined when it is gone. The start
 * time is compared after the pidfd is open: then the pidfd is known to be
 * the init's, never a process that reused its pid.
 */
function openInitPidfd(stored: StoredState): number | undefined {
  let pidfd: number;
  try {
    pidfd = processCalls.pidfdOpen(stored.pid);
  } catch {
    return undefined;
  }
  const stat = readProcStat(stored.pid);
  if (!stat || stat.startTime !== stored.initStartTime) {
    fs.closeSync(pidfd);
    return undefined;
  }
  return pidfd;
}

function openReader(fifo: string): number {
  return fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
}

/** Reads what the fifo holds now into `chunks`: 'eof' when every writer has closed, 'more' when one may still write. */
function drain(fd: number, chunks: Buffer[]): 'eof' | 'more' {
  for (;;) {
    const buffer = Buffer.allocUnsafe(READ_CHUNK);
    let n: number;
    try {
      n = fs.readSync(fd, buffer, 0, READ_CHUNK, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return 'more';
      if (code === 'EINTR') continue;
      throw err;
    }
    if (n === 0) return 'eof';
    chunks.push(buffer.subarray(0, n));
  }
}

/**
 * What the init wrote into the fifo, read until its end closed (exec'd)
 * or the init is gone. `onTaken` runs as soon as its "0" is there.
 */
async function readInitAnswer(fifo: string, pidfd: number, onTaken: () => void): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let fd = openReader(fifo);
  try {
    for (;;) {
      const ready = await processCalls.waitReadable([fd, pidfd]);
      const initGone = ready === 1;
      // Once the init is gone, everything it wrote is in the pipe already.
      const end = drain(fd, chunks);
      if (chunks.length > 0 && chunks[0][0] === TAKEN) onTaken();
      if (initGone) break;
      if (end === 'more') continue;
      if (chunks.length > 0) break;
      // EOF before any byte, the init alive: another writer opened and
      // closed the fifo before the init's open. The hang-up stays on this
      // read end, so listen again on a fresh one for the init.
      fs.closeSync(fd);
      fd = -1;
      fd = openReader(fifo);
    }
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
  return Buffer.concat(chunks);
}

export async function releaseInit(root: string, stored: StoredState, takeBoundMs = START_TAKE_BOUND_MS): Promise<void> {
  const fifo = fifoPath(root, stored.id);
  const pidfd = openInitPidfd(stored);
  if (pidfd === undefined) throw notRunning(stored.id);
  let taken = false;
  let timedOut = false;
  let data: Buffer;
  const bound = setTimeout(() => {
    if (taken) return;
    timedOut = true;
    // Killed, so that it cannot take the start after we gave up on it; its
    // exit ends the wait (the pidfd becomes readable).
    try {
      processCalls.pidfdSendSignal(pidfd, SIGKILL);
    } catch {
      // gone meanwhile: the same outcome
    }
  }, takeBoundMs);
  try {
    data = await readInitAnswer(fifo, pidfd, () => {
      if (timedOut) return;
      taken = true;
      clearTimeout(bound);
    });
  } finally {
    clearTimeout(bound);
    fs.closeSync(pidfd);
  }
  if (timedOut && !taken) {
    throw new KapselError(
      'ERR_INVALID_STATE',
      `cannot start container "${stored.id}": its init (pid ${stored.pid}) did not take the start within ${takeBoundMs / 1000} s and was killed (was it stopped?)`,
    );
  }
  if (!taken) throw notRunning(stored.id);
  fs.rmSync(fifo, { force: true });
  const failure = decodeStartFailure(data.subarray(1));
  if (failure) throw failure;
}

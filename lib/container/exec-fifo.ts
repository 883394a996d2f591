/**
 * Releasing an init that waits on the exec fifo (the heart of start).
 * Opening the fifo for reading unblocks the init's open for writing; the
 * init writes "0", runs
 * the startContainer hooks and execs, which closes its close-on-exec end.
 * So "0" then EOF means the user's process runs; "0" then a failure record
 * means it does not; EOF without "0" means the init died before start.
 * If the init dies before opening its end, our open would block forever:
 * a liveness check unblocks it by opening the fifo for writing ourselves
 * (as runc does, polling /proc). An init that is alive but does not take
 * the start within a bound (stopped, stuck) is killed, which ends both
 * waits the same way: start never blocks forever on the fifo, and the
 * container is left stopped rather than half started.
 */
import * as fs from 'node:fs';
import { KapselError } from '../errors';
import { isAlive } from '../state/proc';
import { fifoPath, type StoredState } from '../state/store';
import { decodeStartFailure } from './init-link';
import { signalContainer } from './signal';

const SIGKILL = 9;

const LIVENESS_INTERVAL_MS = 20;
/**
 * How long a live init may take to answer start with its "0". It is
 * blocked on the fifo already, so it answers at once; only a stopped or
 * stuck one does not. (What follows the "0", the startContainer hooks, is
 * bounded by their own timeouts.)
 */
export const START_TAKE_BOUND_MS = 10_000;

/** The byte the init writes once it opened its end: it took the start. */
const TAKEN = 0x30; // "0"
/** What we write ourselves to end our own wait when the init will not (never a "0"). */
const GIVE_UP = Buffer.from('x');

/**
 * Reads until EOF, or until `stop()` says the init is gone or out of time
 * and something arrived: our GIVE_UP byte, or EOF, ends every wait even
 * when another process holds a write end open.
 */
async function readUntilDone(handle: fs.promises.FileHandle, onData: (first: number) => void, stop: () => boolean): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (;;) {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(65536), 0, 65536, null);
    if (bytesRead === 0) return Buffer.concat(chunks);
    if (chunks.length === 0) onData(buffer[0]);
    chunks.push(buffer.subarray(0, bytesRead));
    if (stop()) return Buffer.concat(chunks);
  }
}

/**
 * Ends our wait on the fifo when the init will not answer: completes our
 * pending open (a writer arrives) and our pending read (a byte arrives).
 * No-op once nobody reads.
 */
function giveUp(fifo: string): void {
  try {
    const fd = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    try {
      fs.writeSync(fd, GIVE_UP);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // our open and read completed meanwhile
  }
}

function notRunning(id: string): KapselError {
  return new KapselError('ERR_INVALID_STATE', `cannot start container "${id}": container init exited before start`);
}

export async function releaseInit(root: string, stored: StoredState, takeBoundMs = START_TAKE_BOUND_MS): Promise<void> {
  const fifo = fifoPath(root, stored.id);
  if (!isAlive(stored.pid, stored.initStartTime)) throw notRunning(stored.id);
  let taken = false;
  let gaveUp = false;
  let timedOut = false;
  const end = (): void => {
    if (taken || gaveUp) return;
    gaveUp = true;
    giveUp(fifo);
  };
  const opening = fs.promises.open(fifo, 'r');
  const watchdog = setInterval(() => {
    if (isAlive(stored.pid, stored.initStartTime)) return;
    clearInterval(watchdog);
    end();
  }, LIVENESS_INTERVAL_MS);
  const bound = setTimeout(() => {
    if (taken) return;
    timedOut = true;
    // Killed, so that it cannot take the start after we gave up on it.
    try {
      signalContainer(stored, SIGKILL, true);
    } catch {
      // gone meanwhile: the same outcome
    }
    end();
  }, takeBoundMs);
  let data: Buffer;
  try {
    const handle = await opening;
    try {
      data = await readUntilDone(
        handle,
        (first) => {
          if (first !== TAKEN || gaveUp) return;
          taken = true;
          clearTimeout(bound);
        },
        () => gaveUp,
      );
    } finally {
      await handle.close();
    }
  } finally {
    clearInterval(watchdog);
    clearTimeout(bound);
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

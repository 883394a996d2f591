/**
 * Releasing an init that waits on the exec fifo (the heart of start).
 * Opening the fifo for reading unblocks the init's open for writing; the
 * init writes "0", runs
 * the startContainer hooks and execs, which closes its close-on-exec end.
 * So "0" then EOF means the user's process runs; "0" then a failure record
 * means it does not; EOF without "0" means the init died before start.
 * If the init dies before opening its end, our open would block forever:
 * a liveness check unblocks it by opening the fifo for writing ourselves
 * (as runc does, polling /proc). The same unblocking bounds the wait for
 * an init that is alive but does not take the start (stopped, stuck): start
 * never blocks forever on the fifo.
 */
import * as fs from 'node:fs';
import { KapselError } from '../errors';
import { isAlive } from '../state/proc';
import { fifoPath, type StoredState } from '../state/store';
import { decodeStartFailure } from './init-link';

const LIVENESS_INTERVAL_MS = 20;
/**
 * How long a live init may take to answer start with its "0". It is
 * blocked on the fifo already, so it answers at once; only a stopped or
 * stuck one does not. (What follows the "0", the startContainer hooks, is
 * bounded by their own timeouts.)
 */
export const START_TAKE_BOUND_MS = 10_000;

async function readToEnd(handle: fs.promises.FileHandle, onData: () => void): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (;;) {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(65536), 0, 65536, null);
    if (bytesRead === 0) return Buffer.concat(chunks);
    onData();
    chunks.push(buffer.subarray(0, bytesRead));
  }
}

/** Completes our pending open for reading (as a writer that writes nothing); no-op once nobody reads. */
function unblockOpen(fifo: string): void {
  try {
    fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
  } catch {
    // our open completed meanwhile
  }
}

function notRunning(id: string): KapselError {
  return new KapselError('ERR_INVALID_STATE', `cannot start container "${id}": container init exited before start`);
}

export async function releaseInit(root: string, stored: StoredState, takeBoundMs = START_TAKE_BOUND_MS): Promise<void> {
  const fifo = fifoPath(root, stored.id);
  if (!isAlive(stored.pid, stored.initStartTime)) throw notRunning(stored.id);
  let taken = false;
  let timedOut = false;
  const opening = fs.promises.open(fifo, 'r');
  const watchdog = setInterval(() => {
    if (isAlive(stored.pid, stored.initStartTime)) return;
    clearInterval(watchdog);
    unblockOpen(fifo);
  }, LIVENESS_INTERVAL_MS);
  const bound = setTimeout(() => {
    if (taken) return;
    timedOut = true;
    unblockOpen(fifo);
  }, takeBoundMs);
  let data: Buffer;
  try {
    const handle = await opening;
    try {
      data = await readToEnd(handle, () => {
        taken = true;
        clearTimeout(bound);
      });
    } finally {
      await handle.close();
    }
  } finally {
    clearInterval(watchdog);
    clearTimeout(bound);
  }
  if (data.length === 0 && timedOut && isAlive(stored.pid, stored.initStartTime)) {
    // Still "created": a later start can release it once it runs again.
    throw new KapselError(
      'ERR_INVALID_STATE',
      `cannot start container "${stored.id}": its init (pid ${stored.pid}) did not take the start within ${takeBoundMs / 1000} s (is it stopped?)`,
    );
  }
  if (data.length === 0 || data[0] !== 0x30) throw notRunning(stored.id);
  fs.rmSync(fifo, { force: true });
  const failure = decodeStartFailure(data.subarray(1));
  if (failure) throw failure;
}

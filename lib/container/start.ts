/**
 * start: release the init waiting on the exec fifo. Opening the fifo for
 * reading unblocks the init's open for writing; the init writes "0", runs
 * the startContainer hooks and execs, which closes its close-on-exec end.
 * So "0" then EOF means the user's process runs; "0" then a failure record
 * means it does not; EOF without "0" means the init died before start.
 * If the init dies before opening its end, our open would block forever:
 * a liveness check unblocks it by opening the fifo for writing ourselves
 * (as runc does, polling /proc).
 */
import * as fs from 'node:fs';
import { KapselError } from '../errors';
import { isAlive } from '../state/proc';
import { fifoPath, type StoredState } from '../state/store';
import { decodeMessage } from '../plan/protocol';
import { failureToError, isFailure } from './init-channel';

const LIVENESS_INTERVAL_MS = 20;

async function readToEnd(handle: fs.promises.FileHandle): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (;;) {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(65536), 0, 65536, null);
    if (bytesRead === 0) return Buffer.concat(chunks);
    chunks.push(buffer.subarray(0, bytesRead));
  }
}

function notRunning(id: string): KapselError {
  return new KapselError('ERR_INVALID_STATE', `cannot start container "${id}": container init exited before start`);
}

export async function releaseInit(root: string, stored: StoredState): Promise<void> {
  const fifo = fifoPath(root, stored.id);
  if (!isAlive(stored.pid, stored.initStartTime)) throw notRunning(stored.id);
  const opening = fs.promises.open(fifo, 'r');
  const watchdog = setInterval(() => {
    if (isAlive(stored.pid, stored.initStartTime)) return;
    clearInterval(watchdog);
    try {
      fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
    } catch {
      // our open completed meanwhile
    }
  }, LIVENESS_INTERVAL_MS);
  let data: Buffer;
  try {
    const handle = await opening;
    try {
      data = await readToEnd(handle);
    } finally {
      await handle.close();
    }
  } finally {
    clearInterval(watchdog);
  }
  if (data.length === 0 || data[0] !== 0x30) throw notRunning(stored.id);
  fs.rmSync(fifo, { force: true });
  if (data.length > 1) {
    const message = decodeMessage(data.subarray(1));
    if (isFailure(message)) throw failureToError(message);
  }
}

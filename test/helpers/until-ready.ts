/** Polling a non-blocking addon call (receiveFd, unixAccept, seccompNotifReceive). */
import { setTimeout as sleep } from 'node:timers/promises';
import type { NativeError } from '../../lib/native/addon';

/** Calls `fn` until it stops failing with EAGAIN (bounded by a count; never a timing assertion). */
export async function untilReady<T>(fn: () => T): Promise<T> {
  for (let i = 0; i < 3000; i++) {
    try {
      return fn();
    } catch (err) {
      if ((err as NativeError).code !== 'EAGAIN') throw err;
      await sleep(5);
    }
  }
  throw new Error('nothing arrived');
}

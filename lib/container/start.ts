/**
 * start: lock -> refresh -> assert "created" -> release the init from the
 * exec fifo, then the poststart hooks. A failed poststart hook stops the
 * container (runtime.md, Lifecycle 9).
 */
import { runHooks } from '../hooks/run';
import { releaseInit } from './exec-fifo';
import { hookState } from './hook-state';
import { underLock, type ContainerRef } from './operation';
import { signalContainer } from './signal';

const SIGKILL = 9;

/** `onStarted` runs once the user's process runs, before the poststart hooks. */
export function startContainer(ref: ContainerRef, onStarted: () => void): Promise<void> {
  return underLock(ref, 'start', async (stored) => {
    // "created" is only derived from a stored state with a live init.
    const s = stored!;
    await releaseInit(ref.root, s);
    onStarted();
    try {
      await runHooks('poststart', s.hooks?.poststart, hookState(s, 'running'));
    } catch (err) {
      signalContainer(s, SIGKILL, true);
      throw err;
    }
  });
}

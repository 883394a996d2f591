/**
 * start: lock -> refresh -> assert "created" -> release the init from the
 * exec fifo, then the poststart hooks.
 *
 * A failing startContainer or poststart hook fails start, and the
 * container does not stay: runtime.md (Lifecycle 9, and startContainer in
 * config.md) says to generate an error, stop the container and continue at
 * step 12 — the container is destroyed (killed, waited for, its state
 * removed, still under the lock), then the poststop hooks run, whose
 * failures are warnings, as in delete.
 */
import { KapselError } from '../errors';
import { runHooks, runHooksWarnOnly } from '../hooks/run';
import type { Logger } from '../logger';
import { removeContainerDir, type StoredState } from '../state/store';
import { releaseInit } from './exec-fifo';
import { hookState } from './hook-state';
import { underLock, type ContainerRef } from './operation';
import { teardown } from './teardown';

export interface StartRequest extends ContainerRef {
  /** Where the poststop hooks' failures go when a failed hook destroys the container. */
  logger: Logger;
  /** Waits for (and reaps) the init when this process is its parent (see delete.ts). */
  reapChild?: () => Promise<unknown>;
}

function isHookFailure(err: unknown): boolean {
  return err instanceof KapselError && err.code === 'ERR_HOOK_FAILED';
}

/** Lifecycle step 12 after a failed hook: kill what runs, wait for it, remove its cgroups and the state. */
async function destroy(request: StartRequest, stored: StoredState): Promise<void> {
  await teardown(stored, true, request.reapChild);
  removeContainerDir(request.root, request.id);
}

/** `onStarted` runs once the user's process runs, before the poststart hooks. */
export async function startContainer(request: StartRequest, onStarted: () => void): Promise<void> {
  let failedHook: unknown;
  let destroyed: StoredState | undefined;
  await underLock(request, 'start', async (current) => {
    // "created" is only derived from a stored state with a live init.
    const stored = current!;
    try {
      await releaseInit(request.root, stored);
      onStarted();
      await runHooks('poststart', stored.hooks?.poststart, hookState(stored, 'running'));
    } catch (err) {
      if (!isHookFailure(err)) throw err;
      failedHook = err;
      await destroy(request, stored);
      destroyed = stored;
    }
  });
  if (destroyed) {
    await runHooksWarnOnly('poststop', destroyed.hooks?.poststop, hookState(destroyed, 'stopped'), request.logger);
    throw failedHook;
  }
}

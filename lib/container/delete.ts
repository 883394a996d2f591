/**
 * delete: lock -> refresh -> assert (stopped; with force any status) ->
 * kill what still runs, wait for it, remove the state directory; then,
 * outside the lock, the poststop hooks, whose failures are warnings.
 * Forcing the delete of a container that is already gone is not an error
 * (engines call it on every failure path).
 */
import * as fs from 'node:fs';
import { ContainerNotFoundError } from '../errors';
import { runHooksWarnOnly } from '../hooks/run';
import type { Logger } from '../logger';
import { isAlive } from '../state/proc';
import { readInitRecord, removeContainerDir, type StoredState } from '../state/store';
import { hookState } from './hook-state';
import { underLock, type ContainerRef } from './operation';
import { teardown } from './teardown';

export interface DeleteRequest extends ContainerRef {
  force: boolean;
  logger: Logger;
  /**
   * Waits for (and reaps) the init when this process is its parent; then
   * the init must be waited for this way, or it stays a zombie.
   */
  reapChild?: () => Promise<unknown>;
}

/**
 * A create that was killed before it wrote state.json may have left its
 * init alive (recorded in init.json before the init could outlive it):
 * kill it and wait until it is gone. Its parent died, so it is not ours
 * to reap; its new parent reaps it.
 */
async function killLeftoverInit(ref: ContainerRef): Promise<void> {
  const init = readInitRecord(ref.root, ref.id);
  if (!init) return;
  // The init alone, or its cgroups when create had made them: its parent
  // died, so it is not ours to reap; waitForExit sees it go.
  const target = { id: ref.id, pid: init.pid, initStartTime: init.startTime, ownPidNamespace: false, cgroup: init.cgroup };
  await teardown(target, init.pid > 0 && isAlive(init.pid, init.startTime));
  // Killed while making its cgroups: what it listed, removed where it is there and empty.
  if (!init.cgroup) for (const dir of [...(init.cgroupDirs ?? [])].reverse()) removeEmptyDir(dir);
}

function removeEmptyDir(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch {
    // never made, or not empty: not ours to remove
  }
}

/** Resolves true once deleted, false when a forced delete found nothing to delete. */
export async function deleteContainer(request: DeleteRequest): Promise<boolean> {
  let stored: StoredState | undefined;
  try {
    stored = await underLock(request, request.force ? 'forceDelete' : 'delete', async (current, status) => {
      if (current) await teardown(current, status !== 'stopped', request.reapChild);
      else await killLeftoverInit(request);
      removeContainerDir(request.root, request.id);
      return current;
    });
  } catch (err) {
    if (!(request.force && err instanceof ContainerNotFoundError)) throw err;
    if (request.reapChild) await request.reapChild();
    return false;
  }
  // Our child that exited on its own: reap it.
  if (request.reapChild) await request.reapChild();
  if (stored) await runHooksWarnOnly('poststop', stored.hooks?.poststop, hookState(stored, 'stopped'), request.logger);
  return true;
}

/**
 * delete: lock -> refresh -> assert (stopped; with force any status) ->
 * kill what still runs, wait for it, remove the state directory; then,
 * outside the lock, the poststop hooks, whose failures are warnings.
 * Forcing the delete of a container that is already gone is not an error
 * (engines call it on every failure path).
 */
import { ContainerNotFoundError } from '../errors';
import { runHooksWarnOnly } from '../hooks/run';
import type { Logger } from '../logger';
import { removeContainerDir, type StoredState } from '../state/store';
import { openCgroups } from '../cgroups';
import { destroyCgroups } from './cgroups';
import { hookState } from './hook-state';
import { underLock, type ContainerRef } from './operation';
import { signalContainer, waitForExit } from './signal';

const SIGKILL = 9;

export interface DeleteRequest extends ContainerRef {
  force: boolean;
  logger: Logger;
  /**
   * Waits for (and reaps) the init when this process is its parent; then
   * the init must be waited for this way, or it stays a zombie.
   */
  reapChild?: () => Promise<unknown>;
}

/** Resolves true once deleted, false when a forced delete found nothing to delete. */
export async function deleteContainer(request: DeleteRequest): Promise<boolean> {
  let stored: StoredState | undefined;
  try {
    stored = await underLock(request, request.force ? 'forceDelete' : 'delete', async (current, status) => {
      const cgroup = current?.cgroup ? openCgroups(current.cgroup) : undefined;
      if (status !== 'stopped' && current && current.pid > 0) {
        // Through the cgroup when there is one: every process, and a paused one thawed to die.
        if (cgroup) await cgroup.kill(SIGKILL);
        else signalContainer(current, SIGKILL, true);
        if (request.reapChild) await request.reapChild();
        else await waitForExit(current.pid, current.initStartTime);
      }
      if (cgroup) {
        // A zombie init still pins its cgroup: reap our child first.
        if (request.reapChild) await request.reapChild();
        await destroyCgroups(cgroup);
      }
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

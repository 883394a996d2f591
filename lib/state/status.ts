/**
 * The status of a container, derived from reality rather than trusted from
 * state.json: the init alive (pid + start time) with the exec fifo still
 * there is "created", alive without it "running", gone "stopped".
 */
import * as fs from 'node:fs';
import type { ContainerStatus, State } from '../config/types';
import { isAlive } from './proc';
import { containerDir, fifoPath, tryLock, type StoredState } from './store';

export function deriveStatus(root: string, id: string, stored: StoredState | undefined): ContainerStatus {
  if (!stored || stored.pid === 0) {
    // No init yet: creating while the creator holds the lock; a create
    // that died half-way leaves a directory to delete.
    const lock = tryLock(containerDir(root, id));
    if (!lock) return 'creating';
    lock.release();
    return 'stopped';
  }
  if (stored.status === 'stopped') return 'stopped';
  if (!isAlive(stored.pid, stored.initStartTime)) return 'stopped';
  return fs.existsSync(fifoPath(root, id)) ? 'created' : 'running';
}

/** The OCI state object (runtime.md "State"), as `kapsel state` prints it. */
export function toOciState(root: string, id: string, stored: StoredState | undefined): State & Record<string, unknown> {
  const status = deriveStatus(root, id, stored);
  const state: State & Record<string, unknown> = {
    ociVersion: stored?.ociVersion ?? '1.2.0',
    id,
    pid: status === 'stopped' || !stored ? 0 : stored.pid,
    status,
    bundle: stored?.bundle ?? '',
    rootfs: stored?.rootfs ?? '',
    created: stored?.created ?? '',
    owner: stored?.owner ?? '',
  };
  if (stored?.annotations && Object.keys(stored.annotations).length > 0) state.annotations = stored.annotations;
  return state;
}

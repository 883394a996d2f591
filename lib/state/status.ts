/**
 * The status of a container, derived from reality rather than trusted from
 * state.json: the facts (init alive by pid + start time, exec fifo there,
 * cgroup frozen, lock held by a creator) read here, the rule that turns
 * them into a status in machine.ts (statusFrom), shared with the
 * simulated runtime.
 */
import * as fs from 'node:fs';
import type { ContainerStatus, State } from '../config/types';
import { OCI_VERSION } from '../config/default-spec';
import { statusFrom } from './machine';
import { isAlive } from './proc';

/** lib/cgroups, loaded only for a container that has cgroups (`state` of a missing id needs none). */
const cgroups = (): typeof import('../cgroups') => require('../cgroups') as typeof import('../cgroups');
import { containerDir, fifoPath, tryLock, type StoredState } from './store';

export interface DeriveOptions {
  /**
   * The caller holds the container's lock (an operation under withLock).
   * Then nobody else can be creating it, and the lock is not taken again:
   * a second flock from this process would conflict with our own and
   * read as "creating".
   */
  lockHeld: boolean;
}

export function deriveStatus(
  root: string,
  id: string,
  stored: StoredState | undefined,
  options: DeriveOptions,
): ContainerStatus {
  return statusFrom({
    hasInit: stored !== undefined && stored.pid !== 0,
    beingCreated() {
      // Nobody else can be creating it while we hold its lock.
      if (options.lockHeld) return false;
      const lock = tryLock(containerDir(root, id));
      if (!lock) return true;
      lock.release();
      return false;
    },
    initAlive: () => isAlive(stored!.pid, stored!.initStartTime),
    frozen: () => (stored!.cgroup ? cgroups().openCgroups(stored!.cgroup).isFrozen() : false),
    awaitingStart: () => fs.existsSync(fifoPath(root, id)),
  });
}

/**
 * The OCI state (runtime.md "State") plus the fields runc adds (rootfs,
 * created, owner), in runc's key order, as `kapsel state` prints it.
 */
export interface ContainerState extends State {
  pid: number;
  /** The rootfs's path on the host, as create resolved it. */
  rootfs: string;
  /** RFC 3339 with nanoseconds. */
  created: string;
  /** The user name of whoever created it (the uid as text when it has no name). */
  owner: string;
}

/** The state as seen from outside the container's lock (`kapsel state`, `list`). */
export function toOciState(root: string, id: string, stored: StoredState | undefined): ContainerState {
  const status = deriveStatus(root, id, stored, { lockHeld: false });
  const annotations = stored?.annotations && Object.keys(stored.annotations).length > 0 ? stored.annotations : undefined;
  return {
    ociVersion: stored?.ociVersion ?? OCI_VERSION,
    id,
    pid: status === 'stopped' || !stored ? 0 : stored.pid,
    status,
    bundle: stored?.bundle ?? '',
    rootfs: stored?.rootfs ?? '',
    created: stored?.created ?? '',
    ...(annotations ? { annotations } : {}),
    owner: stored?.owner ?? '',
  };
}

/**
 * On-disk state of containers: <root>/<id>/state.json, written atomically
 * (replace-file.ts), plus the exec fifo. Every operation that changes a
 * container holds an exclusive flock on its directory. `root` is the fd
 * path of a state root opened and checked by root.ts (openStateRoot):
 * nothing here trusts a path another user could have made.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CgroupRecord } from '../cgroups/driver';
import type { Annotations, Hooks } from '../config/types';
import type { CreateRecord } from '../container/create-record';
import { ContainerExistsError, ContainerNotFoundError } from '../errors';
import { native } from '../native/addon';
import { replaceFile } from './replace-file';

/** What kapsel records about a container; the status is derived, not stored. */
export interface StoredState {
  ociVersion: string;
  id: string;
  /** Host pid of the container's init (0 while creating). */
  pid: number;
  /** Start time (clock ticks) of the init, so a reused pid is not mistaken for it. */
  initStartTime: number;
  bundle: string;
  rootfs: string;
  /** RFC 3339 with nanoseconds. */
  created: string;
  owner: string;
  annotations?: Annotations;
  /** The config as it was at create: later edits of config.json must not matter. */
  hooks?: Hooks;
  /** Namespaces the container created (for kill --all). */
  ownPidNamespace: boolean;
  /** runc compatibility: the cgroup manager used at create (--systemd-cgroup). */
  systemdCgroup?: boolean;
  rootless: boolean;
  /** The container's cgroups and which directories create made (absent: it runs without cgroups). */
  cgroup?: CgroupRecord;
  /**
   * What later operations inherit from the container, as create recorded
   * it (container/create-record.ts): exec reads this, never the bundle.
   */
  recorded?: CreateRecord;
}

export const STATE_FILE = 'state.json';
export const EXEC_FIFO = 'exec.fifo';
/** The init of a container being created, recorded before it may outlive the runtime (see writeInitRecord). */
export const INIT_RECORD = 'init.json';

/** Which process a create spawned: pid and start time (so a recycled pid is never taken for it). */
export interface InitRecord {
  /** 0 until the init is spawned. */
  pid: number;
  startTime: number;
  /** The cgroups create made (before the spawn), for delete to remove. */
  cgroup?: CgroupRecord;
  /** Before that: the cgroup directories create is about to make (parents first). */
  cgroupDirs?: string[];
}

export function containerDir(root: string, id: string): string {
  return path.join(root, id);
}

export function fifoPath(root: string, id: string): string {
  return path.join(root, id, EXEC_FIFO);
}

/**
 * Creates the container's directory; an existing one means the id is taken.
 * The root (made by openStateRoot) and the container directories are 0700
 * (runc's root is): no other user may reach the exec fifo (opening it
 * would start or stall the container) or read the state. The init never
 * needs the path: it reopens the fifo through its own fd.
 */
export function createContainerDir(root: string, id: string): string {
  const dir = containerDir(root, id);
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new ContainerExistsError(id);
    throw err;
  }
  return dir;
}

/**
 * The stored state, or undefined while the container is being created. A
 * state.json that is not JSON (it is written atomically, so only an outside
 * hand makes one) reads as undefined too: the container then shows as
 * stopped, and delete can remove it.
 */
export function readState(root: string, id: string): StoredState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(containerDir(root, id), STATE_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      if (!fs.existsSync(containerDir(root, id))) throw new ContainerNotFoundError(id);
      return undefined; // being created (or a create that died before writing it)
    }
    throw err;
  }
  try {
    return JSON.parse(text) as StoredState;
  } catch {
    return undefined;
  }
}

export function writeState(root: string, state: StoredState): void {
  replaceFile(path.join(containerDir(root, state.id), STATE_FILE), JSON.stringify(state), 0o600);
}

/**
 * Records the init a create just spawned, before the runtime lets it run
 * ("go"). Until then the init exits as soon as the runtime's end of the
 * setup socket closes (a killed create included), and from then on it is
 * on disk: a create killed at any point leaves either nothing alive or an
 * init that delete (forced or not) finds here and kills.
 */
export function writeInitRecord(root: string, id: string, record: InitRecord): void {
  replaceFile(path.join(containerDir(root, id), INIT_RECORD), JSON.stringify(record), 0o600);
}

/** The init recorded by writeInitRecord, or undefined. */
export function readInitRecord(root: string, id: string): InitRecord | undefined {
  try {
    const record = JSON.parse(fs.readFileSync(path.join(containerDir(root, id), INIT_RECORD), 'utf8')) as InitRecord;
    return Number.isInteger(record.pid) && Number.isInteger(record.startTime) ? record : undefined;
  } catch {
    return undefined;
  }
}

export function removeContainerDir(root: string, id: string): void {
  fs.rmSync(containerDir(root, id), { recursive: true, force: true });
}

export function listIds(root: string): string[] {
  try {
    return fs
      .readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** A held flock on a container directory. */
export interface Lock {
  release(): void;
}

/** Non-blocking attempt; undefined when another process holds the lock. */
export function tryLock(dir: string): Lock | undefined {
  const fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    native().flock(fd, 'exclusive', true);
  } catch (err) {
    fs.closeSync(fd);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EWOULDBLOCK' || code === 'EAGAIN') return undefined;
    throw err;
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      fs.closeSync(fd); // closing the last fd drops the flock
    },
  };
}

/**
 * Takes the container's lock, polling without blocking the event loop (a
 * blocking flock would freeze every other container of this process).
 */
export async function lockContainer(root: string, id: string): Promise<Lock> {
  const dir = containerDir(root, id);
  for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
    let lock: Lock | undefined;
    try {
      lock = tryLock(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ContainerNotFoundError(id);
      throw err;
    }
    if (lock) return lock;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** Runs `fn` under the container's lock. */
export async function withLock<T>(root: string, id: string, fn: () => Promise<T> | T): Promise<T> {
  const lock = await lockContainer(root, id);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

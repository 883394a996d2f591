/**
 * One simulated container as the runtime keeps it: what the real runtime
 * keeps in its state directory (state.json's fields) plus the facts its
 * status is derived from, here held in memory instead of read from the
 * kernel. The status comes from the same rule as the real one's
 * (state/machine.ts statusFrom), and operations take the container's lock
 * as the real ones take its flock: one at a time, in order.
 */
import * as path from 'node:path';
import type { ContainerStatus } from '../../config/types';
import type { ValidSpec } from '../../config/valid';
import { statusFrom } from '../../state/machine';
import type { Logger } from '../../logger';
import type { ContainerState } from '../../state/status';
import type { ScriptedProcess } from './process';
import type { ContainerScript } from './script';

/** One simulated container's record (internal to the simulation). */
export class SimulatedRecord {
  /** Create has not finished (the lock is held by it). */
  creating = true;
  /** The init, once spawned. */
  init: ScriptedProcess | undefined;
  /** The init waits for start (the exec fifo is there). */
  awaitingStart = false;
  /** The container's processes are frozen (paused). */
  frozen = false;
  /** Its exec'd processes that still run. */
  readonly execs = new Set<ScriptedProcess>();
  /** The container's handles, for the events every handle gets ('exit', 'oom'). */
  readonly handles = new Set<{ emit(event: 'oom', kills: number): boolean }>();
  /** Timers to cancel when it goes (the scripted OOM). */
  readonly timers: unknown[] = [];
  private lock: Promise<unknown> = Promise.resolve();

  constructor(
    readonly id: string,
    readonly bundle: string,
    readonly config: ValidSpec,
    readonly script: ContainerScript,
    readonly created: string,
    readonly owner: string,
    /** Where its warnings go (failed poststop hooks): create's logger, as a Container's. */
    readonly logger: Logger,
  ) {}

  /** The init's pid (0 before the spawn). */
  get pid(): number {
    return this.init?.pid ?? 0;
  }

  /** The status, by the real runtime's rule. */
  status(): ContainerStatus {
    return statusFrom({
      // As state.json: written once create is done, so a create at work has no init to show.
      hasInit: !this.creating && this.init !== undefined,
      beingCreated: () => this.creating,
      initAlive: () => this.init!.alive,
      frozen: () => this.frozen,
      awaitingStart: () => this.awaitingStart,
    });
  }

  /** The OCI state with runc's fields, as the real runtime's toOciState gives it. */
  ociState(): ContainerState {
    const status = this.status();
    const annotations = this.config.annotations && Object.keys(this.config.annotations).length > 0 ? this.config.annotations : undefined;
    return {
      ociVersion: this.config.ociVersion,
      id: this.id,
      pid: status === 'stopped' ? 0 : this.pid,
      status,
      bundle: this.bundle,
      rootfs: path.resolve(this.bundle, this.config.root.path),
      created: this.created,
      ...(annotations ? { annotations } : {}),
      owner: this.owner,
    };
  }

  /** The config gives the container a pid namespace of its own (not one joined by path). */
  get ownPidNamespace(): boolean {
    return (this.config.linux?.namespaces ?? []).some((ns) => ns.type === 'pid' && !ns.path);
  }

  /**
   * The state a hook gets on stdin (runtime.md "State"), as hook-state.ts
   * builds it. `inContainer`: a hook of the container's namespace
   * (createContainer, startContainer) gets the pid as the container sees
   * it, 1 in a pid namespace of its own (containerHookStates); the
   * simulation has no other namespace to number it in.
   */
  hookState(status: ContainerStatus, inContainer = false): object {
    const pid = inContainer && this.ownPidNamespace ? 1 : this.pid;
    const state: Record<string, unknown> = { ociVersion: this.config.ociVersion, id: this.id, status, pid, bundle: this.bundle };
    if (this.config.annotations) state.annotations = this.config.annotations;
    return state;
  }

  /** Runs `act` holding the container's lock (after every operation that took it before). */
  withLock<T>(act: () => Promise<T> | T): Promise<T> {
    const result = this.lock.then(act);
    this.lock = result.catch(() => undefined);
    return result;
  }
}

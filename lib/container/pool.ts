/**
 * A warm pool of init helpers (Container.pool, issue 22 goal 2): `size`
 * helpers wait, each already exec'd from the sealed memfd in fresh
 * namespaces of the pool's shape and placed in spare cgroups, so that a
 * create it serves skips the clone, the namespaces' creation, the exec,
 * the mkdirs and the cgroup.procs writes: it renames the spare cgroups to
 * the container's and hands the plan and the fd table to a waiting helper
 * (pool-helper.ts, launch.ts). A create the pool cannot serve (pool-fit.ts:
 * other namespaces, joined ones, a user namespace, time offsets, an oom
 * score, cgroups elsewhere) or that finds it empty goes cold, with the
 * same result.
 *
 * One shape per pool, not a mix: a create fits one shape, and helpers of
 * shapes nobody asks for would sit there holding namespaces and cgroups
 * (open a second pool for a second shape).
 *
 * A helper serves one container and is never reused; the pool refills
 * in the background once the create that took one is done (one spawn at
 * a time). close() (or
 * `await using`) kills and reaps every waiting helper and removes their
 * spare cgroups; a process that exits with the pool open kills them and
 * removes their cgroups on its way out ('exit'), and a helper whose
 * runtime died outright sees its channel close and exits by itself.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LinuxNamespaceType } from '../config/types';
import { array, checkArgs, int, logger, object, oneOf, optional, type Guard } from '../args';
import { ArgumentTypeError, NotSupportedError } from '../errors';
import { runtimeUnprivileged } from '../host/facts';
import type { Logger } from '../logger';
import { NAMESPACE_FLAGS } from '../plan/namespaces';
import type { LaunchPlan } from '../plan/steps';
import { isAlive } from '../state/proc';
import { poolMiss } from './pool-fit';
import { unseenPath } from './pool-view';
import { PooledHelper, spawnPooledHelper } from './pool-helper';
import { nativeSyscalls, type ParentSyscalls } from './syscalls';

/** `kapsel spec`'s namespaces. The cgroup namespace is the plan's (an unshare after "go"), not the clone's. */
export const DEFAULT_POOL_NAMESPACES: readonly LinuxNamespaceType[] = ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup'];

/** At most this many helpers per pool: each holds a pid, a few namespaces and a cgroup per hierarchy. */
export const MAX_POOL_SIZE = 64;

/** The options of `Container.pool()`. */
export interface PoolOptions {
  /** How many helpers wait (1 to 64). */
  size: number;
  /**
   * The namespaces the helpers are made in, as linux.namespaces types
   * (none joined); a config that creates exactly these is served.
   * Default: those of `kapsel spec`'s config. No "user" (its id maps
   * belong to the config) and no "time" (its offsets are fixed when it is
   * entered).
   */
  namespaces?: readonly LinuxNamespaceType[];
  /** Where refill failures and cold-create reasons go (warn, debug); default: silent. */
  logger?: Logger;
}

/**
 * The options of Container.pool, checked before anything is spawned (lib/args.ts).
 * No "user" namespace (its id maps belong to the config) and no "time"
 * (its offsets are fixed when it is entered): only these can wait ahead.
 */
const POOL_OPTIONS: Guard = object({
  size: int(1, MAX_POOL_SIZE),
  namespaces: optional(array(oneOf('pid', 'network', 'mount', 'ipc', 'uts', 'cgroup'))),
  logger: optional(logger),
});

/** The clone flags of `namespaces` (checked by POOL_OPTIONS). */
function shapeFlags(namespaces: readonly LinuxNamespaceType[]): number {
  let flags = 0;
  for (const type of namespaces) {
    // The plan makes the cgroup namespace itself, after the cgroups are placed (compile.ts).
    if (type !== 'cgroup') flags |= NAMESPACE_FLAGS[type];
  }
  return flags;
}

/** create's options.pool: only a pool from Container.pool (a look-alike's take() could hand the plan to any process). */
export function checkPoolOption(pool: unknown): void {
  if (pool !== undefined && !(pool instanceof WarmPool)) throw new ArgumentTypeError('options.pool', 'a pool from Container.pool()', pool);
}

/** The pools open in this process, for the exit handler. */
const openPools = new Set<WarmPool>();

/** On the way out: every waiting helper killed, its spare cgroups removed (synchronously: no event loop is left). */
function onExit(): void {
  for (const pool of openPools) pool.killOnExit();
}

const SWEEP_DEADLINE_MS = 500;

/** rmdir that waits (busily: on exit nothing else runs) for a killed helper to leave the cgroup. */
function removeSpareDirSync(dir: string): void {
  const until = Date.now() + SWEEP_DEADLINE_MS;
  for (;;) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code !== 'EBUSY' || Date.now() > until) return;
    }
  }
}

const SPARE_NAME = /^kapsel-pool-(\d+)-\d+$/;

/**
 * Removes spare cgroups a dead process left beside `dir` (a process
 * killed outright runs no exit handler; its helpers exited when their
 * channels closed, so the directories are empty).
 */
function sweepDeadSpares(dirs: readonly string[]): void {
  for (const parent of new Set(dirs.map((d) => path.dirname(d)))) {
    let names: string[];
    try {
      names = fs.readdirSync(parent);
    } catch {
      continue;
    }
    for (const name of names) {
      const pid = SPARE_NAME.exec(name)?.[1];
      if (pid === undefined || Number(pid) === process.pid || processExists(Number(pid))) continue;
      try {
        fs.rmdirSync(path.join(parent, name));
      } catch {
        // not empty (someone else's, or still in use): left alone
      }
    }
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A warm pool of init helpers (Container.pool): pass it as
 * `Container.create({ ..., pool })`; close it (or `await using`) when done.
 */
export interface ContainerPool extends AsyncDisposable {
  /** How many helpers it keeps waiting. */
  readonly size: number;
  /** Helpers waiting now. */
  readonly waiting: number;
  /** Creates served by a waiting helper, and creates that went cold (the pool could not serve them, or was empty). */
  readonly counts: {
    /** Creates a waiting helper served. */
    readonly served: number;
    /** Creates that went cold. */
    readonly cold: number;
  };
  /** Resolves once the pool is done refilling: full, closed, or a spawn failed (warned; `waiting` says how many there are). */
  ready(): Promise<void>;
  /** Kills and reaps every waiting helper and removes their spare cgroups; the pool serves nothing after. */
  close(): Promise<void>;
}

/** The pool itself; create.ts takes helpers from it (only a pool made by Container.pool is accepted). */
export class WarmPool implements ContainerPool {
  private readonly helpers: { helper: PooledHelper; startTime: number }[] = [];
  private filling: Promise<void> | undefined;
  private closed = false;
  private swept = false;
  private readonly waiters: (() => void)[] = [];
  /** Creates served by a waiting helper, and creates that went cold (the pool could not serve them, or was empty). */
  readonly counts = { served: 0, cold: 0 };

  private constructor(
    /** How many helpers it keeps waiting. */
    readonly size: number,
    private readonly cloneFlags: number,
    private readonly logger: Logger | undefined,
    private readonly sys: ParentSyscalls,
  ) {}

  /** Checks the options, opens the pool and waits until it is full; a first spawn that fails rejects (and leaves nothing). */
  static async open(options: PoolOptions, sys: ParentSyscalls = nativeSyscalls): Promise<WarmPool> {
    checkArgs([options, 'options', POOL_OPTIONS]);
    const size = options.size;
    const flags = shapeFlags(options.namespaces ?? DEFAULT_POOL_NAMESPACES);
    // A rootless runtime creates namespaces only inside a user namespace,
    // whose id maps are the config's: no helper can be made for it ahead.
    if (runtimeUnprivileged()) throw new NotSupportedError('a warm pool needs a root runtime (rootless containers have a user namespace, whose id maps a pool cannot know ahead); create without one');
    const pool = new WarmPool(size, flags, options.logger, sys);
    if (openPools.size === 0) process.on('exit', onExit);
    openPools.add(pool);
    try {
      await pool.spawnOne();
    } catch (err) {
      await pool.close();
      throw err;
    }
    pool.fill();
    await pool.ready();
    return pool;
  }

  /** Helpers waiting now. */
  get waiting(): number {
    return this.helpers.length;
  }

  /** Resolves once the pool is done refilling: full, closed, or a spawn failed (warned; `waiting` says how many there are). */
  ready(): Promise<void> {
    if (this.closed || this.helpers.length >= this.size) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.waiters.push(resolve));
    // Not filling (a refill failed earlier, say): try now.
    this.fill();
    return done;
  }

  /**
   * A waiting helper that can serve `plan`, taken out of the pool (the
   * caller's to claim or discard), or undefined: create goes cold.
   */
  take(plan: LaunchPlan, logger?: Logger): PooledHelper | undefined {
    if (this.closed) return undefined;
    for (;;) {
      const entry = this.helpers[0];
      if (!entry) {
        this.counts.cold++;
        (logger ?? this.logger)?.debug?.('pool: empty, creating cold');
        return undefined;
      }
      const miss = poolMiss(plan, entry.helper);
      if (miss !== undefined) {
        this.counts.cold++;
        (logger ?? this.logger)?.debug?.(`pool: cannot serve this config (${miss}), creating cold`);
        return undefined;
      }
      this.helpers.shift();
      // Killed by someone meanwhile (it is our unreaped child: its pid is not reused): the next one.
      if (!isAlive(entry.helper.pid, entry.startTime)) {
        void entry.helper.discard().catch((err) => this.logger?.warn(`pool: removing a dead helper: ${(err as Error).message}`));
        this.refill();
        continue;
      }
      const unseen = unseenPath(entry.helper.pid, plan);
      if (unseen !== undefined) {
        // Made before a mount the plan needs (pool-view.ts): of no use to this config.
        this.counts.cold++;
        (logger ?? this.logger)?.debug?.(`pool: the pool's helper does not see ${unseen} as this process does, creating cold`);
        void entry.helper.discard().catch((err) => this.logger?.warn(`pool: removing a stale helper: ${(err as Error).message}`));
        this.refill();
        return undefined;
      }
      this.counts.served++;
      return entry.helper;
    }
  }

  /** create.ts: a helper taken could not be used after all (its cgroups could not be renamed): that create went cold. */
  servedCold(): void {
    this.counts.served--;
    this.counts.cold++;
  }

  /** Kills and reaps every waiting helper and removes their spare cgroups; the pool serves nothing after. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    openPools.delete(this);
    if (openPools.size === 0) process.off('exit', onExit);
    await this.filling?.catch(() => undefined);
    const helpers = this.helpers.splice(0);
    const results = await Promise.allSettled(helpers.map((h) => h.helper.discard()));
    for (const waiter of this.waiters.splice(0)) waiter();
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** close(), for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** The exit handler's part: SIGKILL to each waiting helper, then its spare cgroups removed. */
  killOnExit(): void {
    for (const { helper } of this.helpers) helper.killNow();
    for (const { helper } of this.helpers) for (const dir of helper.spareDirs()) removeSpareDirSync(dir);
  }

  private async spawnOne(): Promise<void> {
    const helper = await spawnPooledHelper(this.sys, this.cloneFlags);
    if (!this.swept) {
      this.swept = true;
      sweepDeadSpares(helper.spareDirs());
    }
    if (this.closed) {
      await helper.discard();
      return;
    }
    this.helpers.push({ helper, startTime: this.sys.processStartTime(helper.pid) });
  }

  /**
   * Refills, once the create that took a helper is done (create.ts calls
   * it at its end): a refill during that create would put its clone, its
   * mkdirs and its cgroup.procs writes in the same two pool slots as the
   * create's own cgroup writes (native/pool.ts), on its path.
   */
  refill(): void {
    setImmediate(() => this.fill());
  }

  /** Spawns until full, one at a time; a failure is a warning and stops this round (the next take tries again). */
  private fill(): void {
    if (this.filling || this.closed || this.helpers.length >= this.size) return;
    this.filling = this.fillLoop().finally(() => {
      this.filling = undefined;
      for (const waiter of this.waiters.splice(0)) waiter();
    });
  }

  private async fillLoop(): Promise<void> {
    // First a turn of the event loop: `filling` is set before the loop can end.
    await Promise.resolve();
    try {
      while (!this.closed && this.helpers.length < this.size) await this.spawnOne();
    } catch (err) {
      this.logger?.warn(`pool: a helper could not be made: ${(err as Error).message}`);
    }
  }
}

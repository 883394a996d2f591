/**
 * One pooled init helper (pool.ts): spawned ahead of time from the sealed
 * memfd into fresh namespaces of the pool's shape, placed in its spare
 * cgroups, waiting on its channel for the one container it will serve
 * (`kapsel-init --pool-fd 3`, native/init/pool_wait.h). It holds nothing
 * but that channel (fd 3; 0, 1 and 2 are closed): no stdio of ours, no fd
 * of another helper or container (every other fd of this process is
 * close-on-exec, and the spawner closes all it does not pass). It is
 * non-dumpable from its first instruction and never reused: a discard
 * kills it.
 */
import type { CgroupRecord } from '../cgroups';
import { InternalError } from '../errors';
import type { CgroupPlan } from '../plan/runtime-cgroups';
import { destroyCgroups } from './cgroups';
import type { PooledInit } from './launch';
import { adoptSpareCgroups, makeSpareCgroups, spareLeaves } from './pool-cgroups';
import type { HelperShape } from './pool-fit';
import { processCalls, type ParentSyscalls } from './syscalls';

const SIGKILL = 9;
/** The helper's channel: fd 3, its first fd after the (closed) stdio. */
const POOL_FD = 3;

let spareCount = 0;

/**
 * A spare cgroup name of this process: never a name this process gives a
 * container by itself, unique within the process; the pid lets a later
 * process tell a dead one's leftovers (pool.ts sweeps them).
 */
function spareName(): string {
  return `kapsel-pool-${process.pid}-${++spareCount}`;
}

export class PooledHelper implements PooledInit, HelperShape {
  private state: 'waiting' | 'claimed' | 'discarded' = 'waiting';

  constructor(
    private readonly sys: ParentSyscalls,
    readonly pid: number,
    private readonly pidfd: number,
    private readonly socket: number,
    readonly cloneFlags: number,
    /** Its spare cgroups (until adopted by a container). */
    public cgroups: CgroupRecord | undefined,
  ) {}

  get waiting(): boolean {
    return this.state === 'waiting';
  }

  /** launch.ts takes it: its pidfd and channel are the launch's from now on. */
  claim(): { pid: number; pidfd: number; socket: number } {
    if (this.state !== 'waiting') throw new InternalError(`pool: helper ${this.pid} is ${this.state}`);
    this.state = 'claimed';
    return { pid: this.pid, pidfd: this.pidfd, socket: this.socket };
  }

  /** Resolves once it is in all the container's cgroups (its cgroup2 move, adoptCgroups). */
  placed: Promise<void> = Promise.resolve();

  /** Gives its spare cgroups to the container (pool-cgroups.ts); throws leaving them as they were. */
  adoptCgroups(plan: CgroupPlan, making: (dirs: string[]) => void): CgroupRecord {
    const { record, placed } = adoptSpareCgroups(this.sys, this.cgroups!, plan, this.pid, making);
    this.cgroups = undefined;
    this.placed = placed;
    return record;
  }

  /**
   * Kills and reaps it and removes its spare cgroups, unless a launch
   * claimed it (then the launch and the container own all that).
   */
  async discard(): Promise<void> {
    if (this.state !== 'waiting') return;
    this.state = 'discarded';
    this.killNow();
    await this.sys.pidfdWait(this.pidfd).catch(() => undefined);
    this.sys.close(this.pidfd);
    this.sys.close(this.socket);
    if (this.cgroups) await destroyCgroups(this.cgroups);
  }

  /** SIGKILL through the pidfd, synchronously (the exit handler of pool.ts; the reap comes later or never). */
  killNow(): void {
    try {
      this.sys.pidfdSendSignal(this.pidfd, SIGKILL);
    } catch {
      // gone already
    }
  }

  /** The spare cgroup directories it still has. */
  spareDirs(): string[] {
    return this.cgroups ? spareLeaves(this.cgroups) : [];
  }
}

/** Spawns one helper of `cloneFlags` in fresh spare cgroups. */
export async function spawnPooledHelper(sys: ParentSyscalls, cloneFlags: number): Promise<PooledHelper> {
  const cgroups = await makeSpareCgroups(spareName());
  let spawned: { pid: number; pidfd: number } | undefined;
  let parentEnd = -1;
  try {
    const [ours, theirs] = sys.seqpacketPair();
    parentEnd = ours;
    // cgroup2: born in its spare cgroup, as a cold init is born in its own.
    const cgroupFd = cgroups?.unified !== undefined ? sys.openDirectory(cgroups.unified) : undefined;
    try {
      spawned = await sys.spawn({
        file: processCalls.initHelperPath(),
        argv: ['kapsel-init', '--pool-fd', String(POOL_FD)],
        env: [],
        // Nothing at 0, 1, 2: the container's stdio arrives with its plan.
        fds: [-1, -1, -1, theirs],
        cloneFlags,
        join: [],
        ...(cgroupFd !== undefined ? { cgroupFd } : {}),
      });
    } finally {
      sys.close(theirs);
      if (cgroupFd !== undefined) sys.close(cgroupFd);
    }
    // v1: into each hierarchy now, so that create does not write cgroup.procs.
    const v1 = [...new Set(Object.values(cgroups?.v1 ?? {}))];
    if (v1.length > 0) await sys.joinCgroups(spawned.pid, v1);
    return new PooledHelper(sys, spawned.pid, spawned.pidfd, parentEnd, cloneFlags, cgroups);
  } catch (err) {
    if (spawned) {
      try {
        sys.pidfdSendSignal(spawned.pidfd, SIGKILL);
      } catch {
        // gone already
      }
      await sys.pidfdWait(spawned.pidfd).catch(() => undefined);
      sys.close(spawned.pidfd);
    }
    if (parentEnd >= 0) sys.close(parentEnd);
    if (cgroups) await destroyCgroups(cgroups).catch(() => undefined);
    throw err;
  }
}

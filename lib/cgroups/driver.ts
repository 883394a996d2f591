/**
 * One interface over both cgroup versions. A container's cgroups are
 * described by a CgroupRecord (stored in state.json, so that delete, kill,
 * pause from another process find exactly what create made); a driver is
 * built from it (openCgroups in index.ts) and does the rest.
 */
import type { SystemdScope } from './systemd';
import type { CgroupSettings } from './writes';

/** What create made, as state.json keeps it. */
export interface CgroupRecord {
  /** 1: v1 controllers (pure v1 or hybrid); 2: pure cgroup2. */
  version: 1 | 2;
  /** v1 controller -> the container's directory in that hierarchy. */
  v1: Record<string, string>;
  /** The container's cgroup2 directory (pure v2, or the hybrid's unified hierarchy). */
  unified?: string;
  /** Where the cgroup2 hierarchy is mounted (controllers are enabled below it). */
  mountPoint?: string;
  /** The directories create made (parents first); delete removes only these. */
  created: string[];
  /**
   * The descendants the container's cgroups already had at create (an
   * existing cgroupsPath with children, empty then: create refuses
   * populated ones). Someone else's: they and all below them are never
   * listed, signalled or removed. Cgroups that appear below the
   * container's own later are its processes' and go with it.
   */
  preexisting?: string[];
  /**
   * --systemd-cgroup: the scope unit systemd holds these cgroups as
   * (systemd.ts); update also changes its properties, delete stops it.
   */
  systemd?: SystemdScope;
}

export type { CgroupStats, MemoryEntry } from './stats';
import type { CgroupStats } from './stats';

export interface CgroupDriver {
  readonly record: CgroupRecord;
  /**
   * A directory fd of the cgroup2 cgroup, for clone3(CLONE_INTO_CGROUP):
   * the init is born there. Undefined without a cgroup2 hierarchy.
   * The caller closes it.
   */
  openPlacementFd(): number | undefined;
  /**
   * Moves `pid` into every hierarchy it was not born into (all v1
   * hierarchies; the cgroup2 one too when `bornInUnified` is false), in
   * one batch on libuv's pool.
   */
  place(pid: number, bornInUnified: boolean): Promise<void>;
  /** Writes resource settings (one batch on the pool); `warn` gets what is not applied. */
  apply(settings: CgroupSettings, warn: (message: string) => void): Promise<void>;
  /**
   * Changes the settings of the live cgroup: the writes only (device
   * rules stay as create set them, as with runc's update).
   */
  update(settings: CgroupSettings, warn: (message: string) => void): Promise<void>;
  /** Freezes every process; resolves once the kernel reports it frozen. */
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  /** The freezer says frozen (or freezing). */
  isFrozen(): boolean;
  /** Signals every process of the cgroup and its descendants (none of `preexisting`). */
  kill(signal: number): Promise<void>;
  /** Every pid in the cgroup and its descendants, none of `preexisting` (read on the pool). */
  procs(): Promise<number[]>;
  stats(): CgroupStats;
  /** The OOM kills the kernel counted so far. */
  oomKills(): number;
  /** Removes what create made (thawed first, descendants too), in batches on the pool; never anything else. */
  destroy(): Promise<void>;
  /**
   * Removes every directory create made, deepest first, without listing
   * anything first; true when all are gone. The kernel refuses to remove a
   * cgroup with processes or children, so this removes nothing that is
   * still in use (false: destroy does the full work).
   */
  removeIfEmpty(): Promise<boolean>;
}

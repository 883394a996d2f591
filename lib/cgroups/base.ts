/**
 * What both drivers do the same way: signalling every process (frozen
 * meanwhile, so none can fork or exit and be replaced by a stranger with
 * a recycled pid), waiting for the freezer, and destroy.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CgroupDriver, CgroupRecord, CgroupStats } from './driver';
import { CgroupError, procsOfTree, readControl, removeCgroupTree, writeControl } from './files';
import type { CgroupSettings } from './writes';

const SIGKILL = 9;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `done` with a growing delay; a freezer takes a moment when tasks are in uninterruptible sleep. */
export async function waitFor(what: string, done: () => boolean, path: string): Promise<void> {
  for (let attempt = 0; attempt < 1000; attempt++) {
    if (done()) return;
    await sleep(Math.min(2 ** attempt, 10));
  }
  throw new CgroupError(`cgroup: ${what}: ${path} did not get there`, path);
}

export abstract class BaseDriver implements CgroupDriver {
  constructor(readonly record: CgroupRecord) {}

  /** The cgroup whose tree lists every process of the container. */
  protected abstract procsDir(): string;
  abstract openPlacementFd(): number | undefined;
  abstract place(pid: number, bornInUnified: boolean): void;
  abstract apply(settings: CgroupSettings, warn: (message: string) => void): void;
  abstract freeze(): Promise<void>;
  abstract thaw(): Promise<void>;
  abstract isFrozen(): boolean;
  /** A freezer exists (a v1 host may not mount one). */
  protected abstract canFreeze(): boolean;
  abstract stats(): CgroupStats;
  abstract oomKills(): number;

  update(settings: CgroupSettings, warn: (message: string) => void): void {
    this.apply({ writes: settings.writes, warnings: settings.warnings }, warn);
  }

  procs(): number[] {
    return procsOfTree(this.procsDir());
  }

  /** The container's directories, one per hierarchy. */
  protected dirs(): string[] {
    const set = new Set(Object.values(this.record.v1));
    if (this.record.unified) set.add(this.record.unified);
    return [...set];
  }

  async kill(signal: number): Promise<void> {
    const unified = this.record.unified;
    // cgroup.kill (Linux 5.14) kills the whole tree atomically, forks included.
    if (signal === SIGKILL && unified && fs.existsSync(path.join(unified, 'cgroup.kill'))) {
      writeControl(unified, 'cgroup.kill', '1');
      // A frozen process (a paused container's, or frozen by the v1 freezer) only dies once thawed.
      if (this.canFreeze() && this.isFrozen()) await this.thaw();
      return;
    }
    // Without a freezer the processes are signalled as they are listed.
    const freezable = this.canFreeze();
    const wasFrozen = freezable && this.isFrozen();
    if (freezable && !wasFrozen) await this.freeze();
    try {
      for (const pid of this.procs()) {
        try {
          process.kill(pid, signal);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
        }
      }
    } finally {
      // A paused container stays paused, except that SIGKILL must be able
      // to finish its job (a frozen process does not die).
      if (freezable && (!wasFrozen || signal === SIGKILL)) await this.thaw();
    }
  }

  async destroy(): Promise<void> {
    if (this.canFreeze() && this.isFrozen()) await this.thaw();
    const created = new Set(this.record.created);
    for (const dir of this.dirs()) {
      if (!fs.existsSync(dir)) continue;
      if (created.has(dir)) {
        await removeCgroupTree(dir);
      } else {
        // A cgroup that existed before create: only what the container made below it goes.
        for (const child of fs.readdirSync(dir, { withFileTypes: true })) {
          if (child.isDirectory()) await removeCgroupTree(path.join(dir, child.name));
        }
      }
    }
    // Parents create made, deepest first, when nothing else uses them now.
    for (const dir of [...this.record.created].reverse()) {
      try {
        fs.rmdirSync(dir);
      } catch {
        // ENOENT: removed above; EBUSY/ENOTEMPTY: another cgroup lives there now
      }
    }
  }
}

/** Reads a number file ("max" and a missing file read as undefined). */
export function readNumber(dir: string, file: string): number | undefined {
  const text = readControl(dir, file)?.trim();
  if (text === undefined || text === '' || text === 'max') return undefined;
  const n = Number(text.split(/\s+/)[0]);
  return Number.isFinite(n) ? n : undefined;
}

/** "key value" lines (memory.stat, cpu.stat, memory.events) as a record. */
export function readKeyed(dir: string, file: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (readControl(dir, file) ?? '').split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && /^-?\d+$/.test(value)) out[key] = Number(value);
  }
  return out;
}

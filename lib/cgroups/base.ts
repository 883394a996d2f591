/**
 * What both drivers do the same way: signalling every process (frozen
 * meanwhile, so none can fork or exit and be replaced by a stranger with
 * a recycled pid), waiting for the freezer, and destroy.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CgroupDriver, CgroupRecord, CgroupStats } from './driver';
import { isFailure, runFileBatch } from './file-batch';
import { CgroupError, descendantsOf, procsOfTree, readControl, readResult, removeCgroupTrees, subdirsResult, writeControl, type Skip } from './files';
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
  abstract place(pid: number, bornInUnified: boolean): Promise<void>;
  abstract apply(settings: CgroupSettings, warn: (message: string) => void): Promise<void>;
  abstract freeze(): Promise<void>;
  abstract thaw(): Promise<void>;
  abstract isFrozen(): boolean;
  /**
   * The file that says whether the cgroup is frozen, and how to read it
   * (a missing file: not frozen); undefined without a freezer.
   */
  protected abstract freezerFile(): { file: string; frozen(text: string): boolean } | undefined;
  /** A freezer exists (a v1 host may not mount one). */
  protected abstract canFreeze(): boolean;
  abstract stats(): CgroupStats;
  abstract oomKills(): number;

  update(settings: CgroupSettings, warn: (message: string) => void): Promise<void> {
    return this.apply({ writes: settings.writes, warnings: settings.warnings }, warn);
  }

  procs(): Promise<number[]> {
    return procsOfTree(this.procsDir(), this.foreign());
  }

  /**
   * The descendants that were there before create: someone else's (another
   * container's, a process placed there by its owner), never the
   * container's to signal or remove (issue 16: delete killed them).
   */
  protected foreign(): Skip {
    return new Set(this.record.preexisting ?? []);
  }

  /** The container's directories, one per hierarchy. */
  protected dirs(): string[] {
    const set = new Set(Object.values(this.record.v1));
    if (this.record.unified) set.add(this.record.unified);
    return [...set];
  }

  async kill(signal: number): Promise<void> {
    const unified = this.record.unified;
    // cgroup.kill (Linux 5.14) kills the whole tree atomically, forks
    // included: only when no one else's cgroup is in that tree.
    const shared = (this.record.preexisting ?? []).some((dir) => fs.existsSync(dir));
    if (signal === SIGKILL && unified && !shared && fs.existsSync(path.join(unified, 'cgroup.kill'))) {
      writeControl(unified, 'cgroup.kill', '1');
      // A frozen process (a paused container's, or frozen by the v1 freezer) only dies once thawed.
      if (this.canFreeze() && this.isFrozen()) await this.thaw();
      return;
    }
    // Without a freezer the processes are signalled as they are listed.
    // (The freezer is hierarchical: someone else's cgroup below is frozen
    // for the moment too, but only the container's processes are signalled.)
    const freezable = this.canFreeze();
    const wasFrozen = freezable && this.isFrozen();
    if (freezable && !wasFrozen) await this.freeze();
    try {
      for (const pid of await this.procs()) {
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

  async removeIfEmpty(): Promise<boolean> {
    const made = [...this.record.created].reverse();
    // A cgroup create did not make (taken as it was) is never removed: only destroy knows what lies below it.
    if (made.length === 0 || this.dirs().some((dir) => !this.record.created.includes(dir))) return false;
    const results = await runFileBatch(made.map((dir) => ({ op: 'rmdir' as const, path: dir, tolerate: true as const })));
    return results.every((r) => !isFailure(r) || r.code === 'ENOENT');
  }

  async destroy(): Promise<void> {
    const dirs = this.dirs();
    const freezer = this.freezerFile();
    // One batch on the pool: what lies below each directory, and the freezer's state.
    const listed = await runFileBatch([
      ...dirs.map((dir) => ({ op: 'subdirs' as const, path: dir, tolerate: true as const })),
      ...(freezer ? [{ op: 'read' as const, path: freezer.file, tolerate: true as const }] : []),
    ]);
    if (freezer) {
      const state = readResult(listed[dirs.length], freezer.file);
      if (state !== undefined && freezer.frozen(state)) await this.thaw();
    }
    const created = new Set(this.record.created);
    const foreign = this.foreign();
    const present: string[] = [];
    const below: string[][] = [];
    dirs.forEach((dir, i) => {
      const result = listed[i];
      if (isFailure(result) && result.code === 'ENOENT') return; // gone already
      present.push(dir);
      below.push(subdirsResult(result, dir, foreign));
    });
    // What was there before create is someone else's, with all below it: left alone.
    const descendants = await descendantsOf(present, below, foreign);
    // A cgroup that existed before create: only what the container made below it goes.
    const trees = present.map((dir, i) => (created.has(dir) ? [dir, ...descendants[i]] : descendants[i]));
    await removeCgroupTrees(trees);
    // Parents create made, deepest first, when nothing else uses them now
    // (ENOENT: removed already; EBUSY/ENOTEMPTY: another cgroup lives there now).
    const removed = new Set(trees.flat());
    const parents = [...this.record.created].reverse().filter((dir) => !removed.has(dir));
    await runFileBatch(parents.map((dir) => ({ op: 'rmdir' as const, path: dir, tolerate: true as const })));
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

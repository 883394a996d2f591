/**
 * The few file operations cgroup drivers do, with errors that name the
 * file: read/write one control file, create a cgroup directory chain
 * (remembering which directories were made), remove cgroups deepest
 * first, list a cgroup's processes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KapselError } from '../errors';
import type { CgroupWrite } from './writes';

export class CgroupError extends KapselError {
  constructor(
    message: string,
    readonly path: string,
    readonly errno?: string,
  ) {
    super('ERR_SYSCALL', message);
  }
}

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/** A control file's content, or undefined when the file does not exist. */
export function readControl(dir: string, file: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dir, file), 'utf8');
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw new CgroupError(`cgroup: read ${path.join(dir, file)}: ${(err as Error).message}`, path.join(dir, file), errnoOf(err));
  }
}

export function writeControl(dir: string, file: string, value: string): void {
  const target = path.join(dir, file);
  try {
    // One write(2) per value: each line of a control file is one command.
    fs.writeFileSync(target, value);
  } catch (err) {
    throw new CgroupError(`cgroup: write "${value}" to ${target}: ${(err as Error).message}`, target, errnoOf(err));
  }
}

/**
 * Applies writes in order. A write the kernel refuses with EINVAL is tried
 * again once after the others, since some pairs depend on their order
 * and the right order depends on the current values (memory.limit and
 * memory.memsw.limit when lowering or raising both, cfs period and quota).
 */
export function applyWrites(dirFor: (controller: string) => string | undefined, writes: readonly CgroupWrite[], warn: (message: string) => void): void {
  const retry: Array<{ w: CgroupWrite; dir: string; err: CgroupError }> = [];
  for (const w of writes) {
    const dir = dirFor(w.controller);
    if (!dir) {
      // A v1 controller this host does not mount.
      warn(`cgroup controller "${w.controller}" is not mounted on this host: ${w.file} is not set`);
      continue;
    }
    if (w.ifMissing !== undefined && !fs.existsSync(path.join(dir, w.file))) {
      if (w.ifMissing) warn(w.ifMissing);
      continue;
    }
    try {
      writeControl(dir, w.file, w.value);
    } catch (err) {
      if (err instanceof CgroupError && err.errno === 'EINVAL') retry.push({ w, dir, err });
      else throw err;
    }
  }
  for (const { w, dir } of retry) writeControl(dir, w.file, w.value);
}

/** Creates `dir` and missing parents; returns the directories it made, parents first. */
/** The directories mkdir -p of `dir` would make, parents first. */
export function missingDirs(dir: string): string[] {
  const missing: string[] = [];
  for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
  return missing;
}

export function makeCgroupDirs(dir: string): string[] {
  const missing = missingDirs(dir);
  const made: string[] = [];
  for (const d of missing) {
    try {
      fs.mkdirSync(d);
      made.push(d);
    } catch (err) {
      if (errnoOf(err) === 'EEXIST') continue; // made by another create meanwhile: not ours
      throw new CgroupError(`cgroup: mkdir ${d}: ${(err as Error).message}`, d, errnoOf(err));
    }
  }
  return made;
}

/** The pids in cgroup.procs of `dir` (not of its children). */
export function procsOf(dir: string): number[] {
  const text = readControl(dir, 'cgroup.procs') ?? '';
  return text.split('\n').filter(Boolean).map(Number);
}

/** The cgroup and every descendant cgroup, children after their parent. */
export function cgroupTree(dir: string): string[] {
  const out = [dir];
  for (let i = 0; i < out.length; i++) {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(out[i], { withFileTypes: true });
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') continue;
      throw err;
    }
    for (const e of entries) if (e.isDirectory()) out.push(path.join(out[i], e.name));
  }
  return out;
}

/** Every pid of the cgroup and of its descendants. */
export function procsOfTree(dir: string): number[] {
  return cgroupTree(dir).flatMap(procsOf);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Removes a cgroup with its descendants, deepest first. A cgroup whose
 * last process just died can stay busy for a moment (EBUSY until the
 * kernel has released it): retried for a while.
 */
export async function removeCgroupTree(dir: string): Promise<void> {
  const tree = cgroupTree(dir).reverse();
  for (const d of tree) {
    for (let attempt = 0; ; attempt++) {
      try {
        fs.rmdirSync(d);
        break;
      } catch (err) {
        const code = errnoOf(err);
        if (code === 'ENOENT') break;
        if (code === 'EBUSY' && attempt < 200) {
          await sleep(Math.min(2 ** attempt, 20));
          continue;
        }
        throw new CgroupError(`cgroup: rmdir ${d}: ${(err as Error).message}`, d, code);
      }
    }
  }
}

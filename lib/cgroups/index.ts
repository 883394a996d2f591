/**
 * lib/cgroups: a container's cgroups, both versions, behind one interface.
 *
 *   createCgroups(target, layout)  -> CgroupRecord (directories made, checked)
 *   openCgroups(record)            -> CgroupDriver (place, apply, update,
 *                                     freeze, thaw, kill, procs, stats,
 *                                     oomKills, destroy)
 *   cgroupSettings(resources, ...) -> the (file, value) writes for a layout
 *
 * The layout is detected at run time (layout.ts) and the directories come
 * from linux.cgroupsPath (path.ts).
 */
import * as path from 'node:path';
import { InvalidArgumentError } from '../errors';
import type { CgroupDriver, CgroupRecord } from './driver';
import { runFileBatch } from './file-batch';
import { byteNamedTrees, descendantsOf, makeCgroupDirs, missingDirs, procsOf, readControl, readControls, writeControl, writeControls } from './files';
import type { CgroupLayout } from './layout';
import type { CgroupTarget } from './path';
import { V1Driver } from './v1';
import { V2Driver } from './v2';

export type { CgroupDriver, CgroupRecord, CgroupStats } from './driver';
export type { CgroupSettings, CgroupWrite } from './writes';
export { detectLayout, ownCgroups, type CgroupLayout } from './layout';
export { resolveCgroupTarget, type CgroupTarget } from './path';
export { checkHugepageLimits, hostHugepageSizes } from './hugepages';
export { cgroupSettings } from './settings';

export function openCgroups(record: CgroupRecord): CgroupDriver {
  return record.version === 2 ? new V2Driver(record) : new V1Driver(record);
}

function isFrozenDir(dir: string): boolean {
  const v1 = readControl(dir, 'freezer.state');
  if (v1 !== undefined) return v1.trim() !== 'THAWED';
  return (readControl(dir, 'cgroup.freeze') ?? '0').trim() === '1';
}

/** A new v1 cpuset cgroup has no cpus and mems: tasks cannot join it until they are copied from the parent. */
function inheritCpuset(dir: string): void {
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    if ((readControl(dir, file) ?? '').trim() !== '') continue;
    const parent = (readControl(path.dirname(dir), file) ?? '').trim();
    if (parent) writeControl(dir, file, parent);
  }
}

/** Best-effort removal of directories made (children first), in one batch on the pool. */
async function removeMade(made: readonly string[]): Promise<void> {
  // Failures are fine: gone already, or someone else's cgroup lives below it now.
  await runFileBatch([...made].reverse().map((dir) => ({ op: 'rmdir' as const, path: dir, tolerate: true as const })));
}

const CPUSET_FILES = ['cpuset.cpus', 'cpuset.mems'];

/**
 * Makes the missing directories of every hierarchy in one batch on the
 * pool. New v1 cpuset cgroups get the cpus and mems of the nearest
 * existing ancestor (read in the same batch) where theirs are empty.
 * Returns what it made; on a failure throws after removing it.
 */
async function makeMissing(missing: readonly string[], cpusetMissing: readonly string[]): Promise<string[]> {
  // The ancestor the new cpuset chain hangs from, then each new directory's own values.
  const ancestor = cpusetMissing.length > 0 ? path.dirname(cpusetMissing[0]) : undefined;
  const reads = ancestor ? [ancestor, ...cpusetMissing].flatMap((d) => CPUSET_FILES.map((f) => path.join(d, f))) : [];
  const { made, read, error } = await makeCgroupDirs(missing, reads);
  try {
    if (error) throw error;
    if (ancestor) {
      const valuesAt = (k: number): string[] => CPUSET_FILES.map((_, j) => (read[CPUSET_FILES.length * k + j] ?? '').trim());
      // Each new directory takes its parent's values, as they are once the parent has its own.
      let parent = valuesAt(0);
      const writes: Array<{ dir: string; file: string; value: string }> = [];
      cpusetMissing.forEach((dir, i) => {
        const own = valuesAt(i + 1);
        if (!made.includes(dir)) {
          parent = own; // someone else's: left as it is
          return;
        }
        CPUSET_FILES.forEach((file, j) => {
          if (own[j] === '' && parent[j] !== '') writes.push({ dir, file, value: parent[j] });
        });
        parent = own.map((v, j) => v || parent[j]);
      });
      await writeControls(writes);
    }
    return made;
  } catch (err) {
    await removeMade(made);
    throw err;
  }
}

/**
 * An existing cgroup's descendants, when none holds a process: a
 * container's cgroup is the whole tree below it (kill, ps and delete act
 * on it), so a tree with someone else's processes in it (another
 * container's init in /P/victim when cgroupsPath is /P) is refused, as
 * runc refuses a cgroup with processes, extended to the subtree. The
 * empty ones are recorded, so that delete never touches them.
 */
async function emptyDescendants(dirs: readonly string[]): Promise<string[]> {
  const below = (await descendantsOf(dirs)).flat();
  const procs = await readControls(below.map((d) => path.join(d, 'cgroup.procs')));
  below.forEach((d, i) => {
    if ((procs[i] ?? '').trim() !== '') {
      throw new InvalidArgumentError(`cgroup ${d} (below the container's cgroup ${dirs.find((dir) => d.startsWith(`${dir}/`))}) has processes: a container's cgroup tree must not hold another's`);
    }
  });
  for (const dir of dirs) {
    // A name that is not UTF-8 cannot be recorded (state.json is JSON): such a tree is not taken.
    const named = byteNamedTrees(dir);
    if (named.length > 0) throw new InvalidArgumentError(`cgroup ${dir} has a child cgroup whose name is not UTF-8 (${named[0].toString('latin1')}): a container cannot take this tree`);
  }
  return below;
}

/**
 * Makes (or takes) the container's cgroup in every hierarchy of `target`.
 * An existing cgroup is used only when it is empty and not frozen (runc's
 * rules) and nothing below it holds processes; its descendants are
 * recorded as someone else's. On failure nothing made here is left. The
 * directories are made in one batch on libuv's pool; `beforeMaking` hears
 * of them first.
 */
export async function createCgroups(target: CgroupTarget, layout: CgroupLayout, beforeMaking?: (dirs: string[]) => void): Promise<CgroupRecord> {
  const record: CgroupRecord = {
    version: layout.kind === 'v2' ? 2 : 1,
    v1: { ...target.v1 },
    ...(target.unified ? { unified: target.unified, mountPoint: layout.unified?.mountPoint } : {}),
    created: [],
  };
  const dirs = [...new Set([...Object.values(target.v1), ...(target.unified ? [target.unified] : [])])];
  const missingOf = new Map(dirs.map((dir) => [dir, missingDirs(dir)]));
  // Said before any mkdir, so that a create killed in the middle leaves a
  // list of what may be its own (crash safety: delete removes those found empty).
  const missing = [...new Set([...missingOf.values()].flat())];
  beforeMaking?.(missing);
  const existing = dirs.filter((dir) => missingOf.get(dir)!.length === 0);
  for (const dir of existing) {
    if (procsOf(dir).length > 0) throw new InvalidArgumentError(`cgroup ${dir} already exists and has processes: a container needs a cgroup of its own`);
    if (isFrozenDir(dir)) throw new InvalidArgumentError(`cgroup ${dir} already exists and is frozen`);
  }
  const preexisting = await emptyDescendants(existing);
  if (preexisting.length > 0) record.preexisting = preexisting;
  // Made by someone else (mkdir): its cpus and mems may still be empty.
  if (target.v1.cpuset && existing.includes(target.v1.cpuset)) inheritCpuset(target.v1.cpuset);
  const cpusetMissing = target.v1.cpuset ? missingOf.get(target.v1.cpuset) ?? [] : [];
  record.created.push(...(await makeMissing(missing, cpusetMissing)));
  return record;
}

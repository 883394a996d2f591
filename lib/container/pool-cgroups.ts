/**
 * The spare cgroups of a pooled helper: made under a spare name where a
 * default container's cgroups go (beside them, in the runtime's own
 * cgroup), the helper placed in them at its spawn; at create renamed to
 * the container's names. cgroupfs v1 renames a directory within its
 * parent, processes, limits and all, in one call per hierarchy: the mkdirs
 * and the v1 `cgroup.procs` writes (whose first one waits for an RCU grace
 * period) are off create's path. cgroup2 refuses renames: there create
 * makes the directory and moves the helper (adoptSpareCgroups).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createCgroups, type CgroupRecord } from '../cgroups';
import type { Spec } from '../config/types';
import { InternalError } from '../errors';
import { runtimeUnprivileged } from '../host/facts';
import type { CgroupPlan } from '../plan/runtime-cgroups';
import { gatherCgroupFacts } from './cgroups';
import type { ParentSyscalls } from './syscalls';

/**
 * Makes the spare cgroups named `name` (a fresh, unique name); undefined
 * where the runtime makes no cgroups (rootless without a delegated one).
 */
export async function makeSpareCgroups(name: string): Promise<CgroupRecord | undefined> {
  // A config without cgroupsPath: its directories are "<own cgroup>/<id>".
  const facts = gatherCgroupFacts({ ociVersion: '1.0.2' } as Spec, name, { unprivileged: runtimeUnprivileged() });
  if ('unavailable' in facts) return undefined;
  const record = await createCgroups(facts.target, facts.layout);
  const leaves = spareLeaves(record);
  // Taken rather than made (a directory of that name was there): not ours to rename or remove.
  if (!leaves.every((dir) => record.created.includes(dir))) {
    throw new InternalError(`pool: spare cgroup ${name} existed already`);
  }
  return record;
}

/** The spare's leaf directories, one per hierarchy (co-mounted controllers share one). */
export function spareLeaves(record: CgroupRecord): string[] {
  return [...new Set([...Object.values(record.v1), ...(record.unified !== undefined ? [record.unified] : [])])];
}

/** The container's directory in the hierarchy of spare leaf `dir`, from the plan. */
function targetOf(plan: CgroupPlan, spare: CgroupRecord, dir: string): string {
  if (dir === spare.unified) return plan.unified!;
  const controller = Object.keys(spare.v1).find((c) => spare.v1[c] === dir)!;
  return plan.v1[controller];
}

/**
 * Gives the spare cgroups to the container (pool-fit.ts checked that its
 * directories share their parents with the spare ones) and returns the
 * record create would have made: the container's directories, all of
 * them "created" (delete removes them). `making` hears of them first
 * (crash safety, as makeCgroups).
 *
 * cgroup v1 directories are renamed. A cgroup2 directory cannot be
 * (the kernel refuses rename on the default hierarchy, EPERM): the
 * container's is made and the helper moved into it (one cgroup.procs
 * write, on the pool), and the empty spare removed.
 *
 * On failure (a directory of the container's name exists, say) what was
 * renamed is renamed back, what was made removed, and the error thrown:
 * the caller creates cold. The cgroup2 move runs while create writes the
 * limits (`placed`: awaited before the hand-over); when it fails, create
 * fails (its undo removes the cgroups and kills the helper).
 */
export function adoptSpareCgroups(
  sys: Pick<ParentSyscalls, 'joinCgroups'>,
  spare: CgroupRecord,
  plan: CgroupPlan,
  pid: number,
  making: (dirs: string[]) => void,
): { record: CgroupRecord; placed: Promise<void> } {
  const moves = spareLeaves(spare)
    .filter((dir) => dir !== spare.unified)
    .map((from) => ({ from, to: targetOf(plan, spare, from) }));
  const unified = spare.unified !== undefined ? { from: spare.unified, to: plan.unified! } : undefined;
  const created = [...moves.map((m) => m.to), ...(unified ? [unified.to] : [])];
  making(created);
  const done: typeof moves = [];
  try {
    for (const move of [...moves, ...(unified ? [unified] : [])]) {
      if (path.dirname(move.from) !== path.dirname(move.to)) throw new InternalError(`pool: ${move.to} is not beside ${move.from}`);
    }
    for (const move of moves) {
      fs.renameSync(move.from, move.to);
      done.push(move);
    }
    if (unified) fs.mkdirSync(unified.to);
  } catch (err) {
    for (const move of done.reverse()) {
      try {
        fs.renameSync(move.to, move.from);
      } catch {
        // left under the container's name: create's failure path (init.json) names it
      }
    }
    throw err;
  }
  const placed = unified
    ? sys.joinCgroups(pid, [unified.to]).then(() => {
        try {
          fs.rmdirSync(unified.from);
        } catch {
          // still busy (cannot be: the helper was its one process): a later pool's sweep removes it
        }
      })
    : Promise.resolve();
  // Awaited by create before the hand-over; a failure before that is create's failure already.
  placed.catch(() => undefined);
  const record: CgroupRecord = {
    version: spare.version,
    v1: { ...plan.v1 },
    ...(plan.unified !== undefined ? { unified: plan.unified, mountPoint: spare.mountPoint } : {}),
    created,
  };
  return { record, placed };
}

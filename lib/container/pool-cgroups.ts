/**
 * The spare cgroups of a pooled helper: made under a spare name where a
 * default container's cgroups go (beside them, in the runtime's own
 * cgroup), the helper placed in them at its spawn; at create renamed to
 * the container's names. cgroupfs renames a directory within its parent,
 * processes, limits and all, in one call per hierarchy: the mkdirs and the
 * v1 `cgroup.procs` writes (whose first one waits for an RCU grace period)
 * are off create's path.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createCgroups, type CgroupRecord } from '../cgroups';
import type { Spec } from '../config/types';
import { InternalError } from '../errors';
import { runtimeUnprivileged } from '../host/facts';
import type { CgroupPlan } from '../plan/runtime-cgroups';
import { gatherCgroupFacts } from './cgroups';

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
 * Renames the spare cgroups to the plan's (pool-fit.ts checked they share
 * their parents) and returns the record create would have made: the
 * container's directories, all of them "created" (delete removes them).
 * `making` hears of them first (crash safety, as makeCgroups). On failure
 * (a directory of the container's name exists) what was renamed is
 * renamed back and the error thrown: the spare is as it was.
 */
export function adoptSpareCgroups(spare: CgroupRecord, plan: CgroupPlan, making: (dirs: string[]) => void): CgroupRecord {
  const moves = spareLeaves(spare).map((from) => ({ from, to: targetOf(plan, spare, from) }));
  making(moves.map((m) => m.to));
  const done: typeof moves = [];
  try {
    for (const move of moves) {
      if (path.dirname(move.from) !== path.dirname(move.to)) throw new InternalError(`pool: ${move.to} is not beside ${move.from}`);
      fs.renameSync(move.from, move.to);
      done.push(move);
    }
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
  return {
    version: spare.version,
    v1: { ...plan.v1 },
    ...(plan.unified !== undefined ? { unified: plan.unified, mountPoint: spare.mountPoint } : {}),
    created: moves.map((m) => m.to),
  };
}

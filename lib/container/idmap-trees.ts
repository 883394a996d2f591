/**
 * The runtime's part of id-mapped mounts: it makes each id-mapped tree of
 * the plan (ParentSyscalls.idmappedTree) right before the spawn, for the init to
 * inherit and attach (plan/idmap-mounts.ts says why the runtime does it).
 */
import type { LaunchPlan } from '../plan/steps';
import { InternalError } from '../errors';
import type { ParentSyscalls } from './syscalls';

/**
 * The fds of the plan's id-mapped trees, in order, added to `opened`
 * (which the caller closes once the init has its copies, or on failure).
 * The plan's attach steps were numbered for the fd table's tree slots
 * (compile.ts): a mismatch is a bug, not a runtime state.
 */
export function makeIdmapTrees(sys: ParentSyscalls, plan: LaunchPlan, opened: number[]): number[] {
  const trees = plan.idmapTrees ?? [];
  const slots = plan.fds.filter((slot) => slot.role === 'tree');
  if (slots.length !== trees.length) throw new InternalError(`id-mapped trees: the plan has ${trees.length}, its fd table ${slots.length} slots`);
  if (trees.length === 0) return [];
  const first = plan.steps.find((s) => s.op === 'attach-tree');
  if (first?.op === 'attach-tree' && first.fd !== slots[0].fd) {
    throw new InternalError(`id-mapped trees: the plan expects fd ${first.fd}, the init would get fd ${slots[0].fd}`);
  }
  const fds: number[] = [];
  for (const t of trees) {
    const fd = sys.idmappedTree(t);
    opened.push(fd);
    fds.push(fd);
  }
  return fds;
}

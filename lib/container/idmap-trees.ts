/**
 * The runtime's part of id-mapped mounts: it makes each id-mapped tree of
 * the plan (ParentSyscalls.idmappedTree) right before the spawn, for the init to
 * inherit and attach (plan/idmap-mounts.ts says why the runtime does it).
 */
import type { LaunchPlan } from '../plan/steps';
import { InternalError } from '../errors';
import type { ParentSyscalls } from './syscalls';

/**
 * The fds of the plan's id-mapped trees, added to `opened` (which the
 * caller closes once the init has its copies, or on failure). `nextFd` is
 * the init's fd number the first tree gets: the plan's attach steps were
 * numbered for it (compile.ts), and a mismatch is a bug, not a runtime state.
 */
export function makeIdmapTrees(sys: ParentSyscalls, plan: LaunchPlan, nextFd: number, opened: number[]): number[] {
  const trees = plan.idmapTrees ?? [];
  if (trees.length === 0) return [];
  const first = plan.steps.find((s) => s.op === 'attach-tree');
  if (first?.op === 'attach-tree' && first.fd !== nextFd) {
    throw new InternalError(`id-mapped trees: the plan expects fd ${first.fd}, the init would get fd ${nextFd}`);
  }
  const fds: number[] = [];
  for (const t of trees) {
    const fd = sys.idmappedTree(t);
    opened.push(fd);
    fds.push(fd);
  }
  return fds;
}

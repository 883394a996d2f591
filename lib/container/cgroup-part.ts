/**
 * create's interpreter of the plan's cgroup part (plan/runtime-cgroups.ts),
 * through ParentSyscalls, so that a test runs it on the recording double.
 */
import type { CgroupRecord } from '../cgroups/driver';
import type { Logger } from '../logger';
import type { CgroupPlan } from '../plan/runtime-cgroups';
import type { ParentSyscalls } from './syscalls';
import type { UndoJournal } from './undo';

/**
 * The plan's cgroup part up to the spawn, through `sys`: the directories
 * made (recorded in `undo`, so that a failure from here on destroys
 * them), the limits written and the device program attached, all before
 * the init exists (it runs nothing of the container before "go"). With
 * `adopt` (a pooled helper's spare cgroups renamed to the plan's,
 * pool-cgroups.ts) the directories are taken from there, not made.
 * `record` hears of the directories before they are made and of the
 * record after (crash safety). The placement (born in, join) is the
 * launch's.
 */
export async function runCgroupPart(
  sys: Pick<ParentSyscalls, 'makeCgroups' | 'destroyCgroups' | 'writeCgroups' | 'attachDeviceProgram'>,
  plan: CgroupPlan,
  undo: UndoJournal,
  logger: Logger,
  record: { making(dirs: string[]): void; made(record: CgroupRecord): void },
  adopt?: (plan: CgroupPlan, making: (dirs: string[]) => void) => CgroupRecord,
): Promise<CgroupRecord> {
  const made = adopt ? adopt(plan, record.making) : await sys.makeCgroups(plan, record.making);
  undo.did('cgroup', () => sys.destroyCgroups(made));
  record.made(made);
  for (const warning of plan.warnings) logger.warn(warning);
  await sys.writeCgroups(made, plan.writes, (m) => logger.warn(m));
  if (plan.deviceProgram) sys.attachDeviceProgram(plan.unified!, plan.deviceProgram);
  return made;
}

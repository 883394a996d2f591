/**
 * Scheduling attributes of the container's process: process.scheduler
 * (sched_setattr), process.ioPriority (ioprio_set), process.execCPUAffinity
 * (sched_setaffinity) and linux.memoryPolicy (set_mempolicy). Validation
 * (config/process-attrs.ts) decided what is well formed; this module turns
 * the names into the kernel's numbers, and says where in the plan each goes:
 *
 * - the initial CPU affinity is the init's first step (config.md: "before
 *   the transition to the container's cgroup");
 * - scheduler, I/O priority and the final affinity open the process setup,
 *   while the init still holds CAP_SYS_NICE / CAP_SYS_ADMIN (a real-time
 *   policy, a negative nice and IOPRIO_CLASS_RT need them), as runc sets
 *   them before it drops capabilities. With real-time group scheduling
 *   (cgroup v1 cpu.rt_runtime_us) a real-time policy also needs a budget in
 *   the container's cpu cgroup: as in runc, none is given that the config
 *   does not ask for (linux.resources.cpu.realtimeRuntime), and the init's
 *   EPERM then says so (native/init/scheduling.cc);
 * - the memory policy is set by the init for itself right before the
 *   process setup, and execve keeps it.
 *
 * Each step carries `what`, the config field it comes from, for the init's
 * error message (a policy the kernel refuses names the JSON path).
 */
import type { ValidProcess, ValidSpec } from '../config/valid';
import { parseIdList } from '../config/id-list';
import { MEMORY_POLICY_FLAGS, MEMORY_POLICY_MODES } from '../config/process-attrs';
import type { Step } from './steps';
import { InternalError } from '../errors';

/** sched_setattr(2) policies (SCHED_ISO is no mainline kernel's: supported.ts refuses it). */
export const SCHED_POLICIES: Record<string, number> = {
  SCHED_OTHER: 0,
  SCHED_FIFO: 1,
  SCHED_RR: 2,
  SCHED_BATCH: 3,
  SCHED_ISO: 4,
  SCHED_IDLE: 5,
  SCHED_DEADLINE: 6,
};

/** sched_attr.sched_flags bits. */
export const SCHED_FLAGS: Record<string, number> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01,
  SCHED_FLAG_RECLAIM: 0x02,
  SCHED_FLAG_DL_OVERRUN: 0x04,
  SCHED_FLAG_KEEP_POLICY: 0x08,
  SCHED_FLAG_KEEP_PARAMS: 0x10,
  SCHED_FLAG_UTIL_CLAMP_MIN: 0x20,
  SCHED_FLAG_UTIL_CLAMP_MAX: 0x40,
};

/** ioprio_set(2) classes. */
export const IOPRIO_CLASSES: Record<string, number> = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 };

/** A validated id list (config/id-list.ts) as numbers. */
function ids(text: string): number[] {
  const parsed = parseIdList(text);
  // Validation rejected malformed lists: reaching this is a bug, not a config error.
  if (typeof parsed === 'string') throw new InternalError(`id list "${text}" was not validated: ${parsed}`);
  return parsed;
}

/** A uint64 config number as a bigint (JSON numbers above 2^53 are already rounded). */
function u64(n: number | undefined): bigint {
  return BigInt(Math.floor(n ?? 0));
}

function affinityStep(proc: ValidProcess, which: 'initial' | 'final', base: string): Step[] {
  const text = proc.execCPUAffinity?.[which];
  // Omitted or empty: the spec says not to change the affinity.
  if (text === undefined || ids(text).length === 0) return [];
  return [{ op: 'affinity', what: `${base}/execCPUAffinity/${which}`, cpus: ids(text) }];
}

/** The init's first step: process.execCPUAffinity.initial. */
export function initialAffinitySteps(proc: ValidProcess, base = '/process'): Step[] {
  return affinityStep(proc, 'initial', base);
}

/** scheduler, I/O priority and the final CPU affinity, at the start of the process setup. */
export function schedulingSteps(proc: ValidProcess, base = '/process'): Step[] {
  const steps: Step[] = [];
  const s = proc.scheduler;
  if (s) {
    steps.push({
      op: 'scheduler',
      what: `${base}/scheduler (${s.policy})`,
      policy: SCHED_POLICIES[s.policy],
      flags: (s.flags ?? []).reduce((bits, f) => bits | SCHED_FLAGS[f], 0),
      nice: s.nice ?? 0,
      priority: s.priority ?? 0,
      runtime: u64(s.runtime).toString(),
      deadline: u64(s.deadline).toString(),
      period: u64(s.period).toString(),
    });
  }
  const io = proc.ioPriority;
  if (io) steps.push({ op: 'ioprio', what: `${base}/ioPriority (${io.class})`, ioClass: IOPRIO_CLASSES[io.class], level: io.priority });
  steps.push(...affinityStep(proc, 'final', base));
  return steps;
}

/** linux.memoryPolicy: set_mempolicy(2) on the init, kept across execve. */
export function memoryPolicySteps(spec: ValidSpec): Step[] {
  const p = spec.linux?.memoryPolicy;
  if (!p) return [];
  return [
    {
      op: 'mempolicy',
      what: `/linux/memoryPolicy (${p.mode})`,
      mode: MEMORY_POLICY_MODES[p.mode],
      flags: (p.flags ?? []).reduce((bits, f) => bits | MEMORY_POLICY_FLAGS[f], 0),
      nodes: ids(p.nodes ?? ''),
    },
  ];
}

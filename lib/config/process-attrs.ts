/**
 * The rules of the scheduling fields: process.scheduler, process.ioPriority
 * and process.execCPUAffinity (config.md), and linux.memoryPolicy
 * (config-linux.md). The schema fixed the names and types; what it cannot
 * say is which values go together, as runc's validator and sched_setattr(2)
 * / set_mempolicy(2) see it. Each rule names the JSON path of the field to fix.
 */
import { InvalidConfigError } from '../errors';
import { parseIdList } from './id-list';
import type { LinuxMemoryPolicy, Process } from './types';

/** Policies sched_setattr(2) takes static priorities for (1..99). */
const REALTIME = new Set(['SCHED_FIFO', 'SCHED_RR']);

/**
 * process.scheduler: nice in -20..19 (setpriority's range); a priority only
 * for the real-time policies, and then in 1..99; runtime/deadline/period
 * only for SCHED_DEADLINE, and then runtime <= deadline <= period (when the
 * period is set), as the kernel requires.
 */
export function checkScheduler(proc: Process, base: string): void {
  const s = proc.scheduler;
  if (!s) return;
  const at = `${base}/scheduler`;
  if (s.nice !== undefined && (s.nice < -20 || s.nice > 19)) {
    throw new InvalidConfigError(`${at}/nice`, `must be between -20 and 19, got ${s.nice}`);
  }
  if (REALTIME.has(s.policy)) {
    if (s.priority === undefined || s.priority < 1 || s.priority > 99) {
      throw new InvalidConfigError(`${at}/priority`, `${s.policy} needs a priority between 1 and 99`);
    }
  } else if (s.priority !== undefined && s.priority !== 0) {
    throw new InvalidConfigError(`${at}/priority`, `only SCHED_FIFO and SCHED_RR take a priority, not ${s.policy}`);
  }
  const deadline = { runtime: s.runtime, deadline: s.deadline, period: s.period };
  if (s.policy !== 'SCHED_DEADLINE') {
    for (const [key, value] of Object.entries(deadline)) {
      if (value !== undefined && value !== 0) {
        throw new InvalidConfigError(`${at}/${key}`, `only SCHED_DEADLINE takes a ${key}, not ${s.policy}`);
      }
    }
    return;
  }
  const runtime = s.runtime ?? 0;
  const dl = s.deadline ?? 0;
  const period = s.period ?? 0;
  if (runtime === 0) throw new InvalidConfigError(`${at}/runtime`, 'SCHED_DEADLINE needs a runtime (nanoseconds)');
  if (dl === 0) throw new InvalidConfigError(`${at}/deadline`, 'SCHED_DEADLINE needs a deadline (nanoseconds)');
  if (runtime > dl) throw new InvalidConfigError(`${at}/runtime`, `must not exceed the deadline (${dl})`);
  if (period !== 0 && dl > period) throw new InvalidConfigError(`${at}/deadline`, `must not exceed the period (${period})`);
}

/** process.execCPUAffinity: both lists well formed. */
export function checkCpuAffinity(proc: Process, base: string): void {
  const affinity = proc.execCPUAffinity;
  if (!affinity) return;
  for (const key of ['initial', 'final'] as const) {
    const text = affinity[key];
    if (text === undefined) continue;
    const parsed = parseIdList(text);
    if (typeof parsed === 'string') throw new InvalidConfigError(`${base}/execCPUAffinity/${key}`, parsed);
  }
}

/** set_mempolicy(2) modes by the spec's names. */
export const MEMORY_POLICY_MODES: Record<string, number> = {
  MPOL_DEFAULT: 0,
  MPOL_PREFERRED: 1,
  MPOL_BIND: 2,
  MPOL_INTERLEAVE: 3,
  MPOL_LOCAL: 4,
  MPOL_PREFERRED_MANY: 5,
  MPOL_WEIGHTED_INTERLEAVE: 6,
};

/** Mode flags, or'ed into the mode argument. */
export const MEMORY_POLICY_FLAGS: Record<string, number> = {
  MPOL_F_STATIC_NODES: 1 << 15,
  MPOL_F_RELATIVE_NODES: 1 << 14,
  MPOL_F_NUMA_BALANCING: 1 << 13,
};

/** Modes that take no node list, and modes that need at least one node (set_mempolicy(2)). */
const NO_NODES = new Set(['MPOL_DEFAULT', 'MPOL_LOCAL']);
const NEEDS_NODES = new Set(['MPOL_BIND', 'MPOL_INTERLEAVE', 'MPOL_WEIGHTED_INTERLEAVE', 'MPOL_PREFERRED_MANY']);

/**
 * linux.memoryPolicy: a known mode and flags, a node list the mode accepts,
 * and flag combinations the kernel accepts (STATIC and RELATIVE exclude
 * each other; MPOL_DEFAULT takes no flag; NUMA balancing only with MPOL_BIND
 * or MPOL_PREFERRED_MANY).
 */
export function checkMemoryPolicy(policy: LinuxMemoryPolicy | undefined): void {
  if (!policy) return;
  const at = '/linux/memoryPolicy';
  if (!Object.prototype.hasOwnProperty.call(MEMORY_POLICY_MODES, policy.mode)) {
    throw new InvalidConfigError(`${at}/mode`, `unknown memory policy mode "${policy.mode}"`);
  }
  const flags = policy.flags ?? [];
  flags.forEach((flag, i) => {
    if (!Object.prototype.hasOwnProperty.call(MEMORY_POLICY_FLAGS, flag)) {
      throw new InvalidConfigError(`${at}/flags/${i}`, `unknown memory policy flag "${flag}"`);
    }
  });
  const nodes = parseIdList(policy.nodes ?? '');
  if (typeof nodes === 'string') throw new InvalidConfigError(`${at}/nodes`, nodes);
  if (NO_NODES.has(policy.mode) && nodes.length > 0) {
    throw new InvalidConfigError(`${at}/nodes`, `${policy.mode} takes no nodes`);
  }
  if (NEEDS_NODES.has(policy.mode) && nodes.length === 0) {
    throw new InvalidConfigError(`${at}/nodes`, `${policy.mode} needs at least one node`);
  }
  if (flags.includes('MPOL_F_STATIC_NODES') && flags.includes('MPOL_F_RELATIVE_NODES')) {
    throw new InvalidConfigError(`${at}/flags`, 'MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other');
  }
  if (policy.mode === 'MPOL_DEFAULT' && flags.length > 0) {
    throw new InvalidConfigError(`${at}/flags`, 'MPOL_DEFAULT takes no flags');
  }
  if (flags.includes('MPOL_F_NUMA_BALANCING') && policy.mode !== 'MPOL_BIND' && policy.mode !== 'MPOL_PREFERRED_MANY') {
    throw new InvalidConfigError(`${at}/flags`, `MPOL_F_NUMA_BALANCING needs MPOL_BIND or MPOL_PREFERRED_MANY, not ${policy.mode}`);
  }
}

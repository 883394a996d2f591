/**
 * The plan header (step 0 of every plan, lib/plan/steps.ts): what the init
 * helper must know before "go", decided here rather than guessed by the
 * init from argv or from the steps that follow.
 */
import type { PlanHeader, ProcfsSource } from './steps';

/**
 * The mount points below /proc that a bind may cover, as runc's
 * checkProcMount allows them: the files lxcfs emulates. Nothing else but a
 * procfs may be mounted on /proc or below (native/init/proc_guard.cc), or a
 * write "to /proc" could land in a host file. Container paths, relative to
 * the root.
 */
export const PROC_BIND_TARGETS: readonly string[] = [
  'proc/cpuinfo',
  'proc/diskstats',
  'proc/meminfo',
  'proc/stat',
  'proc/swaps',
  'proc/uptime',
  'proc/loadavg',
  'proc/slabinfo',
  'proc/net/dev',
  'proc/sys/kernel/ns_last_pid',
  'proc/sys/crypto/fips_enabled',
];

/** A create plan's header: the init opens the procfs it sees at start (a copy of the runtime's mount namespace). */
export function createPlanHeader(): PlanHeader {
  return { op: 'header', kind: 'create', procfs: 'host', procBinds: [...PROC_BIND_TARGETS] };
}

/**
 * An exec plan's header. `procfs` "host" for a container in the runtime's
 * mount namespace (the plan chroots; /proc is the runtime's), "private"
 * otherwise: the helper is inside the container's mount namespace, whose
 * /proc is never trusted. An exec plan mounts nothing: no binds below /proc.
 */
export function execPlanHeader(procfs: ProcfsSource): PlanHeader {
  return { op: 'header', kind: 'exec', procfs, procBinds: [] };
}

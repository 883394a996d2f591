/**
 * What create records for the operations that come later: the part of the
 * container an exec'd process inherits (its process defaults, seccomp
 * filter, namespace types, the host's LSMs as create saw them). It is
 * written with the rest of state.json, inside create's lock (0600, temp
 * file + rename, store.ts), as the hooks already are.
 *
 * Why a record and not the bundle: config.json can be edited, or the
 * bundle removed, after create. runc keeps the create-time config; an exec
 * that reloaded the bundle would run with whatever the file says now
 * (issue 16: a seccomp profile deleted from config.json after create gave
 * exec'd processes "Seccomp: 0"). Nothing here is read from the bundle
 * again, and the exec module does not load config.json at all.
 */
import type { Process } from '../config/types';
import type { ValidSpec } from '../config/valid';
import { KapselError } from '../errors';
import type { LsmFacts } from '../plan/plan-facts';
import { NAMESPACE_FLAGS } from '../plan/namespaces';
import type { SeccompFilter } from '../plan/seccomp';
import type { LaunchPlan } from '../plan/steps';
import type { SeccompSummary } from '../seccomp/summary';

/** A compiled seccomp filter as JSON can hold it (SeccompFilter with the program in base64). */
export interface RecordedSeccomp {
  program: string;
  flags: number;
  allowsIdleRelease: boolean;
  summary?: SeccompSummary;
  listener?: { path: string; metadata?: string };
}

export interface CreateRecord {
  /**
   * The config's process, validated at create: the base of `kapsel exec`
   * without --process, and the capabilities, rlimits and labels of an
   * exec'd process that brings none of its own (exec-plan.ts).
   */
  process: Process;
  /** CLONE_NEW* flags of the namespace types the container has, created or joined: those an exec'd process joins. */
  namespaces: number;
  /** linux.seccomp as create compiled it; absent: the container has no filter. */
  seccomp?: RecordedSeccomp;
  /** The host's security modules as create found them. */
  lsm: LsmFacts;
}

/** The filter a plan installs: its seccomp step and listener. */
function planFilter(plan: LaunchPlan): RecordedSeccomp | undefined {
  const step = plan.steps.find((s): s is Extract<LaunchPlan['steps'][number], { op: 'seccomp' }> => s.op === 'seccomp');
  if (!step) return undefined;
  return {
    program: Buffer.from(step.program).toString('base64'),
    flags: step.flags,
    allowsIdleRelease: step.allowsIdleRelease,
    ...(step.summary && { summary: step.summary }),
    ...(plan.seccompListener && { listener: plan.seccompListener }),
  };
}

/**
 * The record of a container created from `spec` with `plan`. The filter is
 * taken from the plan (the very program the init installs), not compiled
 * again.
 */
export function createRecord(spec: ValidSpec, plan: LaunchPlan, lsm: LsmFacts): CreateRecord {
  let namespaces = 0;
  for (const ns of spec.linux?.namespaces ?? []) namespaces |= NAMESPACE_FLAGS[ns.type];
  const seccomp = planFilter(plan);
  // A copy: the record must not change with the (cached, shared) config object.
  const process = JSON.parse(JSON.stringify(spec.process ?? {})) as Process;
  return { process, namespaces, ...(seccomp && { seccomp }), lsm };
}

/** The recorded filter, ready for a plan. */
export function recordedFilter(record: CreateRecord): SeccompFilter | undefined {
  const s = record.seccomp;
  if (!s) return undefined;
  return {
    program: Buffer.from(s.program, 'base64'),
    flags: s.flags,
    allowsIdleRelease: s.allowsIdleRelease,
    ...(s.summary && { summary: s.summary }),
    ...(s.listener && { listener: s.listener }),
  };
}

/**
 * The record of a stored container. A state without one was written by a
 * kapsel from before records: refused rather than filled in from the
 * bundle, which may have changed since.
 */
export function recordOf(stored: { id: string; recorded?: CreateRecord }): CreateRecord {
  if (!stored.recorded) {
    throw new KapselError(
      'ERR_INVALID_STATE',
      `container ${stored.id} has no create-time record (created by an older kapsel): its settings are not read from the bundle again; recreate it`,
    );
  }
  return stored.recorded;
}

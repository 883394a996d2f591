/**
 * linux.seccomp in the plan: the profile compiled into a BPF program in
 * the runtime (lib/seccomp, libseccomp loaded there), carried by one
 * `seccomp` step that the init installs with seccomp(2), and placed where
 * runc places it, for runc's reasons:
 *
 * - noNewPrivileges: as late as possible, so that the set-up's own
 *   syscalls (mounts, setuid, capset, hooks) need not be in the profile —
 *   right before the final execve. With a notify listener, before the wait
 *   for `start` instead: the listener fd must reach the agent while create
 *   runs, so that create fails when the agent is missing.
 * - without noNewPrivileges: loading a filter needs CAP_SYS_ADMIN, so while
 *   the init still has it — before the user and capability changes.
 *
 * Before the wait for `start`, the init gives memory back
 * (native/init/idle_memory.cc) with syscalls a container's profile may
 * forbid or trap. The step says whether this filter plainly allows them
 * (`allowsIdleRelease`, decided here, where the profile is at hand): then
 * the init releases right before the wait, under the filter; otherwise
 * before installing a filter that goes in before the wait, and the steps
 * between fault part of the program back in (README, "Memory of a created
 * container").
 */
import type { ValidSpec } from '../config/valid';
import { compileSeccomp, type SeccompSummary } from '../seccomp/compile';
import { normalizeSeccomp } from '../seccomp/normalize';
import { allowsPlainly } from '../seccomp/plain-allow';
import type { LaunchPlan, Step } from './steps';

/**
 * The syscalls of the init's release before the wait and of the blocking
 * open that follows it (native/init/idle_memory.cc): madvise
 * (MADV_DONTNEED on its read-only segments, and in glibc's malloc_trim on
 * free heap pages), brk (malloc_trim shrinking the heap), openat (the exec
 * fifo; made with or without the release). munmap is not called by
 * malloc_trim in a single-threaded process (only a thread arena's trim
 * unmaps), and is required all the same, so that a libc that does stays
 * covered.
 */
export const IDLE_RELEASE_SYSCALLS = ['madvise', 'brk', 'munmap', 'openat'] as const;

export type SeccompPlacement = 'before-credentials' | 'before-wait-start' | 'before-exec';

/**
 * linux.seccomp compiled: what the init installs, wherever it goes. Create
 * records it (container/create-record.ts), and an exec'd process gets this
 * very filter, never one compiled again from a config.json that may have
 * changed since (runc keeps the create-time filter too).
 */
export interface SeccompFilter {
  program: Uint8Array;
  flags: number;
  allowsIdleRelease: boolean;
  summary?: SeccompSummary;
  listener?: NonNullable<LaunchPlan['seccompListener']>;
}

export interface SeccompPlan {
  step: Extract<Step, { op: 'seccomp' }>;
  placement: SeccompPlacement;
  listener?: NonNullable<LaunchPlan['seccompListener']>;
}

/** Compiles a config's linux.seccomp. */
export function compileSeccompFilter(profile: NonNullable<NonNullable<ValidSpec['linux']>['seccomp']>): SeccompFilter {
  const compiled = compileSeccomp(profile, { basePath: '/linux/seccomp' });
  return {
    program: compiled.program,
    flags: compiled.flags,
    // compileSeccomp validated the profile: normalizing it again is a copy.
    allowsIdleRelease: allowsPlainly(normalizeSeccomp(profile), IDLE_RELEASE_SYSCALLS),
    summary: compiled.summary,
    ...(compiled.listenerPath !== undefined && { listener: { path: compiled.listenerPath, metadata: compiled.listenerMetadata } }),
  };
}

/** Where `filter` goes for a process with or without `noNewPrivileges`, as its step. `listenerFd`: helperFdLayout's. */
export function placeSeccomp(filter: SeccompFilter, noNewPrivileges: boolean, listenerFd: number): SeccompPlan {
  const listener = filter.listener;
  const placement: SeccompPlacement = !noNewPrivileges ? 'before-credentials' : listener ? 'before-wait-start' : 'before-exec';
  return {
    step: {
      op: 'seccomp',
      program: filter.program,
      flags: filter.flags,
      listenerFd: listener ? listenerFd : -1,
      allowsIdleRelease: filter.allowsIdleRelease,
      summary: filter.summary,
    },
    placement,
    listener,
  };
}

/** The seccomp step for `spec`, or undefined without linux.seccomp. `listenerFd`: helperFdLayout's. */
export function seccompPlan(spec: ValidSpec, listenerFd: number): SeccompPlan | undefined {
  const profile = spec.linux?.seccomp;
  if (!profile) return undefined;
  return placeSeccomp(compileSeccompFilter(profile), spec.process?.noNewPrivileges === true, listenerFd);
}

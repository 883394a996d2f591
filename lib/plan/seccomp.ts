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
import { compileSeccomp } from '../seccomp/compile';
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

export interface SeccompPlan {
  step: Extract<Step, { op: 'seccomp' }>;
  placement: SeccompPlacement;
  listener?: NonNullable<LaunchPlan['seccompListener']>;
}

/** The seccomp step for `spec`, or undefined without linux.seccomp. `listenerFd`: helperFdLayout's. */
export function seccompPlan(spec: ValidSpec, listenerFd: number): SeccompPlan | undefined {
  const profile = spec.linux?.seccomp;
  if (!profile) return undefined;
  const compiled = compileSeccomp(profile, { basePath: '/linux/seccomp' });
  const listener = compiled.listenerPath === undefined ? undefined : { path: compiled.listenerPath, metadata: compiled.listenerMetadata };
  const placement: SeccompPlacement = !spec.process?.noNewPrivileges ? 'before-credentials' : listener ? 'before-wait-start' : 'before-exec';
  return {
    step: {
      op: 'seccomp',
      program: compiled.program,
      flags: compiled.flags,
      listenerFd: listener ? listenerFd : -1,
      // compileSeccomp validated the profile: normalizing it again is a copy.
      allowsIdleRelease: allowsPlainly(normalizeSeccomp(profile), IDLE_RELEASE_SYSCALLS),
      summary: compiled.summary,
    },
    placement,
    listener,
  };
}

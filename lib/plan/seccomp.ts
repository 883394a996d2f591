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
 */
import type { ValidSpec } from '../config/valid';
import { compileSeccomp } from '../seccomp/compile';
import type { LaunchPlan, Step } from './steps';

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
    step: { op: 'seccomp', program: compiled.program, flags: compiled.flags, listenerFd: listener ? listenerFd : -1, summary: compiled.summary },
    placement,
    listener,
  };
}

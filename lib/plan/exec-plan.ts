/**
 * The exec plan: the second, shorter plan the same init executor runs to
 * start another process in a running container (`kapsel exec`,
 * Container#exec). There is no rootfs to build and nothing to wait for:
 * the helper is spawned inside every namespace of the container's init,
 * joined through the init's pidfd (the user namespace is in the same
 * setns call, which the kernel orders first), so "/" and the working
 * directory already are the container's root when it starts. It then
 * runs the process steps of processPlan, with the container's seccomp
 * filter placed as runc places it for exec, and execs.
 *
 * What the process does not say comes from the container, as create
 * recorded it (container/create-record.ts), as runc's newInitConfig and
 * finalizeNamespace fill it in: no `capabilities` is the container's
 * sets (never the runtime's full set, never none), no `rlimits` the
 * container's limits (never the runtime's), no AppArmor profile or SELinux
 * label the container's. The seccomp filter is always the container's.
 *
 * A container without a mount namespace of its own (mount-namespace.ts)
 * shares the runtime's: there is none to join, and "/" would be the
 * host's, so the helper first chroots into the container's rootfs, as
 * its init did.
 *
 * A pure function, as compilePlan: the caller (lib/container/exec.ts)
 * gathered which namespaces to join, the image facts and the container's
 * create-time record.
 */
import type { Process } from '../config/types';
import type { ValidProcess } from '../config/valid';
import { InternalError } from '../errors';
import * as C from '../native/constants';
import { NO_CAPABILITIES, processPlan } from './process';
import type { ImageFacts, LsmFacts } from './plan-facts';
import { checkProcessLabels, execLabelSteps } from './labels';
import { placeSeccomp, type SeccompFilter } from './seccomp';
import { fdTable, helperFdLayout, type LaunchPlan, type Step } from './steps';
import { checkExecSupported } from './supported';
import { execPlanHeader } from './header';

export interface ExecPlanContext {
  /** A pidfd of the container's init (the runtime keeps it open until the spawn). */
  initPidfd: number;
  /**
   * CLONE_NEW* flags of the container's namespaces (as create recorded
   * them) that are not the runtime's own: those are joined (setns of one
   * that is ours would be EINVAL for a user namespace, and pointless for
   * the others).
   */
  namespaces: number;
  /** What the container gives a process that does not say otherwise, as create recorded it. */
  container: ContainerDefaults;
  /** The container's image (HOME from its /etc/passwd). */
  image: ImageFacts;
  /** The runtime's own bounding set (HostFacts.runtimeBoundingSet): capabilities outside it are left out, with a warning. */
  runtimeBoundingSet?: string;
  /** setgroups(2) is denied in the container's user namespace (rootless). */
  setgroupsDenied: boolean;
  /** Inherited fds besides stdio (fds 3 .. 3+preserveFds-1). */
  preserveFds: number;
  /** JSON pointer of the process object in errors ("" for an `exec --process` file). */
  jsonPath?: string;
  /**
   * The container's rootfs on the host (its state's): entered with a chroot
   * when the init's mount namespace is the runtime's own (CLONE_NEWNS not
   * in `namespaces`). Required then.
   */
  rootfs?: string;
  /** The host's security modules: the process's own labels are applied as create applies them (plan/labels.ts). */
  lsm: LsmFacts;
}

/** The container's part of an exec'd process (container/create-record.ts). */
export interface ContainerDefaults {
  /** The container's own process (config.json's at create). */
  process?: Pick<Process, 'capabilities' | 'rlimits' | 'apparmorProfile' | 'selinuxLabel'>;
  /** The container's seccomp filter, compiled at create; absent: none. */
  seccomp?: SeccompFilter;
}

/**
 * `proc` with what it leaves out taken from the container, as runc does
 * (newInitConfig, finalizeNamespace). Without this, the helper's own
 * state would be the process's: the runtime's full capability set
 * (CAP_SYS_ADMIN, issue 16), the runtime's rlimits, no LSM confinement.
 * A process with its own `capabilities` gets exactly those (`exec --cap`
 * has already added to the container's, cli/commands/exec.ts).
 */
export function withContainerDefaults(proc: ValidProcess, container: ContainerDefaults): ValidProcess {
  const base = container.process;
  const present = (v: string | undefined): boolean => v !== undefined && v !== '';
  return {
    ...proc,
    capabilities: proc.capabilities ?? base?.capabilities ?? NO_CAPABILITIES,
    ...(!(proc.rlimits?.length) && base?.rlimits?.length && { rlimits: base.rlimits }),
    ...(!present(proc.apparmorProfile) && present(base?.apparmorProfile) && { apparmorProfile: base!.apparmorProfile }),
    ...(!present(proc.selinuxLabel) && present(base?.selinuxLabel) && { selinuxLabel: base!.selinuxLabel }),
  };
}

/**
 * The launch plan that starts `proc` in the container whose init `ctx` describes.
 *
 * @throws NotSupportedError for a process setting kapsel cannot apply.
 * @throws InvalidConfigError for additional groups where setgroups is denied,
 *   or an AppArmor profile where AppArmor is not enabled.
 */
export function compileExecPlan(own: ValidProcess, ctx: ExecPlanContext): LaunchPlan {
  const jsonPath = ctx.jsonPath ?? '';
  checkExecSupported(own, jsonPath);
  const proc = withContainerDefaults(own, ctx.container);
  const notes: string[] = [];
  checkProcessLabels(proc, ctx.lsm, jsonPath, notes);
  const layout = helperFdLayout(ctx.preserveFds, { fifo: false, console: proc.terminal === true });
  const ownMountNamespace = (ctx.namespaces & C.CLONE_NEWNS) !== 0;
  const steps: Step[] = [execPlanHeader(ownMountNamespace ? 'private' : 'host')];
  if (proc.terminal) {
    const size = proc.consoleSize;
    steps.push({ op: 'console', socketFd: layout.consoleFd, rows: size?.height ?? 0, cols: size?.width ?? 0, bindConsole: false });
  }
  if (!ownMountNamespace) {
    // Our mount namespace is the container's: its root is a chroot in it.
    if (ctx.rootfs === undefined) throw new InternalError('exec plan: the container shares the runtime\'s mount namespace, and its rootfs was not given');
    steps.push({ op: 'chroot', rootfs: ctx.rootfs });
  }
  const process = processPlan(proc, { image: ctx.image, setgroupsDenied: ctx.setgroupsDenied, jsonPath: ctx.jsonPath, runtimeBoundingSet: ctx.runtimeBoundingSet });
  // The container's filter with the exec'd process's noNewPrivileges
  // deciding where it goes (runc's setns init): without it, while the
  // helper still has CAP_SYS_ADMIN; with it, right before the execve
  // (there is no wait for start in an exec plan).
  const seccomp = ctx.container.seccomp && placeSeccomp(ctx.container.seccomp, proc.noNewPrivileges === true, layout.listenerFd);
  const early = seccomp?.placement === 'before-credentials' ? [seccomp.step] : [];
  const late = seccomp && seccomp.placement !== 'before-credentials' ? [seccomp.step] : [];
  // The LSM labels before any filter (which may not allow their write), as create places them.
  steps.push(...process.limits, ...execLabelSteps(proc, ctx.lsm, jsonPath), ...early, ...process.credentials, process.check, ...late, process.exec);
  return {
    cloneFlags: 0,
    join: ctx.namespaces === 0 ? [] : [{ type: ctx.namespaces, pidfd: ctx.initPidfd }],
    uidMappings: [],
    gidMappings: [],
    denySetgroups: false,
    ...(process.oomScoreAdj !== undefined ? { oomScoreAdj: process.oomScoreAdj } : {}),
    preserveFds: ctx.preserveFds,
    fds: fdTable(ctx.preserveFds, { fifo: false, console: proc.terminal === true, listener: seccomp?.listener !== undefined }),
    steps,
    ...(seccomp?.listener && { seccompListener: seccomp.listener }),
    warnings: process.warnings,
    notes,
  };
}

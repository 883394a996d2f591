/**
 * Compiles a validated config into a LaunchPlan. The order of the steps is
 * the order of the OCI lifecycle: rootfs, prestart/createRuntime hooks (in
 * the runtime, through a sync point), createContainer hooks, pivot_root,
 * process settings, wait for start, startContainer hooks, exec.
 *
 * A pure function of its inputs: the config (a ValidSpec, so every rule has
 * been checked once, by config/validate.ts), the options of the create
 * call, the host and image facts (lib/host/facts.ts gathers them) and the
 * programs compiled from the config beforehand (the seccomp filter, by an
 * injectable compiler: plan/seccomp.ts). It reads no file, loads no
 * library and makes no system call (test/unit/plan-purity.test.ts walks
 * its imports).
 */
import type { ValidSpec } from '../config/valid';
import { InvalidConfigError } from '../errors';
import * as C from '../native/constants';
import { hostSourcePath, type PlanFacts } from './plan-facts';
import { personalitySteps, sysctlSteps, utsSteps } from './kernel-settings';
import { planNamespaces } from './namespaces';
import { processPlan } from './process';
import { finishRootfsSteps, prepareRootfsSteps, relativeDestinationWarnings } from './rootfs';
import { initialAffinitySteps, memoryPolicySteps } from './scheduling';
import { assignTreeFds, idmapTrees } from './idmap-mounts';
import { checkSupported } from './supported';
import { applyMountLabel, execLabelSteps, NO_LSM } from './labels';
import { seccompPlan, type PlanPrograms, type SeccompPlacement } from './seccomp';
import { timeNamespaceSteps, timeOffsetsText } from './time-namespace';
import { notifySocketPlan } from './notify-socket';
import { netDevicePlan } from './net-devices';
import { cgroupPart } from './runtime-cgroups';
import { checkInheritedMountNamespace, inheritedEscapeWarning, mountNamespaceMode } from './mount-namespace';
import { fdTable, helperFdLayout, type LaunchPlan, type Step } from './steps';
import { createPlanHeader } from './header';
import { hookSteps, planHooks } from './hooks';
import { boolean, checkArgs, int, object, optional, string } from '../args';

/** Where a container's bundle and rootfs are, and the runtime options that shape its plan ({@link compilePlan}). */
export interface CompileOptions {
  /** Absolute bundle directory (relative bind sources resolve against it). */
  bundle: string;
  /** Absolute path of the rootfs on the host. */
  rootfs: string;
  /** Inherited fds besides stdio (runc's --preserve-fds). */
  preserveFds?: number;
  /** --no-pivot: chroot instead of pivot_root. */
  noPivot?: boolean;
  /**
   * systemd socket activation of the runtime (container/socket-activation.ts):
   * `count` fds at 3.. go to the container before the preserved ones, and
   * its process gets LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES.
   */
  listenFds?: {
    /** How many fds (3, 4, ...) are passed. */
    count: number;
    /** LISTEN_FDNAMES: their names, colon-separated. */
    names?: string;
  };
}

/** Whether id 0 inside has a mapping. */
/** CompileOptions as compilePlan checks them (lib/args.ts). */
const COMPILE_OPTIONS = object({
  bundle: string,
  rootfs: string,
  preserveFds: optional(int(0, 2 ** 31 - 4)),
  noPivot: optional(boolean),
  listenFds: optional(object({ count: int(0, 2 ** 31 - 4), names: optional(string) })),
});

function mapsRoot(mappings: readonly { containerID: number; size: number }[]): boolean {
  return mappings.some((m) => m.containerID === 0 && m.size > 0);
}

/**
 * The launch plan of `spec` on a host and image described by `facts`, with
 * the `programs` compiled from it (PlanPrograms: without a seccomp program,
 * a plan to look at).
 *
 * @throws InvalidConfigError when the config has no process (valid, but
 *   nothing to create), or asks for additional groups where setgroups is
 *   denied (known only with the host facts).
 * @throws NotSupportedError for a valid property kapsel cannot apply yet.
 */
export function compilePlan(spec: ValidSpec, options: CompileOptions, facts: PlanFacts, programs: PlanPrograms = {}): LaunchPlan {
  checkArgs([spec, 'spec', object()], [options, 'options', COMPILE_OPTIONS], [facts, 'facts', object({ host: object(), image: object() })], [programs, 'programs', optional(object())]);
  if (!spec.process) throw new InvalidConfigError('/process', 'is required to create a container');
  const notes: string[] = [];
  const warnings = [...checkSupported(spec, facts.host, notes), ...relativeDestinationWarnings(spec)];
  const ns = planNamespaces(spec);
  const lsm = facts.host.lsm ?? NO_LSM;
  const listenFds = options.listenFds?.count ?? 0;
  const preserveFds = listenFds + (options.preserveFds ?? 0);
  const denySetgroups = ns.newUserNamespace && facts.host.unprivileged;
  const mountNamespace = mountNamespaceMode(spec, facts.host);
  // A new user namespace, or one the runtime already runs in: no mknod.
  const inUserNamespace = ns.types.has('user') || facts.host.inUserNamespace;
  if (mountNamespace === 'inherited') {
    checkInheritedMountNamespace(spec, inUserNamespace);
    const escape = inheritedEscapeWarning(spec);
    if (escape) warnings.push(escape);
  }
  const notify = notifySocketPlan(facts.host, mountNamespace !== 'inherited');
  warnings.push(...notify.warnings);
  const rootfsCtx = {
    spec,
    bundle: options.bundle,
    rootfs: options.rootfs,
    inUserNamespace,
    newCgroupNamespace: ns.types.has('cgroup'),
    newNetworkNamespace: ns.types.has('network'),
    becomeNamespaceRoot: ns.newUserNamespace && mapsRoot(ns.uidMappings) && mapsRoot(ns.gidMappings),
    mountNamespace,
    host: facts.host,
  };
  // Without a new user namespace the container has ours, and with it our
  // setgroups setting: denied there (unshare -r, a rootless parent) is
  // denied for the container too.
  const setgroupsDenied = ns.newUserNamespace ? denySetgroups : facts.host.unprivileged && facts.host.inUserNamespace;
  const proc = processPlan(spec.process, {
    image: facts.image,
    setgroupsDenied,
    socketActivation: options.listenFds ? { ...options.listenFds, ownPidNamespace: ns.created.has('pid') } : undefined,
    notifySocketEnv: notify.env,
    runtimeBoundingSet: facts.host.runtimeBoundingSet,
  });
  warnings.push(...proc.warnings);
  // --no-pivot makes every mount of the namespace private before the move
  // (native/init/proc_guard.cc, hole 4): a slave rootfs cannot be had.
  const rootfsPropagation = spec.linux?.rootfsPropagation;
  if (options.noPivot && (rootfsPropagation === 'slave' || rootfsPropagation === 'rslave')) {
    warnings.push(`linux.rootfsPropagation "${rootfsPropagation}" is not applied with --no-pivot: the container's mounts are private, so that no host mount propagates into them`);
  }
  const hooks = spec.hooks ?? {};
  const cgroups = cgroupPart(spec, facts.host);
  warnings.push(...cgroups.warnings);

  // A new cgroup namespace is made by the init after "go", not at clone:
  // by then the runtime has put it in its cgroups (v1 hierarchies are
  // written after the clone), and the namespace is rooted there (runc).
  const cloneFlags = ns.cloneFlags & ~C.CLONE_NEWCGROUP;
  const unshareCgroup: Step[] = ns.created.has('cgroup') ? [{ op: 'unshare', flags: C.CLONE_NEWCGROUP }] : [];
  const steps: Step[] = [createPlanHeader(), ...timeNamespaceSteps(ns), ...unshareCgroup, ...initialAffinitySteps(spec.process), ...prepareRootfsSteps(rootfsCtx)];
  // The runtime's own bind (crun's NOTIFY_SOCKET), after the config's mounts: none of them covers it.
  steps.push(...notify.steps);
  steps.push(...utsSteps(spec, facts.host));
  // The kernel creates a network namespace with lo down; runc and crun
  // bring it up, and programs expect 127.0.0.1 to work. A joined one is
  // someone else's to configure.
  if (ns.created.has('network')) steps.push({ op: 'loopback-up' });
  // The devices the runtime moved in before "go", named, addressed and up
  // before anything could look for them: the hooks, the sysctls of
  // finishRootfsSteps (net.ipv4.conf.NAME.*), the process.
  const netDevices = netDevicePlan(spec, facts.host);
  steps.push(...netDevices.steps);
  if ((hooks.prestart?.length ?? 0) + (hooks.createRuntime?.length ?? 0) > 0) {
    steps.push({ op: 'sync', name: 'runtime-hooks' });
  }
  steps.push(...hookSteps('createContainer', hooks.createContainer));
  steps.push(...finishRootfsSteps(rootfsCtx, options.noPivot ?? false, sysctlSteps(spec, facts.host)));
  if (spec.process.terminal) {
    const size = spec.process.consoleSize;
    steps.push({ op: 'console', socketFd: helperFdLayout(preserveFds).consoleFd, rows: size?.height ?? 0, cols: size?.width ?? 0, bindConsole: true });
  }
  steps.push(...personalitySteps(spec));
  const layout = helperFdLayout(preserveFds, { console: spec.process.terminal === true });
  const seccomp = seccompPlan(spec, layout.listenerFd, programs.seccomp, facts.host.seccomp);
  const at = (placement: SeccompPlacement): Step[] => (seccomp?.placement === placement ? [seccomp.step] : []);
  steps.push(...memoryPolicySteps(spec));
  // The LSM labels where runc writes them: before any seccomp filter
  // (which may not allow the write) and the credential change, so that a
  // label the kernel refuses fails create. execve applies them.
  steps.push(...proc.limits, ...execLabelSteps(spec.process, lsm, '/process'), ...at('before-credentials'), ...proc.credentials);
  steps.push(proc.check);
  steps.push(...at('before-wait-start'));
  steps.push({ op: 'wait-start', fifoFd: layout.fifoFd });
  steps.push(...hookSteps('startContainer', hooks.startContainer));
  steps.push(...at('before-exec'));
  steps.push(proc.exec);

  // The id-mapped trees follow the helper's fds, the console socket included when there is one.
  const trees = idmapTrees(spec, (m) => hostSourcePath(options.bundle, m.source ?? ''));
  const firstTreeFd = helperFdLayout(preserveFds, { console: spec.process.terminal === true, listener: seccomp?.listener !== undefined }).firstTreeFd;
  return {
    cloneFlags,
    // An inherited mount namespace is the one the init already is in:
    // nothing to join, whatever the path names by the time of the clone.
    join: mountNamespace === 'inherited' ? ns.join.filter((j) => j.type !== C.CLONE_NEWNS) : ns.join,
    uidMappings: ns.uidMappings,
    gidMappings: ns.gidMappings,
    denySetgroups,
    ...(ns.created.has('time') && timeOffsetsText(spec) !== '' ? { timeOffsets: timeOffsetsText(spec) } : {}),
    ...(proc.oomScoreAdj !== undefined ? { oomScoreAdj: proc.oomScoreAdj } : {}),
    preserveFds,
    fds: fdTable(preserveFds, { console: spec.process.terminal === true, listener: seccomp?.listener !== undefined, trees: trees.length }),
    steps: assignTreeFds(applyMountLabel(steps, spec, lsm, rootfsCtx.inUserNamespace), firstTreeFd),
    ...(seccomp?.listener && { seccompListener: seccomp.listener }),
    ...(trees.length > 0 ? { idmapTrees: trees } : {}),
    ...(netDevices.moves.length > 0 ? { netDevices: netDevices.moves } : {}),
    ...(cgroups.plan ? { cgroups: cgroups.plan } : {}),
    hooks: planHooks(spec.hooks),
    warnings,
    notes,
  };
}

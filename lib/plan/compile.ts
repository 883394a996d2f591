/**
 * Compiles a validated config into a LaunchPlan. The order of the steps is
 * the order of the OCI lifecycle: rootfs, prestart/createRuntime hooks (in
 * the runtime, through a sync point), createContainer hooks, pivot_root,
 * process settings, wait for start, startContainer hooks, exec.
 */
import type { Hook, Spec } from '../config/types';
import { InvalidConfigError } from '../errors';
import { planNamespaces } from './namespaces';
import { credentialSteps, execSteps, namespaceSettingSteps, processEnv } from './process';
import { finishRootfsSteps, prepareRootfsSteps } from './rootfs';
import { personalitySteps, sysctlSteps } from './kernel-settings';
import { checkSupported } from './supported';
import { helperFdLayout, type LaunchPlan, type Step } from './steps';

export interface CompileOptions {
  /** Absolute bundle directory (relative bind sources resolve against it). */
  bundle: string;
  /** Absolute path of the rootfs on the host. */
  rootfs: string;
  /** Inherited fds besides stdio (runc's --preserve-fds). */
  preserveFds?: number;
  /** --no-pivot: chroot instead of pivot_root. */
  noPivot?: boolean;
  /** The runtime has no CAP_SETGID (not uid 0 in its user namespace): setgroups gets denied. */
  rootless?: boolean;
}

function hookSteps(kind: 'createContainer' | 'startContainer', hooks: readonly Hook[] | undefined): Step[] {
  return (hooks ?? []).map((h) => ({
    op: 'hook',
    kind,
    path: h.path,
    timeout: h.timeout ?? 0,
    args: h.args ?? [h.path],
    env: h.env ?? [],
  }));
}

export function compilePlan(spec: Spec, options: CompileOptions): LaunchPlan {
  if (!spec.process) throw new InvalidConfigError('/process', 'is required to create a container');
  const warnings = checkSupported(spec);
  const ns = planNamespaces(spec);
  const preserveFds = options.preserveFds ?? 0;
  const rootless = options.rootless ?? (process.geteuid?.() ?? 0) !== 0;
  const denySetgroups = ns.newUserNamespace && rootless;
  const rootfsCtx = {
    spec,
    bundle: options.bundle,
    rootfs: options.rootfs,
    inUserNamespace: ns.types.has('user'),
    newCgroupNamespace: ns.types.has('cgroup'),
  };
  const env = processEnv(spec.process, options.rootfs);
  const exec = execSteps(spec.process, env);
  const hooks = spec.hooks ?? {};

  const steps: Step[] = [...prepareRootfsSteps(rootfsCtx)];
  steps.push(...namespaceSettingSteps(spec, ns.types.has('uts')));
  if ((hooks.prestart?.length ?? 0) + (hooks.createRuntime?.length ?? 0) > 0) {
    steps.push({ op: 'sync', name: 'runtime-hooks' });
  }
  steps.push(...hookSteps('createContainer', hooks.createContainer));
  steps.push(...finishRootfsSteps(rootfsCtx, options.noPivot ?? false, sysctlSteps(spec, ns.created)));
  if (spec.process.terminal) {
    const size = spec.process.consoleSize;
    steps.push({ op: 'console', socketFd: helperFdLayout(preserveFds).consoleFd, rows: size?.height ?? 0, cols: size?.width ?? 0 });
  }
  steps.push(...personalitySteps(spec));
  steps.push(...credentialSteps({ spec, rootfs: options.rootfs, setgroupsDenied: denySetgroups }));
  steps.push(exec.check);
  steps.push({ op: 'wait-start', fifoFd: helperFdLayout(preserveFds).fifoFd });
  steps.push(...hookSteps('startContainer', hooks.startContainer));
  steps.push(exec.exec);

  return {
    cloneFlags: ns.cloneFlags,
    join: ns.join,
    uidMappings: ns.uidMappings,
    gidMappings: ns.gidMappings,
    denySetgroups,
    preserveFds,
    steps,
    warnings,
  };
}

/**
 * `linux.seccomp` of `kapsel features` (features-linux.md "Seccomp"), read
 * from the libseccomp and kernel actually present: an action is listed when
 * the kernel has it (SECCOMP_GET_ACTION_AVAIL) and libseccomp compiles a rule
 * with it; an architecture when libseccomp knows it; a flag is "known" when
 * kapsel accepts it in a config and "supported" when the kernel has it.
 */
import { native } from '../native/addon';
import { archToken, compileFilter, libseccompResolver, libseccompVersionString } from './library';
import { ACTIONS, ARCHITECTURES, FLAGS, OPERATORS, SECCOMP_FILTER_FLAG_NEW_LISTENER, actionValue, type ActionName, type ArchitectureName, type FlagName } from '../config/seccomp/names';

export interface SeccompFeatures {
  enabled: boolean;
  actions?: ActionName[];
  operators?: string[];
  archs?: ArchitectureName[];
  knownFlags?: FlagName[];
  supportedFlags?: FlagName[];
}

/** Whether libseccomp compiles a one-rule filter with `action` (its own support check). */
function libraryCompiles(action: ActionName): boolean {
  const getpid = libseccompResolver().syscall('getpid', 0);
  const value = actionValue(action);
  // The default must differ from the rule's action, or libseccomp refuses the rule.
  const defaultAction = value === ACTIONS.SCMP_ACT_ALLOW ? ACTIONS.SCMP_ACT_KILL_PROCESS : ACTIONS.SCMP_ACT_ALLOW;
  try {
    compileFilter({ defaultAction, arches: [], rules: [{ syscall: getpid, action: value, args: [] }] });
    return true;
  } catch {
    return false;
  }
}

function kernelHasFlag(name: FlagName): boolean {
  // WAIT_KILLABLE_RECV is only valid together with NEW_LISTENER.
  const extra = name === 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV' ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
  return native().seccompKernelFlagSupported(FLAGS[name] | extra);
}

/** The filter flags a config may name that this kernel has. */
export function kernelFlags(): FlagName[] {
  return (Object.keys(FLAGS) as FlagName[]).filter(kernelHasFlag);
}

/** The actions this kernel has (SECCOMP_GET_ACTION_AVAIL); libseccomp is not asked. */
export function kernelActions(): ActionName[] {
  return (Object.keys(ACTIONS) as ActionName[]).filter((name) => native().seccompKernelActionAvailable(ACTIONS[name]));
}

/**
 * The seccomp features of this machine; `{ enabled: false }` when libseccomp
 * cannot be loaded or the kernel has no seccomp filters.
 */
export function seccompFeatures(): SeccompFeatures {
  try {
    libseccompVersionString();
  } catch {
    return { enabled: false };
  }
  if (!native().seccompKernelActionAvailable(ACTIONS.SCMP_ACT_ALLOW)) return { enabled: false };
  const actions = kernelActions().filter(libraryCompiles);
  const archs = (Object.keys(ARCHITECTURES) as ArchitectureName[]).filter((name) => archToken(ARCHITECTURES[name]) !== 0);
  const knownFlags = Object.keys(FLAGS) as FlagName[];
  return {
    enabled: true,
    actions,
    operators: Object.keys(OPERATORS),
    archs,
    knownFlags,
    supportedFlags: kernelFlags(),
  };
}

/** The annotation runc reports too: "io.github.seccomp.libseccomp.version". */
export function seccompAnnotations(): Record<string, string> {
  try {
    return { 'io.github.seccomp.libseccomp.version': libseccompVersionString() };
  } catch {
    return {};
  }
}

/**
 * LSM labels: process.selinuxLabel, linux.mountLabel and
 * process.apparmorProfile, decided from the host's LsmFacts (lib/host/facts.ts).
 *
 * Enabled module: the init writes the process label to its own
 * /proc/thread-self/attr/exec (SELinux) or "exec PROFILE" to
 * attr/apparmor/exec (AppArmor; attr/exec on older kernels): the
 * `exec-label` step. The kernel applies it at the final execve. It is
 * written where runc writes it, after the process's limits and before any
 * seccomp filter (which may not allow the write) and the credential
 * change: a label the kernel refuses fails create, which then leaves
 * nothing. As in runc, the startContainer hooks the init execs after that
 * run with the container's label too.
 *
 * The mount label becomes the `context="..."` option of every new
 * filesystem the plan mounts but procfs, sysfs and cgroup hierarchies, as
 * runc formats and places it (go-selinux FormatMountLabel; runc's
 * mountToRootfs and maskPath); in a user namespace, only to those SELinux
 * takes it for there (LABELLED_IN_USER_NAMESPACE).
 *
 * Disabled module:
 * - SELinux labels are ignored with a debug line. crun ignores them; runc
 *   refuses a selinuxLabel ("selinux label is specified in config, but
 *   selinux is disabled or not supported") and ignores a mountLabel.
 *   kapsel ignores both, as crun: engines set them wherever they run, and
 *   a label means nothing to a kernel without SELinux.
 * - An AppArmor profile fails create, as it fails in runc: runc does not
 *   check, its init writes the profile and the kernel refuses it
 *   ("apparmor failed to apply profile: write /proc/thread-self/attr/exec:
 *   invalid argument"). kapsel refuses it before anything is made, with
 *   runc's own wording for a missing AppArmor, naming the field: the
 *   config asks for a confinement that cannot exist here.
 */
import type { Process } from '../config/types';
import type { ValidSpec } from '../config/valid';
import { InvalidConfigError } from '../errors';
import type { LsmFacts } from './plan-facts';
import type { Step } from './steps';

/** Where a SELinux exec label is written, below /proc/thread-self. */
export const SELINUX_EXEC_ATTR = 'attr/exec';

/** The host without any LSM (what a missing HostFacts.lsm means). */
export const NO_LSM: LsmFacts = { selinux: false, apparmor: false, apparmorExecAttr: 'attr/exec' };

/**
 * Filesystems a mount label is not given to, as in runc: procfs and sysfs
 * cannot be labelled, cgroup hierarchies are mounted without one.
 */
const UNLABELLED_FILESYSTEMS = new Set(['proc', 'sysfs', 'cgroup', 'cgroup2']);

/**
 * The filesystems SELinux accepts a context option for when their
 * superblock belongs to a user namespace other than the initial one
 * (selinux_set_mnt_opts: anything else is EACCES). In a user namespace
 * the others (mqueue) are mounted without the label and keep the
 * policy's default.
 */
const LABELLED_IN_USER_NAMESPACE = new Set(['tmpfs', 'ramfs', 'devpts', 'overlay']);

/** SELinux's context mount options: a mount that has one keeps it (the kernel takes only one). */
const CONTEXT_OPTION = /(^|,)(context|fscontext|defcontext|rootcontext)=/;

function present(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

/**
 * The labels of one process object (`jsonPath` its pointer: "/process" in
 * a config, "" for `exec --process`): debug notes for what is ignored.
 *
 * @throws InvalidConfigError for an AppArmor profile without AppArmor.
 */
export function checkProcessLabels(
  proc: Pick<Process, 'selinuxLabel' | 'apparmorProfile'> | undefined,
  lsm: Pick<LsmFacts, 'selinux' | 'apparmor'>,
  jsonPath: string,
  notes: string[],
): void {
  if (present(proc?.selinuxLabel) && !lsm.selinux) {
    notes.push(`${jsonPath}/selinuxLabel: SELinux is not enabled on this host, the label ${JSON.stringify(proc.selinuxLabel)} is ignored (as crun)`);
  }
  if (present(proc?.apparmorProfile) && !lsm.apparmor) {
    throw new InvalidConfigError(`${jsonPath}/apparmorProfile`, 'apparmor: config provided but apparmor not supported (AppArmor is not enabled on this host)');
  }
}

/** The labels of a whole config (create): the process's and linux.mountLabel. */
export function checkLabels(spec: ValidSpec, lsm: Pick<LsmFacts, 'selinux' | 'apparmor'>, notes: string[]): void {
  checkProcessLabels(spec.process, lsm, '/process', notes);
  const mountLabel = spec.linux?.mountLabel;
  if (present(mountLabel) && !lsm.selinux) {
    notes.push(`/linux/mountLabel: SELinux is not enabled on this host, the label ${JSON.stringify(mountLabel)} is ignored (as runc and crun)`);
  }
}

/**
 * The exec-label steps of a process (see the header for where they go):
 * nothing for a label whose module is not enabled (checkProcessLabels
 * said why).
 */
export function execLabelSteps(proc: Pick<Process, 'selinuxLabel' | 'apparmorProfile'>, lsm: LsmFacts, jsonPath: string): Step[] {
  const steps: Step[] = [];
  if (present(proc.selinuxLabel) && lsm.selinux) {
    steps.push({ op: 'exec-label', what: `${jsonPath}/selinuxLabel`, attr: SELINUX_EXEC_ATTR, value: proc.selinuxLabel });
  }
  if (present(proc.apparmorProfile) && lsm.apparmor) {
    // libapparmor's aa_change_onexec: the profile takes effect at the next execve.
    steps.push({ op: 'exec-label', what: `${jsonPath}/apparmorProfile`, attr: lsm.apparmorExecAttr, value: `exec ${proc.apparmorProfile}` });
  }
  return steps;
}

/** `data` with SELinux's context option for `label`, formatted as go-selinux's FormatMountLabel does. */
export function withContextOption(data: string, label: string): string {
  if (CONTEXT_OPTION.test(data)) return data;
  // Quoted: an MCS level holds commas ("s0:c1,c2"); the init splits data
  // on the commas outside quotes, as the kernel parses LSM options.
  const option = `context="${label}"`;
  return data === '' ? option : `${data},${option}`;
}

/** Whether a new filesystem of type `fstype` gets the mount label. */
function takesLabel(fstype: string, inUserNamespace: boolean): boolean {
  if (UNLABELLED_FILESYSTEMS.has(fstype)) return false;
  return !inUserNamespace || LABELLED_IN_USER_NAMESPACE.has(fstype);
}

/** One step with the mount label, when it makes a new filesystem that takes one. */
function labelStep(step: Step, label: string, inUserNamespace: boolean): Step {
  switch (step.op) {
    case 'mount':
      // Binds and propagation changes have no type (and take no data).
      if (!step.inContainer || step.fstype === '' || !takesLabel(step.fstype, inUserNamespace)) return step;
      return { ...step, data: withContextOption(step.data, label) };
    case 'tmpfs-copyup':
      return { ...step, data: withContextOption(step.data, label) };
    case 'mask':
      // The empty filesystem over a masked directory (runc's maskPath labels it).
      return takesLabel(step.dirFstype, inUserNamespace) ? { ...step, dirData: withContextOption(step.dirData, label) } : step;
    default:
      return step;
  }
}

/**
 * The steps with linux.mountLabel applied, when SELinux is enabled;
 * unchanged otherwise. `inUserNamespace`: the mounts are made in a user
 * namespace (the container's own, or the one the runtime runs in).
 */
export function applyMountLabel(steps: readonly Step[], spec: ValidSpec, lsm: LsmFacts, inUserNamespace: boolean): Step[] {
  const label = spec.linux?.mountLabel;
  if (!present(label) || !lsm.selinux) return [...steps];
  return steps.map((step) => labelStep(step, label, inUserNamespace));
}

/**
 * What kapsel cannot apply yet. The spec (runtime.md, create) says a
 * property the runtime cannot apply MUST be an error and no container may
 * be created: so confinement it does not implement (LSM labels, Intel
 * RDT, ...) and what the host or the runtime's privileges cannot do
 * (id-mapped or network-device work by a rootless runtime) is refused,
 * naming the field (and the reason), rather than silently dropped.
 * linux.resources and linux.cgroupsPath are applied by lib/cgroups at
 * create (what a kernel lacks is a warning there).
 */
import type { ValidSpec } from '../config/valid';
import { InvalidConfigError, NotSupportedError } from '../errors';
import { idmapOf } from '../config/idmap-mounts';
import type { HostFacts } from './facts';

function refuse(field: string, what: string): never {
  throw new NotSupportedError(`config.json ${field}: ${what} is not supported by kapsel yet`);
}

function nonEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value as object).length > 0;
  return true;
}

/**
 * linux.intelRdt: resctrl groups are not written by kapsel. Where the host
 * has no resctrl filesystem no runtime could apply the field; where it has
 * one, kapsel does not yet. The error says which.
 */
function checkIntelRdt(spec: ValidSpec, host: Pick<HostFacts, 'resctrl'>): void {
  if (!nonEmpty(spec.linux?.intelRdt)) return;
  if (!host.resctrl) {
    throw new NotSupportedError(
      'config.json /linux/intelRdt: this host has no resctrl filesystem at /sys/fs/resctrl (no Intel RDT / AMD QoS, or not mounted), so the RDT settings cannot be applied',
    );
  }
  refuse('/linux/intelRdt', 'Intel RDT (resctrl groups)');
}

/** Id-mapped mounts kapsel makes: binds (plan/idmap-mounts.ts), by a privileged runtime. */
function checkIdmappedMounts(spec: ValidSpec, host: Pick<HostFacts, 'unprivileged'>): void {
  const userns = spec.linux?.namespaces?.find((ns) => ns.type === 'user');
  (spec.mounts ?? []).forEach((m, i) => {
    if (!idmapOf(m)) return;
    // Only binds: a new filesystem would need its own detached mount (fsmount) to be id-mapped.
    const bind = m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind');
    if (!bind) refuse(`/mounts/${i}/options`, 'an id-mapped mount of a new filesystem (only bind mounts are id-mapped)');
    // idmap alone takes the container's mappings: a joined user namespace's are not in the config.
    if (m.uidMappings === undefined && userns?.path) refuse(`/mounts/${i}/options`, 'idmap with the mappings of a joined user namespace');
    // MOUNT_ATTR_IDMAP needs CAP_SYS_ADMIN over the filesystem's user namespace (the host's).
    if (host.unprivileged) refuse(`/mounts/${i}/options`, 'an id-mapped mount by an unprivileged (rootless) runtime');
  });
}

/**
 * LSM labels, as runc treats them. SELinux labels on a host without
 * SELinux are ignored (runc and crun do; images and engines set them
 * everywhere), with a debug note. An AppArmor profile on a host without
 * AppArmor is an error, as runc's "apparmor: config provided but apparmor
 * not supported": the config asks for confinement that cannot exist here.
 * With the module enabled, applying them is not implemented yet: refused.
 */
function checkLabels(spec: ValidSpec, lsm: NonNullable<HostFacts['lsm']>, notes: string[]): void {
  const proc = spec.process;
  const selinux: Array<[string, unknown]> = [
    ['/process/selinuxLabel', proc?.selinuxLabel],
    ['/linux/mountLabel', spec.linux?.mountLabel],
  ];
  for (const [field, label] of selinux) {
    if (!nonEmpty(label)) continue;
    if (lsm.selinux) refuse(field, 'applying an SELinux label');
    notes.push(`${field}: SELinux is not enabled on this host, the label ${JSON.stringify(label)} is ignored (as runc and crun)`);
  }
  if (nonEmpty(proc?.apparmorProfile)) {
    if (!lsm.apparmor) {
      throw new InvalidConfigError('/process/apparmorProfile', 'apparmor: config provided but apparmor not supported (AppArmor is not enabled on this host)');
    }
    refuse('/process/apparmorProfile', 'applying an AppArmor profile');
  }
}

/**
 * Throws NotSupportedError for the first unsupported property; returns
 * warnings, and adds to `notes` what is ignored on purpose (debug lines).
 */
export function checkSupported(spec: ValidSpec, host: Pick<HostFacts, 'resctrl' | 'unprivileged' | 'lsm'>, notes: string[] = []): string[] {
  const proc = spec.process;
  const linux = spec.linux ?? {};
  // A joined or inherited mount namespace: what it allows is mount-namespace.ts's (compile.ts).
  checkLabels(spec, host.lsm ?? { selinux: false, apparmor: false }, notes);
  // SCHED_ISO is a policy of out-of-tree (-ck) kernels only: no mainline kernel can apply it.
  if (proc?.scheduler?.policy === 'SCHED_ISO') {
    throw new NotSupportedError('config.json /process/scheduler/policy: SCHED_ISO is not a policy of the Linux kernel (only out-of-tree -ck patches had it)');
  }
  // Moving a host interface needs CAP_NET_ADMIN over the host's network namespace.
  if (nonEmpty(linux.netDevices) && host.unprivileged) refuse('/linux/netDevices', 'moving network devices by an unprivileged (rootless) runtime');
  checkIntelRdt(spec, host);
  if (nonEmpty(linux.personality?.flags)) refuse('/linux/personality/flags', 'personality flags');
  checkIdmappedMounts(spec, host);
  return [];
}

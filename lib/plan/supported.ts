/**
 * What kapsel cannot apply yet. The spec (runtime.md, create) says a
 * property the runtime cannot apply MUST be an error and no container may
 * be created: so confinement it does not implement (seccomp, LSM labels,
 * idmapped mounts, ...) is refused, naming the field, rather than silently
 * dropped. The one exception is cgroups: every engine and `spec` itself
 * send linux.resources, and resource limits are not yet applied — that is
 * a warning (not for the device list alone), documented in the README,
 * until cgroup support lands.
 */
import type { ValidSpec } from '../config/valid';
import { InvalidConfigError, NotSupportedError } from '../errors';
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
export function checkSupported(spec: ValidSpec, lsm: NonNullable<HostFacts['lsm']> = { selinux: false, apparmor: false }, notes: string[] = []): string[] {
  const proc = spec.process;
  const linux = spec.linux ?? {};
  // Every rootfs step (mounts, pivot_root) runs in a mount namespace set up for the container.
  const mountNs = (linux.namespaces ?? []).find((ns) => ns.type === 'mount');
  if (!mountNs) refuse('/linux/namespaces', 'a container without a mount namespace of its own');
  if (mountNs.path) refuse('/linux/namespaces', 'joining an existing mount namespace (the rootfs is set up in a new one)');
  if (nonEmpty(linux.seccomp)) refuse('/linux/seccomp', 'seccomp');
  checkLabels(spec, lsm, notes);
  if (nonEmpty(proc?.scheduler)) refuse('/process/scheduler', 'the scheduler policy');
  if (nonEmpty(proc?.ioPriority)) refuse('/process/ioPriority', 'the I/O priority');
  if (nonEmpty(proc?.execCPUAffinity)) refuse('/process/execCPUAffinity', 'CPU affinity');
  if (nonEmpty(linux.intelRdt)) refuse('/linux/intelRdt', 'Intel RDT');
  if (nonEmpty(linux.memoryPolicy)) refuse('/linux/memoryPolicy', 'the memory policy');
  if (nonEmpty(linux.netDevices)) refuse('/linux/netDevices', 'moving network devices');
  if (nonEmpty(linux.timeOffsets)) refuse('/linux/timeOffsets', 'time namespace offsets');
  if (nonEmpty(linux.personality?.flags)) refuse('/linux/personality/flags', 'personality flags');
  (spec.mounts ?? []).forEach((m, i) => {
    if (nonEmpty(m.uidMappings) || nonEmpty(m.gidMappings)) refuse(`/mounts/${i}/uidMappings`, 'idmapped mounts');
    for (const option of m.options ?? []) {
      if (option === 'idmap' || option === 'ridmap') refuse(`/mounts/${i}/options`, `the "${option}" option`);
    }
  });
  // The device list alone (runc's default spec denies all devices) asks for
  // no limit that would be silently lost: the container only gets the
  // device nodes the plan creates, and no CAP_MKNOD by default.
  const limits = Object.keys(linux.resources ?? {}).filter((k) => k !== 'devices' && nonEmpty((linux.resources as Record<string, unknown>)[k]));
  const warnings: string[] = [];
  if (limits.length > 0 || nonEmpty(linux.cgroupsPath)) {
    const what = [...limits.map((k) => `linux.resources.${k}`), ...(nonEmpty(linux.cgroupsPath) ? ['linux.cgroupsPath'] : [])];
    warnings.push(`${what.join(', ')}: cgroups are not supported yet, the container runs without these limits`);
  }
  return warnings;
}

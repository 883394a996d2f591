/**
 * What kapsel cannot apply yet. The spec (runtime.md, create) says a
 * property the runtime cannot apply MUST be an error and no container may
 * be created: so confinement it does not implement (LSM labels,
 * idmapped mounts, ...) is refused, naming the field, rather than silently
 * dropped. linux.resources and linux.cgroupsPath are applied by
 * lib/cgroups at create (what a kernel lacks is a warning there).
 */
import type { ValidSpec } from '../config/valid';
import { NotSupportedError } from '../errors';

function refuse(field: string, what: string): never {
  throw new NotSupportedError(`config.json ${field}: ${what} is not supported by kapsel yet`);
}

function nonEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value as object).length > 0;
  return true;
}

/** Throws NotSupportedError for the first unsupported property; returns warnings. */
export function checkSupported(spec: ValidSpec): string[] {
  const proc = spec.process;
  const linux = spec.linux ?? {};
  // Every rootfs step (mounts, pivot_root) runs in a mount namespace set up for the container.
  const mountNs = (linux.namespaces ?? []).find((ns) => ns.type === 'mount');
  if (!mountNs) refuse('/linux/namespaces', 'a container without a mount namespace of its own');
  if (mountNs.path) refuse('/linux/namespaces', 'joining an existing mount namespace (the rootfs is set up in a new one)');
  if (nonEmpty(proc?.apparmorProfile)) refuse('/process/apparmorProfile', 'AppArmor');
  if (nonEmpty(proc?.selinuxLabel)) refuse('/process/selinuxLabel', 'SELinux');
  if (nonEmpty(linux.mountLabel)) refuse('/linux/mountLabel', 'SELinux');
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
  const warnings: string[] = [];
  return warnings;
}

/**
 * What kapsel cannot apply yet, for create (checkSupported) and for a
 * process exec'd into a container (checkExecSupported): one file for both
 * rule sets, so that a setting is refused alike. The spec (runtime.md, create) says a
 * property the runtime cannot apply MUST be an error and no container may
 * be created: so confinement it does not implement (Intel RDT, ...)
 * and what the host or the runtime's privileges cannot do
 * (id-mapped or network-device work by a rootless runtime) is refused,
 * naming the field (and the reason), rather than silently dropped.
 * linux.resources and linux.cgroupsPath are applied by lib/cgroups at
 * create (what a kernel lacks is a warning there).
 */
import type { ValidProcess, ValidSpec } from '../config/valid';
import { NotSupportedError } from '../errors';
import { idmapOf } from '../config/idmap-mounts';
import type { HostFacts } from './plan-facts';
import { checkLabels } from './labels';

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

/**
 * Process settings an exec'd process cannot have yet: refused, naming the
 * field, never silently dropped. create applies them in the container's
 * init (plan/scheduling.ts); the exec helper does not yet.
 */
export function checkExecSupported(proc: ValidProcess, jsonPath: string): void {
  const unsupported: [keyof ValidProcess, string][] = [
    ['scheduler', 'the scheduler policy'],
    ['ioPriority', 'the I/O priority'],
    ['execCPUAffinity', 'CPU affinity'],
  ];
  for (const [field, what] of unsupported) {
    if (nonEmpty(proc[field])) throw new NotSupportedError(`exec ${jsonPath}/${String(field)}: ${what} is not supported by kapsel yet`);
  }
}

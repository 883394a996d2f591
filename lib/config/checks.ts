/**
 * Cross-field rules of config.json that a JSON schema cannot express. They
 * run after the schema passed, so shapes and types can be trusted here.
 * Each rule throws InvalidConfigError naming the field to fix.
 *
 * This is the only place that decides whether a config is valid: the plan
 * compiler takes the ValidSpec validation returns and does not check again.
 * What is valid but not (yet) supported by kapsel is plan/supported.ts's
 * business (NotSupportedError), not a rule here.
 */

import { InvalidConfigError } from '../errors';
import { CAPABILITIES, RLIMIT } from '../native/constants';
import { pointerSegment } from './pointer';
import { validateSeccomp } from './seccomp/validate';
import { checkCpuAffinity, checkMemoryPolicy, checkScheduler } from './process-attrs';
import { sysctlName, sysctlNamespace } from './sysctl';
import { checkTimeOffsets } from './time-offsets';
import { checkIdmappedMounts } from './idmap-mounts';
import { checkNetDevices } from './net-devices';
import { checkNoNulBytes } from './nul';
import { checkExecSize } from './exec-size';
import { checkMountLabelField, checkProcessLabelFields } from './labels';
import { processSchema } from './schema';
import type { LinuxCapabilities, LinuxNamespaceType, Process, Spec } from './types';

const has = (table: Record<string, unknown>, key: string): boolean => Object.prototype.hasOwnProperty.call(table, key);

/** Runs every rule; the first violation throws. */
export function checkSemantics(spec: Spec): void {
  checkNoNulBytes(spec);
  const namespaces = checkNamespaces(spec);
  checkUserNamespaceMappings(spec, namespaces);
  checkUtsAndTime(spec, namespaces);
  if (spec.process) checkProcess(spec.process, '/process');
  checkMounts(spec);
  checkIdmappedMounts(spec, namespaces.get('user'));
  checkNetDevices(spec, namespaces.get('network'));
  checkDevices(spec);
  checkSysctls(spec, namespaces);
  checkMemoryPolicy(spec.linux?.memoryPolicy);
  checkMountLabelField(spec);
  if (spec.linux?.seccomp !== undefined) validateSeccomp(spec.linux.seccomp, '/linux/seccomp');
}

/**
 * Rejects duplicated namespace types (config-linux.md: the runtime MUST
 * error) and returns the configured namespaces by type, with their index.
 */
function checkNamespaces(spec: Spec): Map<LinuxNamespaceType, { index: number; path?: string }> {
  const seen = new Map<LinuxNamespaceType, { index: number; path?: string }>();
  (spec.linux?.namespaces ?? []).forEach((ns, index) => {
    const first = seen.get(ns.type);
    if (first) {
      throw new InvalidConfigError(
        `/linux/namespaces/${index}/type`,
        `duplicate namespace type "${ns.type}" (also at /linux/namespaces/${first.index})`,
      );
    }
    seen.set(ns.type, { index, path: ns.path });
  });
  return seen;
}

/**
 * Mappings and the user namespace go together, as in runc: a new user
 * namespace needs both mappings (the kernel maps nobody otherwise), and
 * mappings without a user namespace would be silently ignored. Joining an
 * existing user namespace (`path` set) brings its own mappings, so there they
 * are optional.
 */
function checkUserNamespaceMappings(spec: Spec, namespaces: ReturnType<typeof checkNamespaces>): void {
  const userns = namespaces.get('user');
  const uid = spec.linux?.uidMappings ?? [];
  const gid = spec.linux?.gidMappings ?? [];
  if (!userns) {
    if (uid.length > 0) {
      throw new InvalidConfigError('/linux/uidMappings', 'user namespace mappings specified, but no user namespace in /linux/namespaces');
    }
    if (gid.length > 0) {
      throw new InvalidConfigError('/linux/gidMappings', 'user namespace mappings specified, but no user namespace in /linux/namespaces');
    }
    return;
  }
  if (userns.path) return;
  if (uid.length === 0) {
    throw new InvalidConfigError('/linux/uidMappings', 'user namespaces enabled, but no uid mappings found');
  }
  if (gid.length === 0) {
    throw new InvalidConfigError('/linux/gidMappings', 'user namespaces enabled, but no gid mappings found');
  }
}

/**
 * hostname/domainname need a UTS namespace and timeOffsets a time namespace:
 * without one they would change the host's (runc rejects these too).
 */
function checkUtsAndTime(spec: Spec, namespaces: ReturnType<typeof checkNamespaces>): void {
  if (!namespaces.has('uts')) {
    if (spec.hostname) {
      throw new InvalidConfigError('/hostname', 'cannot set the hostname without a uts namespace in /linux/namespaces');
    }
    if (spec.domainname) {
      throw new InvalidConfigError('/domainname', 'cannot set the domainname without a uts namespace in /linux/namespaces');
    }
  }
  const offsets = spec.linux?.timeOffsets;
  if (offsets && Object.keys(offsets).length > 0 && !namespaces.has('time')) {
    throw new InvalidConfigError('/linux/timeOffsets', 'time offsets specified, but no time namespace in /linux/namespaces');
  }
  checkTimeOffsets(offsets, namespaces.get('time'));
}

/**
 * The rules of a `process` object; `base` is its JSON pointer ("/process" in
 * a config, "" for an `exec --process` document).
 */
export function checkProcess(proc: Process, base: string): void {
  if (base === '') checkNoNulBytes(proc, processSchema);
  checkCapabilities(proc, base);
  checkRlimits(proc, base);
  checkScheduler(proc, base);
  checkCpuAffinity(proc, base);
  checkProcessLabelFields(proc, base);
  checkExecSize(proc, base);
}

const CAPABILITY_SETS: Array<keyof LinuxCapabilities> = ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'];

/**
 * Capability names must be real CAP_* names. The spec asks runtimes not to
 * fail on capabilities that merely cannot be granted (an older kernel, a
 * restricted parent); that is the launcher's business. A name that is no
 * capability at all is a typo and is rejected here.
 */
function checkCapabilities(proc: Process, base: string): void {
  const caps = proc.capabilities;
  if (!caps) return;
  for (const set of CAPABILITY_SETS) {
    (caps[set] ?? []).forEach((name, i) => {
      if (!has(CAPABILITIES, name)) {
        throw new InvalidConfigError(`${base}/capabilities/${set}/${i}`, `unknown capability "${name}"`);
      }
    });
  }
}

/** rlimit types must be known and unique (the spec requires an error for duplicates); soft <= hard. */
function checkRlimits(proc: Process, base: string): void {
  const seen = new Map<string, number>();
  (proc.rlimits ?? []).forEach((rlimit, i) => {
    if (!has(RLIMIT, rlimit.type)) {
      throw new InvalidConfigError(`${base}/rlimits/${i}/type`, `unknown resource limit "${rlimit.type}"`);
    }
    const first = seen.get(rlimit.type);
    if (first !== undefined) {
      throw new InvalidConfigError(
        `${base}/rlimits/${i}/type`,
        `duplicate rlimit type "${rlimit.type}" (also at ${base}/rlimits/${first})`,
      );
    }
    seen.set(rlimit.type, i);
    // setrlimit(2) fails with EINVAL for soft > hard; report it against the config instead.
    if (rlimit.soft > rlimit.hard) {
      throw new InvalidConfigError(`${base}/rlimits/${i}/soft`, `must not exceed hard (${rlimit.hard})`);
    }
  });
}

/**
 * Mount rules.
 *
 * Relative destinations are accepted (the decision, made once here):
 * config.md says a Linux destination SHOULD be absolute but MAY, for old
 * configurations, be relative, and is then taken relative to "/". runc
 * accepts them with a warning and prefixes "/"; so does kapsel — the plan
 * resolves them against "/" and says so in plan.warnings, which create
 * logs (plan/rootfs.ts, mountDestination).
 *
 * A bind mount needs a source (there is nothing to bind otherwise); cgroup
 * mounts are exempt, the plan picks their source. ID-mapped mounts:
 * uidMappings and gidMappings MUST be given together.
 */
function checkMounts(spec: Spec): void {
  (spec.mounts ?? []).forEach((mount, i) => {
    const uid = mount.uidMappings !== undefined;
    const gid = mount.gidMappings !== undefined;
    if (uid && !gid) throw new InvalidConfigError(`/mounts/${i}/gidMappings`, 'is required when uidMappings is set');
    if (gid && !uid) throw new InvalidConfigError(`/mounts/${i}/uidMappings`, 'is required when gidMappings is set');
    const bind = mount.type === 'bind' || (mount.options ?? []).some((o) => o === 'bind' || o === 'rbind');
    if (bind && mount.type !== 'cgroup' && !mount.source) {
      throw new InvalidConfigError(`/mounts/${i}/source`, 'a bind mount needs a source');
    }
  });
}

/**
 * Device paths are container paths: absolute, and anywhere in the rootfs
 * (runc and crun allow nodes outside /dev, and a trailing slash). The plan
 * cleans them and the init resolves them inside the rootfs like every
 * other path; the node itself is made with mknod, or bound from a host
 * node verified to be that device (plan/rootfs.ts), never a host path
 * taken from the config.
 */
function checkDevices(spec: Spec): void {
  (spec.linux?.devices ?? []).forEach((dev, i) => {
    if (!dev.path.startsWith('/') || dev.path.split('/').every((part) => part === '' || part === '.' || part === '..')) {
      throw new InvalidConfigError(`/linux/devices/${i}/path`, 'must be an absolute path naming a file');
    }
  });
}

/**
 * Only sysctls that belong to a namespace the container has its own copy of
 * may be set (as runc enforces): anything else would change the host, and
 * so would a namespaced one in a namespace joined by path.
 */
function checkSysctls(spec: Spec, namespaces: ReturnType<typeof checkNamespaces>): void {
  for (const rawKey of Object.keys(spec.linux?.sysctl ?? {})) {
    const where = `/linux/sysctl/${pointerSegment(rawKey)}`;
    // runc accepts the /proc/sys path form too ("net/ipv4/ip_forward").
    const key = sysctlName(rawKey);
    if (!/^[a-z0-9_]+(\.[a-zA-Z0-9_\-]+)+$/.test(key)) throw new InvalidConfigError(where, 'not a sysctl name');
    // runc and crun refuse these two: they would fight the config's own
    // "hostname" and "domainname" fields over the same kernel value.
    if (key === 'kernel.hostname' || key === 'kernel.domainname') {
      const field = key.slice('kernel.'.length);
      throw new InvalidConfigError(where, `sysctl "${key}" is not allowed: it conflicts with the "${field}" field; set "${field}" instead`);
    }
    const ns = sysctlNamespace(key);
    if (!ns) throw new InvalidConfigError(where, `sysctl "${key}" is not namespaced: setting it would change the host`);
    // Without the namespace the container shares the runtime's. A namespace
    // joined by path is the container's own unless it is the runtime's
    // (podman joins the network namespace netavark made): a host fact, so
    // the compiler decides that case (plan/kernel-settings.ts).
    if (!namespaces.get(ns)) {
      throw new InvalidConfigError(where, `sysctl "${key}" needs a ${ns} namespace of the container's own`);
    }
  }
}


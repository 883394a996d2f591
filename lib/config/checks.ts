/**
 * Cross-field rules of config.json that a JSON schema cannot express. They
 * run after the schema, so shapes and types can be trusted here (when
 * collecting, a rule whose fields have schema errors is skipped:
 * findings.ts). Each rule reports the field to fix through `f`: thrown as
 * InvalidConfigError for create, recorded for `kapsel validate`.
 *
 * This is the only place that decides whether a config is valid: the plan
 * compiler takes the ValidSpec validation returns and does not check again.
 * What is valid but not (yet) supported by kapsel is plan/supported.ts's
 * business (NotSupportedError), not a rule here.
 */

import { CAPABILITIES, RLIMIT } from '../native/constants';
import { THROW_FIRST, type Findings } from './findings';
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
import { configSchema, processSchema } from './schema';
import type { LinuxCapabilities, LinuxNamespaceType, Process, Spec } from './types';

const has = (table: Record<string, unknown>, key: string): boolean => Object.prototype.hasOwnProperty.call(table, key);

type Namespaces = Map<LinuxNamespaceType, { index: number; path?: string }>;

const NAMESPACES = '/linux/namespaces';

/** Runs every rule, in this order: with THROW_FIRST the first violation throws. */
export function checkSemantics(spec: Spec, f: Findings = THROW_FIRST): void {
  /** Runs `check` unless the schema found the fields it reads malformed. */
  const when = (reads: readonly string[], check: () => void): void => {
    if (f.mayRead(reads)) f.rule(check);
  };
  // Not even an object (the schema said so, when collecting): no field to look at.
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return;
  // Reads every string, whatever its shape: it never needs the schema to have passed.
  f.rule(() => checkNoNulBytes(spec, configSchema, '', f));
  // Rules that read /linux/namespaces are skipped with it, so they never see this empty map.
  let namespaces: Namespaces = new Map();
  when([NAMESPACES], () => (namespaces = checkNamespaces(spec, f)));
  when([NAMESPACES, '/linux/uidMappings', '/linux/gidMappings'], () => checkUserNamespaceMappings(spec, namespaces, f));
  when([NAMESPACES, '/hostname', '/domainname', '/linux/timeOffsets'], () => checkUtsAndTime(spec, namespaces, f));
  if (spec.process) checkProcess(spec.process, '/process', f);
  when(['/mounts'], () => checkMounts(spec, f));
  when(['/mounts', NAMESPACES], () => checkIdmappedMounts(spec, namespaces.get('user')));
  when(['/linux/netDevices', NAMESPACES], () => checkNetDevices(spec, namespaces.get('network')));
  when(['/linux/devices'], () => checkDevices(spec, f));
  when(['/linux/sysctl', NAMESPACES], () => checkSysctls(spec, namespaces, f));
  when(['/linux/memoryPolicy'], () => checkMemoryPolicy(spec.linux?.memoryPolicy));
  when(['/linux/mountLabel'], () => checkMountLabelField(spec));
  if (spec.linux?.seccomp !== undefined) when(['/linux/seccomp'], () => validateSeccomp(spec.linux!.seccomp, '/linux/seccomp'));
}

/**
 * Rejects duplicated namespace types (config-linux.md: the runtime MUST
 * error) and returns the configured namespaces by type, with their index.
 */
function checkNamespaces(spec: Spec, f: Findings): Namespaces {
  const seen: Namespaces = new Map();
  (spec.linux?.namespaces ?? []).forEach((ns, index) => {
    const first = seen.get(ns.type);
    // The first of a type is the one kept (when collecting, the later ones are reported and left out).
    if (first) f.error(`/linux/namespaces/${index}/type`, `duplicate namespace type "${ns.type}" (also at /linux/namespaces/${first.index})`);
    else seen.set(ns.type, { index, path: ns.path });
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
function checkUserNamespaceMappings(spec: Spec, namespaces: Namespaces, f: Findings): void {
  const userns = namespaces.get('user');
  const uid = spec.linux?.uidMappings ?? [];
  const gid = spec.linux?.gidMappings ?? [];
  if (!userns) {
    if (uid.length > 0) f.error('/linux/uidMappings', 'user namespace mappings specified, but no user namespace in /linux/namespaces');
    if (gid.length > 0) f.error('/linux/gidMappings', 'user namespace mappings specified, but no user namespace in /linux/namespaces');
    return;
  }
  if (userns.path) return;
  if (uid.length === 0) f.error('/linux/uidMappings', 'user namespaces enabled, but no uid mappings found');
  if (gid.length === 0) f.error('/linux/gidMappings', 'user namespaces enabled, but no gid mappings found');
}

/**
 * hostname/domainname need a UTS namespace and timeOffsets a time namespace:
 * without one they would change the host's (runc rejects these too).
 */
function checkUtsAndTime(spec: Spec, namespaces: Namespaces, f: Findings): void {
  if (!namespaces.has('uts')) {
    if (spec.hostname) f.error('/hostname', 'cannot set the hostname without a uts namespace in /linux/namespaces');
    if (spec.domainname) f.error('/domainname', 'cannot set the domainname without a uts namespace in /linux/namespaces');
  }
  const offsets = spec.linux?.timeOffsets;
  if (offsets && Object.keys(offsets).length > 0 && !namespaces.has('time')) {
    f.error('/linux/timeOffsets', 'time offsets specified, but no time namespace in /linux/namespaces');
    return;
  }
  f.rule(() => checkTimeOffsets(offsets, namespaces.get('time')));
}

/**
 * The rules of a `process` object; `base` is its JSON pointer ("/process" in
 * a config, "" for an `exec --process` document).
 */
export function checkProcess(proc: Process, base: string, f: Findings = THROW_FIRST): void {
  const when = (fields: readonly string[], check: () => void): void => {
    if (f.mayRead(fields.map((field) => `${base}/${field}`))) f.rule(check);
  };
  if (base === '') f.rule(() => checkNoNulBytes(proc, processSchema, '', f));
  when(['capabilities'], () => checkCapabilities(proc, base, f));
  when(['rlimits'], () => checkRlimits(proc, base, f));
  when(['scheduler'], () => checkScheduler(proc, base));
  when(['execCPUAffinity'], () => checkCpuAffinity(proc, base));
  when(['selinuxLabel', 'apparmorProfile'], () => checkProcessLabelFields(proc, base));
  when(['args', 'env'], () => checkExecSize(proc, base));
}

const CAPABILITY_SETS: Array<keyof LinuxCapabilities> = ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'];

/**
 * Capability names must be real CAP_* names. The spec asks runtimes not to
 * fail on capabilities that merely cannot be granted (an older kernel, a
 * restricted parent); that is the launcher's business. A name that is no
 * capability at all is a typo and is rejected here.
 */
function checkCapabilities(proc: Process, base: string, f: Findings): void {
  const caps = proc.capabilities;
  if (!caps) return;
  for (const set of CAPABILITY_SETS) {
    (caps[set] ?? []).forEach((name, i) => {
      if (!has(CAPABILITIES, name)) f.error(`${base}/capabilities/${set}/${i}`, `unknown capability "${name}"`);
    });
  }
}

/** rlimit types must be known and unique (the spec requires an error for duplicates); soft <= hard. */
function checkRlimits(proc: Process, base: string, f: Findings): void {
  const seen = new Map<string, number>();
  (proc.rlimits ?? []).forEach((rlimit, i) => {
    const first = seen.get(rlimit.type);
    if (!has(RLIMIT, rlimit.type)) f.error(`${base}/rlimits/${i}/type`, `unknown resource limit "${rlimit.type}"`);
    else if (first !== undefined) f.error(`${base}/rlimits/${i}/type`, `duplicate rlimit type "${rlimit.type}" (also at ${base}/rlimits/${first})`);
    else seen.set(rlimit.type, i);
    // setrlimit(2) fails with EINVAL for soft > hard; report it against the config instead.
    if (rlimit.soft > rlimit.hard) f.error(`${base}/rlimits/${i}/soft`, `must not exceed hard (${rlimit.hard})`);
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
 * uidMappings and gidMappings MUST be given together. "tmpcopyup" (runc's
 * and crun's) fills a new tmpfs with what the directory held: anything
 * but a new tmpfs has nothing to fill, so it is a config error here, where
 * `kapsel validate` and Container.plan see it, not first in the plan.
 */
function checkMounts(spec: Spec, f: Findings): void {
  (spec.mounts ?? []).forEach((mount, i) => {
    const uid = mount.uidMappings !== undefined;
    const gid = mount.gidMappings !== undefined;
    if (uid && !gid) f.error(`/mounts/${i}/gidMappings`, 'is required when uidMappings is set');
    if (gid && !uid) f.error(`/mounts/${i}/uidMappings`, 'is required when gidMappings is set');
    const bind = mount.type === 'bind' || (mount.options ?? []).some((o) => o === 'bind' || o === 'rbind');
    if (bind && mount.type !== 'cgroup' && !mount.source) f.error(`/mounts/${i}/source`, 'a bind mount needs a source');
    if ((mount.options ?? []).includes('tmpcopyup') && (bind || mount.type !== 'tmpfs')) {
      f.error(`/mounts/${i}/options`, `"tmpcopyup" applies to tmpfs mounts only, not to ${bind ? 'a bind mount' : `"${mount.type ?? ''}"`}`);
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
function checkDevices(spec: Spec, f: Findings): void {
  (spec.linux?.devices ?? []).forEach((dev, i) => {
    if (!dev.path.startsWith('/') || dev.path.split('/').every((part) => part === '' || part === '.' || part === '..')) {
      f.error(`/linux/devices/${i}/path`, 'must be an absolute path naming a file');
    }
  });
}

/**
 * Only sysctls that belong to a namespace the container has its own copy of
 * may be set (as runc enforces): anything else would change the host, and
 * so would a namespaced one in a namespace joined by path.
 */
function checkSysctls(spec: Spec, namespaces: Namespaces, f: Findings): void {
  for (const rawKey of Object.keys(spec.linux?.sysctl ?? {})) {
    f.rule(() => checkSysctl(rawKey, namespaces, f));
  }
}

/** One sysctl key: each check ends the key's checks (the later ones would only repeat its fault). */
function checkSysctl(rawKey: string, namespaces: Namespaces, f: Findings): void {
  const where = `/linux/sysctl/${pointerSegment(rawKey)}`;
  // runc accepts the /proc/sys path form too ("net/ipv4/ip_forward").
  const key = sysctlName(rawKey);
  if (!/^[a-z0-9_]+(\.[a-zA-Z0-9_\-]+)+$/.test(key)) return f.error(where, 'not a sysctl name');
  // runc and crun refuse these two: they would fight the config's own
  // "hostname" and "domainname" fields over the same kernel value.
  if (key === 'kernel.hostname' || key === 'kernel.domainname') {
    const field = key.slice('kernel.'.length);
    return f.error(where, `sysctl "${key}" is not allowed: it conflicts with the "${field}" field; set "${field}" instead`);
  }
  const ns = sysctlNamespace(key);
  if (!ns) return f.error(where, `sysctl "${key}" is not namespaced: setting it would change the host`);
  // Without the namespace the container shares the runtime's. A namespace
  // joined by path is the container's own unless it is the runtime's
  // (podman joins the network namespace netavark made): a host fact, so
  // the compiler decides that case (plan/kernel-settings.ts).
  if (!namespaces.get(ns)) f.error(where, `sysctl "${key}" needs a ${ns} namespace of the container's own`);
}


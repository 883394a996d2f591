/**
 * Cross-field rules of config.json that a JSON schema cannot express. They
 * run after the schema passed, so shapes and types can be trusted here.
 * Each rule throws InvalidConfigError naming the field to fix.
 */

import { InvalidConfigError } from '../errors';
import { CAPABILITIES, RLIMIT } from '../native/constants';
import type { LinuxCapabilities, LinuxNamespaceType, Process, Spec } from './types';

const has = (table: Record<string, unknown>, key: string): boolean => Object.prototype.hasOwnProperty.call(table, key);

/** Runs every rule; the first violation throws. */
export function checkSemantics(spec: Spec): void {
  const namespaces = checkNamespaces(spec);
  checkUserNamespaceMappings(spec, namespaces);
  checkUtsAndTime(spec, namespaces);
  if (spec.process) checkProcess(spec.process, '/process');
  checkMounts(spec);
  checkSeccomp(spec);
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
}

/**
 * The rules of a `process` object; `base` is its JSON pointer ("/process" in
 * a config, "" for an `exec --process` document).
 */
export function checkProcess(proc: Process, base: string): void {
  checkCapabilities(proc, base);
  checkRlimits(proc, base);
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
 * Mount rules. Destinations may be relative: config.md says that on Linux a
 * destination SHOULD be absolute but MAY, for old configurations, be
 * relative, and is then taken relative to "/" (runc does the same). Only
 * "MUST" rules are enforced, so relative destinations are accepted here and
 * the mount code resolves them against "/".
 *
 * ID-mapped mounts: uidMappings and gidMappings MUST be given together.
 */
function checkMounts(spec: Spec): void {
  (spec.mounts ?? []).forEach((mount, i) => {
    const uid = mount.uidMappings !== undefined;
    const gid = mount.gidMappings !== undefined;
    if (uid && !gid) throw new InvalidConfigError(`/mounts/${i}/gidMappings`, 'is required when uidMappings is set');
    if (gid && !uid) throw new InvalidConfigError(`/mounts/${i}/uidMappings`, 'is required when gidMappings is set');
  });
}

/** listenerMetadata MUST NOT be set without listenerPath (config-linux.md "Seccomp"). */
function checkSeccomp(spec: Spec): void {
  const seccomp = spec.linux?.seccomp;
  if (seccomp && seccomp.listenerMetadata !== undefined && !seccomp.listenerPath) {
    throw new InvalidConfigError('/linux/seccomp/listenerMetadata', 'must not be set without listenerPath');
  }
}

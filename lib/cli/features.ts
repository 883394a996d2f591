/**
 * The OCI Features structure (features.md, features-linux.md) that
 * `kapsel features` prints. It claims only what kapsel implements, field by
 * field: Intel RDT (plan/supported.ts refuses it) is not applied, so it is
 * reported as disabled (features.md: absent or null would mean "unknown",
 * false means "no"). AppArmor and SELinux are applied (plan/labels.ts):
 * enabled, whatever this host has, as features-linux.md defines the field
 * ("irrelevant to the availability ... on the host") and runc reports it. cgroups v1 and v2 are
 * applied (lib/cgroups). Id-mapped bind mounts and network devices are
 * applied (plan/idmap-mounts.ts). The memory policy lists the modes and
 * flags config validation recognizes (config/process-attrs.ts). Seccomp is read
 * from the libseccomp and kernel present (lib/seccomp/features.ts).
 */
import { inUserNamespace as runningInUserNamespace } from '../state/root';
import { OCI_VERSION } from '../config/default-spec';
import { MEMORY_POLICY_FLAGS, MEMORY_POLICY_MODES } from '../config/process-attrs';
import type { HookName } from '../config/types';
import { CAPABILITIES } from '../native/constants';
import { MOUNT_OPTION_NAMES } from '../plan/mount-options';
import { NAMESPACE_FLAGS } from '../plan/namespaces';
import { seccompAnnotations, seccompFeatures, type SeccompFeatures } from '../seccomp';

/** The Features structure, as far as kapsel fills it in. */
export interface Features {
  ociVersionMin: string;
  ociVersionMax: string;
  hooks: HookName[];
  mountOptions: string[];
  linux: {
    namespaces: string[];
    capabilities: string[];
    cgroup: { v1: boolean; v2: boolean; systemd: boolean; systemdUser: boolean; rdma: boolean };
    seccomp: SeccompFeatures;
    apparmor: { enabled: boolean };
    selinux: { enabled: boolean };
    intelRdt: { enabled: boolean };
    mountExtensions: { idmap: { enabled: boolean } };
    netDevices: { enabled: boolean };
    memoryPolicy: { modes: string[]; flags: string[] };
  };
  annotations: Record<string, string>;
}

/** Oldest config ociVersion kapsel accepts (any 1.x config validates). */
export const OCI_VERSION_MIN = '1.0.0';

/** Every hook kind, in lifecycle order; all of them run. */
const HOOKS: HookName[] = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];

/** The features kapsel implements. */
export function features(): Features {
  return {
    ociVersionMin: OCI_VERSION_MIN,
    ociVersionMax: OCI_VERSION,
    hooks: [...HOOKS],
    mountOptions: [...MOUNT_OPTION_NAMES],
    linux: {
      namespaces: Object.keys(NAMESPACE_FLAGS).sort(),
      // In capability-number order, as runc lists them.
      capabilities: Object.entries(CAPABILITIES)
        .sort(([, a], [, b]) => a - b)
        .map(([name]) => name),
      // lib/cgroups: both versions (and rdma limits); the systemd driver (cgroups/systemd*.ts) for the system manager; systemd --user is refused for now.
      cgroup: { v1: true, v2: true, systemd: true, systemdUser: false, rdma: true },
      seccomp: seccompFeatures(),
      apparmor: { enabled: true },
      selinux: { enabled: true },
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: true } },
      netDevices: { enabled: true },
      memoryPolicy: { modes: Object.keys(MEMORY_POLICY_MODES), flags: Object.keys(MEMORY_POLICY_FLAGS) },
    },
    annotations: {
      ...seccompAnnotations(),
      // runc-style runtime facts: how cgroups behave when rootless, and
      // which rule applies to this caller (lib/container/cgroups.ts).
      'io.kapsel.cgroups.rootless':
        'an unprivileged user: delegated cgroup v2 subtrees only; uid 0 in a user namespace: the cgroups it can write; otherwise no cgroup, with a warning',
      'io.kapsel.cgroups.manager': cgroupManager(),
    },
  };
}

/** Which cgroup rule applies to this process: "rootless" for an unprivileged user or uid 0 in a user namespace. */
function cgroupManager(): string {
  if (process.geteuid!() !== 0) return 'rootless (unprivileged user)';
  return runningInUserNamespace() ? 'rootless (uid 0 in a user namespace)' : 'privileged';
}

/** A fake host and image for compilePlan: a plan depends on nothing else. */
import type { LinuxNamespaceType } from '../../lib/config/types';
import { DEFAULT_DEVICES } from '../../lib/plan/default-devices';
import { deviceKey, type HostFacts, type LsmFacts, type NamespaceId, type NotifySocketFact, type PlanFacts, type SeccompFacts } from '../../lib/plan/plan-facts';

export interface FakeFacts {
  unprivileged?: boolean;
  inUserNamespace?: boolean;
  joinedRuntimeNamespaces?: LinuxNamespaceType[];
  /** The runtime's and pid 1's mount namespaces; default: two made-up ones. */
  hostNamespaceIds?: HostFacts['hostNamespaceIds'];
  cgroup2?: boolean;
  /** The container's cgroups (plan/cgroup-view.ts); default none known. */
  cgroupView?: HostFacts['cgroupView'];
  /** Where the container's cgroups go (plan/runtime-cgroups.ts); default none planned. */
  cgroups?: HostFacts['cgroups'];
  directories?: string[];
  runtimeEnv?: string[];
  /** Host device nodes by deviceKey; default: the default devices at their /dev paths. */
  devices?: Map<string, string>;
  resctrl?: boolean;
  passwd?: PlanFacts['image']['passwd'];
  /** The host's security modules; default none (an exec profile would go to attr/apparmor/exec). */
  lsm?: Partial<LsmFacts>;
  /** What the runtime found at NOTIFY_SOCKET's path; default none. */
  notifySocket?: NotifySocketFact;
  /** The host interfaces' permanent global addresses (HostFacts.netDeviceAddresses); default none read. */
  netDeviceAddresses?: Record<string, string[]>;
  /** What the kernel and libseccomp offer (HostFacts.seccomp); default none known (nothing checked). */
  seccomp?: SeccompFacts;
  /** The runtime's own bounding set (hex, as /proc/self/status CapBnd); default none known (everything grantable). */
  runtimeBoundingSet?: string;
}

export function fakeFacts(edit: FakeFacts = {}): PlanFacts {
  const host: HostFacts = {
    unprivileged: edit.unprivileged ?? false,
    inUserNamespace: edit.inUserNamespace ?? false,
    joinedRuntimeNamespaces: new Set(edit.joinedRuntimeNamespaces ?? []),
    hostNamespaceIds: edit.hostNamespaceIds ?? {
      mnt: [{ dev: 4, ino: 4026531841 }, { dev: 4, ino: 4026531840 }],
      net: [{ dev: 4, ino: 4026531992 }],
      ipc: [{ dev: 4, ino: 4026531839 }],
      uts: [{ dev: 4, ino: 4026531838 }],
    },
    cgroup2: edit.cgroup2 ?? false,
    ...(edit.runtimeBoundingSet !== undefined ? { runtimeBoundingSet: edit.runtimeBoundingSet } : {}),
    ...(edit.cgroupView ? { cgroupView: edit.cgroupView } : {}),
    ...(edit.cgroups ? { cgroups: edit.cgroups } : {}),
    directories: new Set(edit.directories ?? []),
    devices: edit.devices ?? new Map(DEFAULT_DEVICES.map((d) => [deviceKey('c', d.major, d.minor), d.path])),
    runtimeEnv: edit.runtimeEnv ?? ['RUNTIME=env'],
    resctrl: edit.resctrl ?? false,
    lsm: { selinux: false, apparmor: false, apparmorExecAttr: 'attr/apparmor/exec', ...edit.lsm },
    ...(edit.notifySocket ? { notifySocket: edit.notifySocket } : {}),
    ...(edit.netDeviceAddresses ? { netDeviceAddresses: new Map(Object.entries(edit.netDeviceAddresses)) } : {}),
    ...(edit.seccomp ? { seccomp: edit.seccomp } : {}),
  };
  return { host, image: { passwd: edit.passwd ?? [] } };
}

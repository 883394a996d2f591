/**
 * What a plan takes besides the config: the shape of the facts about the
 * host and the container image (lib/host/facts.ts gathers them from this
 * host; a test or a library user may write them by hand), and the keys
 * the plan looks them up by. Types and pure helpers only: the plan
 * compiler depends on this module, never on the gathering.
 */
import * as path from 'node:path';
import { checkArgs, int, oneOf } from '../args';
import type { LinuxNamespaceType } from '../config/types';
import type { ActionName, FlagName } from '../config/seccomp/names';
import type { CgroupViewFacts } from './cgroup-view';
import type { CgroupFacts } from './runtime-cgroups';
import type { CheckedNamespace } from './steps';

/** Facts about the host the container is created on. */
export interface HostFacts {
  /**
   * /sys/fs/cgroup is a cgroup2 mount (a pure v2 host): a cgroup mount is
   * then a cgroup2 one (plan/cgroup-mounts.ts), else the v1 hierarchies.
   */
  cgroup2: boolean;
  /**
   * The container's own cgroups on this host (plan/cgroup-view.ts): what
   * its cgroup mount shows. Absent in hand-made facts: the mount then
   * shows no cgroup (never the host's hierarchy).
   */
  cgroupView?: CgroupViewFacts;
  /**
   * Where the container's cgroups go on this host (the layout and the
   * directories), or why it gets none (container/cgroups.ts gathers it);
   * the plan's cgroup part comes from it (plan/runtime-cgroups.ts).
   * Absent in hand-made facts: no cgroup is planned.
   */
  cgroups?: CgroupFacts;
  /**
   * The runtime lacks CAP_SETUID/CAP_SETGID in its own user namespace: it is
   * not uid 0 there, or setgroups is already denied there (a rootless
   * parent). A new user namespace must then deny setgroups before its
   * gid_map is written, and the process cannot set additional groups.
   */
  unprivileged: boolean;
  /**
   * The runtime's own capability bounding set (CapBnd of /proc/self/status,
   * hex). A capability outside it cannot be granted to the container: not
   * by capset, nor kept across the execve in a new user namespace, whose
   * bounding set is inherited. The plan leaves such a capability out with
   * a warning (config.md: runtimes SHOULD NOT fail on capabilities that
   * cannot be granted, and MUST log them). Absent in hand-made facts:
   * every capability can be granted.
   */
  runtimeBoundingSet?: string;
  /**
   * The runtime itself runs in a user namespace other than the initial one
   * (rootless podman calls it as uid 0 there): mknod of devices is refused
   * even without a user namespace in the config, so they are bind-mounted.
   */
  inUserNamespace: boolean;
  /**
   * Namespace types the config joins by a path that is the runtime's own
   * namespace of that type, or pid 1's (same device and inode as
   * /proc/self/ns/X or /proc/1/ns/X; a runtime in a mount namespace of a
   * service's own is still on the host): setting a sysctl there would
   * change the host's, and a rootfs set up there would stay in the host's
   * mount table (plan/mount-namespace.ts).
   */
  joinedRuntimeNamespaces: ReadonlySet<LinuxNamespaceType>;
  /**
   * The namespaces of the runtime and of pid 1 (those it can stat), by
   * /proc/self/ns name: an init that joined one of these kinds by path
   * checks, before it mounts, writes a sysctl or sets a name there, that
   * it is in neither (the path is looked at twice; a /proc/PID path may
   * name another process by then). Absent in hand-made facts: nothing is
   * checked then.
   */
  hostNamespaceIds?: Readonly<Partial<Record<CheckedNamespace, readonly NamespaceId[]>>>;
  /**
   * Host paths among the mount sources (resolved as hostSourcePath does)
   * that are directories: a bind target is created as a directory for
   * those and as a file for the others.
   */
  directories: ReadonlySet<string>;
  /**
   * Host device nodes, by deviceKey(type, major, minor): the canonical host
   * path of a node that is that device (stat: type and rdev). A device
   * bound into a user namespace is bound from here, never from a path the
   * config names (the init checks the node again on its fd).
   */
  devices: ReadonlyMap<string, string>;
  /**
   * The runtime's own environment ("KEY=value"), of which the plan reads
   * NOTIFY_SOCKET only (plan/notify-socket.ts). A hook without `env` gets
   * the runtime's environment too (as runc's and crun's do: Go's exec.Cmd
   * with a nil Env), but not through the plan: a plan never holds it
   * (plan/hooks.ts); the launch encodes it for the init.
   */
  runtimeEnv: readonly string[];
  /**
   * A resctrl filesystem is mounted at /sys/fs/resctrl (Intel RDT / AMD
   * QoS): linux.intelRdt is refused either way, with the reason
   * (supported.ts).
   */
  resctrl: boolean;
  /** The Linux security modules enabled on the host (gatherLsmFacts). */
  lsm?: LsmFacts;
  /**
   * What the runtime's NOTIFY_SOCKET names, by lstat from the runtime's
   * (the host's) view: plan/notify-socket.ts binds only a socket, the very
   * inode seen here. Absent when the variable is unset or no path.
   */
  notifySocket?: NotifySocketFact;
  /**
   * linux.netDevices: the permanent global addresses of each host
   * interface the config moves ("ADDRESS/PREFIX", or with " peer PEER";
   * native/addon/netdev.cc), read before the move, since the kernel drops
   * them on a namespace change: the init adds them again inside. A device
   * the host does not have has no entry (its move fails and says so).
   */
  netDeviceAddresses?: ReadonlyMap<string, readonly string[]>;
  /**
   * linux.seccomp: what this host's kernel and libseccomp offer
   * (lib/host/seccomp.ts), gathered only for a config with a profile. The
   * plan refuses a flag or an action the kernel lacks, naming the field
   * (plan/seccomp.ts), so that it never probes the kernel itself. Absent in
   * hand-made facts: nothing is checked then.
   */
  seccomp?: SeccompFacts;
}

/** HostFacts.seccomp. */
export interface SeccompFacts {
  /** The version of libseccomp.so.2 ("2.5.4"); absent when it cannot be loaded (the compiler then says so). */
  libseccomp?: string;
  /** The filter flags a config may name that the kernel has (seccomp(2) probed with each). */
  flags: readonly FlagName[];
  /** The actions the kernel has (SECCOMP_GET_ACTION_AVAIL). */
  actions: readonly ActionName[];
}

/**
 * lstat of NOTIFY_SOCKET's path (the last component not followed): its
 * kind, and for a socket its st_dev and st_ino (decimal text: exact for
 * any 64-bit value, and plain data for the plan cache's key); `error` is
 * the errno name when lstat failed.
 */
export type NotifySocketFact =
  | {
      /** NOTIFY_SOCKET's path. */
      path: string;
      /** It is a socket. */
      kind: 'socket';
      /** Its st_dev, decimal. */
      dev: string;
      /** Its st_ino, decimal. */
      ino: string;
    }
  | {
      /** NOTIFY_SOCKET's path. */
      path: string;
      /** What it is instead of a socket. */
      kind: 'symlink' | 'directory' | 'regular file' | 'device' | 'fifo';
    }
  | {
      /** NOTIFY_SOCKET's path. */
      path: string;
      /** lstat failed. */
      kind: 'error';
      /** The errno name of the failure ("ENOENT"). */
      error: string;
    };

/**
 * The Linux security modules enabled on the host, detected as runc
 * (go-selinux, libcontainer/apparmor) detects them, and where the init
 * writes an AppArmor exec profile. plan/labels.ts decides from these.
 */
export interface LsmFacts {
  /**
   * A writable selinuxfs is mounted (found through /proc/self/mountinfo,
   * checked with statfs) and a policy is loaded (our context is not
   * "kernel"). A read-only selinuxfs, as inside a container, means
   * disabled, as go-selinux reads it.
   */
  selinux: boolean;
  /** securityfs has /sys/kernel/security/apparmor and /sys/module/apparmor/parameters/enabled says "Y". */
  apparmor: boolean;
  /**
   * The file below /proc/thread-self that takes "exec PROFILE":
   * attr/apparmor/exec where the kernel has the per-LSM directory (Linux
   * 5.8+), else the shared attr/exec (runc's fallback).
   */
  apparmorExecAttr: 'attr/apparmor/exec' | 'attr/exec';
}

/** A namespace as the kernel tells them apart: the device and inode of its nsfs file. */
export interface NamespaceId {
  /** st_dev of the nsfs file. */
  dev: number;
  /** st_ino of the nsfs file. */
  ino: number;
}

/** One line of the image's /etc/passwd. */
export interface PasswdEntry {
  /** The user name. */
  name: string;
  /** The user id. */
  uid: number;
  /** The primary group id. */
  gid: number;
  /** The home directory (HOME for a process without one in its env). */
  home: string;
}

/** Facts about the container image, read inside the rootfs (never through host path resolution). */
export interface ImageFacts {
  /** The entries of the image's /etc/passwd; empty when it has none. */
  passwd: readonly PasswdEntry[];
}

/**
 * Everything the plan compiler knows about the world: the host's facts
 * and the image's. Gathered read-only ({@link gatherFacts}), or written by
 * hand to plan for a made-up host in a unit test.
 */
export interface PlanFacts {
  /** What the host has (kernel features, LSMs, cgroups, the runtime's ids). */
  host: HostFacts;
  /** What the image has (its /etc/passwd). */
  image: ImageFacts;
}

/** The host path a mount source names: absolute, or relative to the bundle (config.md "Mounts"). */
export function hostSourcePath(bundle: string, source: string): string {
  return path.posix.resolve(bundle, source);
}

const DEVICE_TYPE = oneOf('c', 'b');
/**
 * Any integer: config.json's numbers are int64, and one the host has no
 * device for must reach the plan's own error (naming the config's field),
 * not fail here.
 */
const DEVICE_NUMBER = int(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);

/** The key of a device in HostFacts.devices: "c 1:3". */
export function deviceKey(type: 'c' | 'b', major: number, minor: number): string {
  checkArgs([type, 'type', DEVICE_TYPE], [major, 'major', DEVICE_NUMBER], [minor, 'minor', DEVICE_NUMBER]);
  return `${type} ${major}:${minor}`;
}

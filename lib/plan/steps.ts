/**
 * The launch plan: what the init helper (native/init) does inside the new
 * namespaces, as an ordered list of small steps with every argument already
 * resolved. Each step is one syscall-level action; `native/init/step_types.h`
 * has the matching C++ struct per op (its fields, in the order of
 * encode.ts) and `native/init/steps.cc` runs them. A plan is plain data: it
 * can be printed (`kapsel plan`), compared and unit-tested without root,
 * and decoded by the init's own readers without running anything
 * (`kapsel-init --dry-run`, test/unit/plan-wire.test.ts).
 */
import type { HookName, LinuxIDMapping } from '../config/types';
import type { JoinNamespace } from '../native/addon';
import type { SeccompSummary } from '../seccomp/summary';
import type { NormalizedProfileJSON } from '../config/seccomp/normalize';
import type { CgroupPlan } from './runtime-cgroups';

/*
 * Wire enums: a value of one of these lists travels as its index in the
 * list, and native/init/wire_enums.h declares the same list, in the same
 * order, as a C++ enum (with these names for the dry-run printer). The C++
 * side compares enum values, never strings; test/unit/plan-wire.test.ts
 * sends every value of every list through the C++ decoder, so a list
 * reordered or extended on one side only fails there.
 */

/** The namespaces a joined one is checked for on arrival (check-ns): /proc/self/ns names. */
export const CHECKED_NAMESPACES = ['mnt', 'net', 'ipc', 'uts'] as const;
/** A namespace a joined one is checked for: 'mnt', 'net', 'ipc' or 'uts'. */
export type CheckedNamespace = (typeof CHECKED_NAMESPACES)[number];

/**
 * A 64-bit unsigned value (capability masks, rlimits, scheduler times,
 * device and inode numbers) as decimal text: JSON has no 64-bit integers,
 * and a plan is plain JSON (JSON.stringify works on it as it is). The wire
 * carries numbers as decimal text anyway (record.ts), so the init reads
 * the same bytes as from a number.
 */
export type U64 = string;

/** Points where the init helper hands control to the runtime process. */
export const SYNC_POINTS = ['runtime-hooks'] as const;
/** A point where the init hands control to the runtime: 'runtime-hooks'. */
export type SyncPoint = (typeof SYNC_POINTS)[number];

/** Hooks the init helper runs inside the container's namespaces. */
export const HOOKS_IN_CONTAINER = ['createContainer', 'startContainer'] as const;
/** A hook list the init runs: 'createContainer' or 'startContainer'. */
export type HookInContainer = (typeof HOOKS_IN_CONTAINER)[number];

/** A device node's type, as linux.devices gives it: character, block, fifo. */
export const DEVICE_TYPES = ['c', 'b', 'p'] as const;
/** A device node's type: 'c' (character), 'b' (block) or 'p' (fifo). */
export type DeviceType = (typeof DEVICE_TYPES)[number];

/**
 * What a mount step mounts, where the init guards it: a procfs or sysfs
 * must land on an ordinary directory (no symlink on the way), and on /proc
 * itself only a new procfs may be mounted (native/init/proc_guard.h).
 */
export const MOUNT_FILESYSTEMS = ['other', 'proc', 'sysfs'] as const;
/** Which guard a mount's target gets: 'proc', 'sysfs' or 'other'. */
export type MountFilesystem = (typeof MOUNT_FILESYSTEMS)[number];

/** A create plan (waits for start) or an exec plan (runs at once). */
export const PLAN_KINDS = ['create', 'exec'] as const;
/** 'create' (waits for start) or 'exec' (runs at once). */
export type PlanKind = (typeof PLAN_KINDS)[number];

/**
 * The procfs the init opens at start for its own /proc files: the one it
 * sees (the host's, in a copy of the runtime's mount namespace, or the
 * runtime's own for an exec into a container without a mount namespace),
 * or a private one of the container's pid namespace (an exec plan inside
 * the container's mount namespace, whose /proc is never trusted:
 * native/init/exec_procfs.h).
 */
export const PROCFS_SOURCES = ['host', 'private'] as const;
/** The procfs the init opens at start: 'host' (the one it sees) or 'private' (a new one of the container's pid namespace). */
export type ProcfsSource = (typeof PROCFS_SOURCES)[number];

/** The header step, first in every plan: what the init must know before "go". */
export type PlanHeader = Extract<Step, { op: 'header' }>;

/**
 * One step of a launch plan: `op` says which, the other fields are its
 * arguments, every one resolved. The init runs them in order and stops at
 * the first that fails (a SyscallError naming the step's index and op).
 */
export type Step =
  /**
   * The plan's header, always step 0 (native/init/main.cc reads it before
   * anything else): the plan's kind, the procfs the init opens at start,
   * and the container paths below /proc that a bind may cover (lxcfs's
   * files; plan/header.ts). Executing it does nothing.
   */
  | {
      /** Which step this is. */
      op: 'header';
      /** A create plan (waits for start) or an exec plan. */
      kind: PlanKind;
      /** Which procfs the init opens at start. */
      procfs: ProcfsSource;
      /** Container paths below /proc that a bind may cover. */
      procBinds: string[];
    }
  /** Container paths of later steps resolve below this host path ('' after pivot_root). */
  | {
      /** Which step this is. */
      op: 'root';
      /** The host path container paths resolve below; '' after pivot_root. */
      path: string;
    }
  /**
   * mount(2). `inContainer`: target is a container path, resolved below the
   * root without leaving it. `filesystem` says which guard applies to it
   * (MOUNT_FILESYSTEMS); `inheritMode`: the new filesystem (a tmpfs without
   * mode=) gets the mode of the directory it covers (plan/mount-fields.ts).
   */
  | {
      /** Which step this is. */
      op: 'mount';
      /** mount(2) source (a host path for a bind). */
      source: string;
      /** Where: a container path when `inContainer`, else a host path. */
      target: string;
      /** The filesystem type ("proc", "tmpfs", "" for a bind). */
      fstype: string;
      /** MS_* flags. */
      flags: number;
      /** Filesystem options ("mode=755,size=65536k"). */
      data: string;
      /** `target` is a container path, resolved below the root without leaving it. */
      inContainer: boolean;
      /** Which guard applies to the target. */
      filesystem: MountFilesystem;
      /** The new filesystem gets the mode of the directory it covers. */
      inheritMode: boolean;
    }
  /** mount_setattr(2) on a container path: MOUNT_ATTR_* bits to set/clear, propagation, recursively or not. */
  | {
      /** Which step this is. */
      op: 'setattr';
      /** The container path. */
      target: string;
      /** MOUNT_ATTR_* bits to set. */
      set: number;
      /** MOUNT_ATTR_* bits to clear. */
      clear: number;
      /** MS_SHARED, MS_SLAVE, MS_PRIVATE or MS_UNBINDABLE; 0 leaves it. */
      propagation: number;
      /** Apply to the whole tree below too (AT_RECURSIVE). */
      recursive: boolean;
    }
  /** mkdir -p of a container path. */
  | {
      /** Which step this is. */
      op: 'mkdir';
      /** The container path. */
      path: string;
      /** Permission bits of the directories made. */
      mode: number;
    }
  /** Creates an empty file (and its parents), a target for a file bind mount. */
  | {
      /** Which step this is. */
      op: 'touch';
      /** The container path. */
      path: string;
    }
  | {
      /** Which step this is. */
      op: 'mknod';
      /** The container path. */
      path: string;
      /** Character, block or fifo. */
      type: DeviceType;
      /** Permission bits (the config's fileMode, default 0666). */
      mode: number;
      /** The device's major number. */
      major: number;
      /** The device's minor number. */
      minor: number;
      /** The node's owner. */
      uid: number;
      /** The node's group. */
      gid: number;
    }
  /**
   * A symlink at a container path (only its parent is resolved). Something
   * already there is kept, unless `replace`: then it is unlinked first (the
   * /dev/ptmx link, which stands in for whatever node was there).
   */
  | {
      /** Which step this is. */
      op: 'symlink';
      /** What the link points to. */
      target: string;
      /** The container path of the link. */
      path: string;
      /** Unlink whatever is at `path` first. */
      replace: boolean;
    }
  /**
   * maskedPaths entry. The init stats the path and does what the plan says
   * for each case: a directory gets a new `dirFstype` filesystem (source =
   * type) with `dirFlags` and `dirData`, anything else a bind of
   * `fileSource`; a missing path is skipped when `missingOk`.
   */
  | {
      /** Which step this is. */
      op: 'mask';
      /** The container path to mask. */
      path: string;
      /** Skip a path that does not exist. */
      missingOk: boolean;
      /** For a directory: the filesystem mounted over it. */
      dirFstype: string;
      /** Its MS_* flags. */
      dirFlags: number;
      /** Its options. */
      dirData: string;
      /** For anything else: the host path bound over it. */
      fileSource: string;
    }
  /** readonlyPaths entry: a read-only recursive copy of the mounts at the path, over it; skipped when missing and `missingOk`. */
  | {
      /** Which step this is. */
      op: 'readonly';
      /** The container path. */
      path: string;
      /** Skip a path that does not exist. */
      missingOk: boolean;
    }
  | {
      /** Which step this is. */
      op: 'pivot-root';
      /** The host path of the new root. */
      rootfs: string;
    }
  /** --no-pivot: MS_MOVE the rootfs over / and chroot. */
  | {
      /** Which step this is. */
      op: 'move-root';
      /** The host path of the new root. */
      rootfs: string;
    }
  /** Wait for the runtime process to do its part (e.g. run hooks in the runtime namespace). */
  | {
      /** Which step this is. */
      op: 'sync';
      /** Which hand-over this is. */
      name: SyncPoint;
    }
  /**
   * Runs a hook from inside the container's namespaces (state JSON on
   * stdin).
   */
  | {
      /** Which step this is. */
      op: 'hook';
      /** Which hook list. */
      kind: HookInContainer;
      /** The hook's executable. */
      path: string;
      /** Seconds before it is killed; 0 for none. */
      timeout: number;
      /** Its argv. */
      args: string[];
      /**
       * Its environment ("KEY=VALUE"). Absent: the runtime's own
       * environment, which the plan never holds (plan/hooks.ts); the
       * encoder sends the launching runtime's.
       */
      env?: string[];
    }
  /**
   * Writes /proc/sys/<key with dots as slashes>, for the init's own
   * namespaces, through the procfs fd the init verified at start.
   */
  | {
      /** Which step this is. */
      op: 'sysctl';
      /** The sysctl, dotted ("net.ipv4.ip_forward"). */
      key: string;
      /** What is written. */
      value: string;
    }
  /**
   * process.terminal: a pty from the container's devpts; the slave becomes
   * /dev/console, stdio and the controlling terminal; the master goes to the
   * console socket (an inherited fd). rows/cols 0: size not set.
   * `bindConsole` false (an exec plan): the container's /dev/console is
   * left alone, the pty is only the process's own terminal.
   */
  | {
      /** Which step this is. */
      op: 'console';
      /** The inherited fd of the console socket. */
      socketFd: number;
      /** Terminal rows; 0: not set. */
      rows: number;
      /** Terminal columns; 0: not set. */
      cols: number;
      /** Bind the pty slave at /dev/console (create) or not (exec). */
      bindConsole: boolean;
    }
  /** personality(2): the execution domain (LINUX, LINUX32). */
  | {
      /** Which step this is. */
      op: 'personality';
      /** The personality(2) value. */
      persona: number;
    }
  | {
      /** Which step this is. */
      op: 'hostname';
      /** The hostname. */
      name: string;
    }
  | {
      /** Which step this is. */
      op: 'domainname';
      /** The NIS domain name. */
      name: string;
    }
  /** prlimit(2) on the init; `type` (RLIMIT_NOFILE...) names it in errors. */
  | {
      /** Which step this is. */
      op: 'rlimit';
      /** The limit's name, for errors. */
      type: string;
      /** The RLIMIT_* number. */
      resource: number;
      /** rlim_cur. */
      soft: U64;
      /** rlim_max. */
      hard: U64;
    }
  /** Drops every capability not in `keep` from the bounding set. */
  | {
      /** Which step this is. */
      op: 'bounding';
      /** The capabilities kept, as a bit mask. */
      keep: U64;
    }
  | {
      /** Which step this is. */
      op: 'keep-caps';
      /** PR_SET_KEEPCAPS on (across the uid change) or off. */
      keep: boolean;
    }
  | {
      /** Which step this is. */
      op: 'setgroups';
      /** The supplementary group ids. */
      gids: number[];
    }
  | {
      /** Which step this is. */
      op: 'setresgid';
      /** The real, effective and saved gid. */
      gid: number;
    }
  | {
      /** Which step this is. */
      op: 'setresuid';
      /** The real, effective and saved uid. */
      uid: number;
    }
  | {
      /** Which step this is. */
      op: 'capset';
      /** The effective set, a bit mask. */
      effective: U64;
      /** The permitted set, a bit mask. */
      permitted: U64;
      /** The inheritable set, a bit mask. */
      inheritable: U64;
    }
  | {
      /** Which step this is. */
      op: 'ambient';
      /** The capabilities raised into the ambient set, a bit mask. */
      raise: U64;
    }
  | {
      /** Which step this is. */
      op: 'no-new-privs';
    }
  /**
   * seccomp(2) SECCOMP_SET_MODE_FILTER: `program` is the finished BPF
   * (struct sock_filter array), `flags` SECCOMP_FILTER_FLAG_*. With
   * `listenerFd` >= 0 (an inherited socket connected to linux.seccomp's
   * listenerPath) the filter gets a notify listener, sent over that socket
   * with go's seccompListenerMessage. `allowsIdleRelease`: the filter
   * plainly allows the syscalls of the init's memory release before the
   * wait for start (plan/seccomp.ts IDLE_RELEASE_SYSCALLS), so the init
   * may release under it. `summary` is for `kapsel plan` only (not sent to
   * the init). `profile`, with an empty `program`, in a plan made without a
   * seccomp compiler (plan/seccomp.ts PlanPrograms): the normalized profile
   * a compiler would have turned into the program; such a plan is one to
   * look at, and its empty program fails closed if ever installed.
   */
  | {
      /** Which step this is. */
      op: 'seccomp';
      /** The BPF program (struct sock_filter[]); empty in a plan made without a compiler. */
      program: Uint8Array;
      /** SECCOMP_FILTER_FLAG_* bits. */
      flags: number;
      /** The inherited socket the notify listener is sent over; -1 for none. */
      listenerFd: number;
      /** The filter plainly allows the syscalls of the init's memory release. */
      allowsIdleRelease: boolean;
      /** What the program does, for `kapsel plan` only. */
      summary?: SeccompSummary;
      /** The normalized profile, in a plan made without a compiler. */
      profile?: NormalizedProfileJSON;
    }
  | {
      /** Which step this is. */
      op: 'umask';
      /** The umask. */
      mask: number;
    }
  | {
      /** Which step this is. */
      op: 'chdir';
      /** The working directory, a container path. */
      path: string;
    }
  /**
   * Fails create early when the process binary cannot be found or executed.
   * A name without "/" is looked up in the directories of `searchPath` (as
   * execvp does; the init has no default of its own).
   */
  | {
      /** Which step this is. */
      op: 'check-exec';
      /** args[0]. */
      file: string;
      /** The process's environment. */
      env: string[];
      /** The PATH a name without "/" is looked up along. */
      searchPath: string;
    }
  /** Reports "created" to the runtime and blocks on the exec fifo until `start`. */
  | {
      /** Which step this is. */
      op: 'wait-start';
      /** The exec fifo's fd. */
      fifoFd: number;
    }
  /** execve(2) of args[0], looked up along `searchPath` like check-exec. */
  | {
      /** Which step this is. */
      op: 'exec';
      /** The argv. */
      args: string[];
      /** The environment. */
      env: string[];
      /** The PATH args[0] is looked up along. */
      searchPath: string;
    }
  /**
   * Writes `value` to the init's own /proc/thread-self/<attr> ("attr/exec",
   * "attr/apparmor/exec"), through its verified procfs: the LSM label the
   * next execve gives the process (plan/labels.ts). `what` names the
   * config field in errors.
   */
  | {
      /** Which step this is. */
      op: 'exec-label';
      /** The config field, for errors. */
      what: string;
      /** The /proc/thread-self file ("attr/exec"). */
      attr: string;
      /** The label. */
      value: string;
    }
  /**
   * A device in a user namespace: the host node `source` (found by type and
   * number, facts.ts), verified on its fd to be that device, bound nosuid
   * and noexec onto the container path.
   */
  | {
      /** Which step this is. */
      op: 'bind-device';
      /** The container path. */
      path: string;
      /** Character or block. */
      type: Exclude<DeviceType, 'p'>;
      /** The device's major number. */
      major: number;
      /** The device's minor number. */
      minor: number;
      /** The host node of that device. */
      source: string;
    }
  /**
   * A host socket bound onto a container path (the runtime's
   * NOTIFY_SOCKET, plan/notify-socket.ts): the init opens `source`
   * O_PATH|O_NOFOLLOW and binds from that fd, read-only, nosuid, nodev and
   * noexec, only when it is a socket and the very inode (st_dev, st_ino)
   * the runtime found there; `what` ("NOTIFY_SOCKET") names it in errors.
   */
  | {
      /** Which step this is. */
      op: 'bind-socket';
      /** What it is, for errors ("NOTIFY_SOCKET"). */
      what: string;
      /** The host socket's path. */
      source: string;
      /** The socket's st_dev, as the runtime found it. */
      dev: U64;
      /** The socket's st_ino, as the runtime found it. */
      ino: U64;
      /** The container path. */
      target: string;
    }
  /**
   * A tmpfs mount with "tmpcopyup": the directory's contents are copied,
   * through fds, into the new tmpfs before it is attached over it.
   * `inheritMode` as for a mount.
   */
  | {
      /** Which step this is. */
      op: 'tmpfs-copyup';
      /** The container directory. */
      target: string;
      /** MS_* flags of the tmpfs. */
      flags: number;
      /** Its options. */
      data: string;
      /** The tmpfs gets the directory's mode. */
      inheritMode: boolean;
    }
  /**
   * unshare(2) of CLONE_NEW* `flags` by the init, after "go": the cgroup
   * namespace, so that it is rooted at the cgroups the runtime placed the
   * init in (v1 hierarchies are written after clone), as runc does.
   */
  | {
      /** Which step this is. */
      op: 'unshare';
      /** CLONE_NEW* flags. */
      flags: number;
    }
  /**
   * sched_setaffinity(2) of the init to `cpus` (process.execCPUAffinity);
   * `what` names the config field in errors, as in the ops below.
   */
  | {
      /** Which step this is. */
      op: 'affinity';
      /** The config field, for errors. */
      what: string;
      /** The CPU numbers. */
      cpus: number[];
    }
  /** sched_setattr(2): SCHED_* policy and SCHED_FLAG_* bits, nice, static priority, SCHED_DEADLINE times in ns. */
  | {
      /** Which step this is. */
      op: 'scheduler';
      /** The config field, for errors. */
      what: string;
      /** The SCHED_* policy. */
      policy: number;
      /** SCHED_FLAG_* bits. */
      flags: number;
      /** The nice value. */
      nice: number;
      /** The static priority. */
      priority: number;
      /** SCHED_DEADLINE runtime, ns. */
      runtime: U64;
      /** SCHED_DEADLINE deadline, ns. */
      deadline: U64;
      /** SCHED_DEADLINE period, ns. */
      period: U64;
    }
  /** ioprio_set(2) IOPRIO_WHO_PROCESS of the init: IOPRIO_CLASS_* and level 0..7. */
  | {
      /** Which step this is. */
      op: 'ioprio';
      /** The config field, for errors. */
      what: string;
      /** The IOPRIO_CLASS_* number. */
      ioClass: number;
      /** The level, 0 .. 7. */
      level: number;
    }
  /** set_mempolicy(2): MPOL_* mode or'ed with MPOL_F_* flags, over the node numbers. */
  | {
      /** Which step this is. */
      op: 'mempolicy';
      /** The config field, for errors. */
      what: string;
      /** The MPOL_* mode (the init or's `flags` into it). */
      mode: number;
      /** The MPOL_F_* flags. */
      flags: number;
      /** The NUMA node numbers. */
      nodes: number[];
    }
  /**
   * Fails unless the init is in the new time namespace the spawner made for
   * it (its time and time_for_children namespaces are one): kernels before
   * 6.0 do not move an exec'ing process into it.
   */
  | {
      /** Which step this is. */
      op: 'check-timens';
    }
  /**
   * Attaches the id-mapped tree the runtime made (LaunchPlan.idmapTrees)
   * and passed as inherited fd `fd` onto container path `target`; `source`
   * names it in errors.
   */
  | {
      /** Which step this is. */
      op: 'attach-tree';
      /** The inherited fd of the tree. */
      fd: number;
      /** The tree's host source, for errors. */
      source: string;
      /** The container path. */
      target: string;
    }
  /** A new network namespace's loopback interface up (SIOCSIFFLAGS), as runc and crun leave it. */
  | {
      /** Which step this is. */
      op: 'loopback-up';
    }
  /**
   * linux.netDevices, the init's half (native/init/network.cc): the link
   * the runtime moved into the init's network namespace before "go" under
   * the temporary name `from` (LaunchPlan.netDevices) is renamed `to` (a
   * "%d" lets the kernel pick the number), given `addresses` (the host's
   * permanent global ones, "ADDRESS/PREFIX" or with " peer PEER") and
   * brought up, over rtnetlink from inside. `what` names the config field
   * in errors.
   */
  | {
      /** Which step this is. */
      op: 'netdev';
      /** The config field, for errors. */
      what: string;
      /** The temporary name it was moved in under. */
      from: string;
      /** Its name in the container. */
      to: string;
      /** The addresses it gets. */
      addresses: string[];
    }
  /**
   * chroot(2) into the host directory `rootfs`, no mount made: the root of
   * a container in the runtime's mount namespace (plan/mount-namespace.ts),
   * and of a process exec'd into one.
   */
  | {
      /** Which step this is. */
      op: 'chroot';
      /** The host directory. */
      rootfs: string;
    }
  /**
   * Fails unless the init's namespace of this kind (its /proc/self/ns name)
   * is none of the host's (parallel lists of nsfs dev and inode): before a
   * namespace joined by path gets a mount, a sysctl or a hostname.
   */
  | {
      /** Which step this is. */
      op: 'check-ns';
      /** Which namespace. */
      ns: CheckedNamespace;
      /** st_dev of the host's namespaces. */
      forbiddenDevs: number[];
      /** st_ino of the host's namespaces, parallel to `forbiddenDevs`. */
      forbiddenInodes: number[];
    };

export type StepOp = Step['op'];

/**
 * An id-mapped copy of a host mount tree, made by the runtime before the
 * init starts (native/addon/idmap.cc): `source` (its submounts too when
 * `recursive`), id-mapped (the submounts too when `recursiveIdmap`) by a
 * user namespace with these uid_map / gid_map lines.
 */
export interface IdmapTree {
  /** The host path of the tree. */
  source: string;
  /** Its submounts too. */
  recursive: boolean;
  /** The submounts id-mapped too. */
  recursiveIdmap: boolean;
  /** The uid_map lines of the mapping's user namespace. */
  uidMap: string;
  /** Its gid_map lines. */
  gidMap: string;
}

/** Where a hook runs: in the runtime's namespaces, or in the container's (run by the init). */
export type HookNamespace = 'runtime' | 'container';

/** One hook of the config, where and when it runs (plan/hooks.ts). */
export interface PlannedHook {
  /** The hook list it comes from (config.md "POSIX-platform Hooks"). */
  kind: HookName;
  /** Its position in that list (0-based): hooks of one list run in order. */
  index: number;
  /** The hook's executable (a host path, or a container path for the hooks the init runs). */
  path: string;
  /** argv, argv[0] included (the path when the config gives none). */
  args: string[];
  /** Its environment, as the config gives it; absent: it inherits the runtime's environment (never shown). */
  env?: string[];
  /** Seconds before it is killed; 0: no limit. */
  timeout: number;
  /** Whose namespaces it runs in. */
  namespace: HookNamespace;
  /** The operation that runs it. */
  operation: 'create' | 'start' | 'delete';
  /** The `status` of the state on its stdin. */
  status: 'creating' | 'created' | 'running' | 'stopped';
  /**
   * What its failure does: fails the operation (then the container is
   * destroyed and the poststop hooks run), or only a warning (poststop).
   */
  onFailure: 'fails' | 'warns';
}

/** Everything needed to start a container's init, besides the bundle itself. */
export interface LaunchPlan {
  /** CLONE_NEW* flags of the namespaces to create. */
  cloneFlags: number;
  /** Namespaces to join (setns) before the new ones are created, in order. */
  join: JoinNamespace[];
  /** Maps to write for a new user namespace (empty when there is none). */
  uidMappings: LinuxIDMapping[];
  /** The gid maps, as uidMappings. */
  gidMappings: LinuxIDMapping[];
  /** Write "deny" to /proc/PID/setgroups before gid_map (rootless). */
  denySetgroups: boolean;
  /**
   * With a new time namespace: the lines the spawner writes to its
   * timens_offsets before the init enters it (plan/time-namespace.ts).
   */
  timeOffsets?: string;
  /**
   * process.oomScoreAdj. Written by the spawner's child to its own
   * /proc/self/oom_score_adj before it execs the helper, and inherited from
   * there by the helper and everything it forks or execs (runc's nsexec sets
   * it before joining, the same way). Not a step of the init: a helper that
   * joined existing namespaces is non-dumpable with its memory owned by the
   * runtime's user namespace (native/common/join_protocol.h), so its own
   * /proc files belong to that namespace's root, and an unprivileged runtime's
   * helper could not open them.
   */
  oomScoreAdj?: number;
  /** Id-mapped trees to make and pass to the init, after its own fds (plan/idmap-mounts.ts). */
  idmapTrees?: IdmapTree[];
  /**
   * linux.netDevices: host interfaces the runtime moves into the init's
   * network namespace before "go", under the temporary name `moveAs`
   * (native/addon/netdev.cc); the plan's "netdev" steps name them `name`,
   * add `addresses` and bring them up inside. A failed create moves them
   * back with `addresses` (container/net-devices.ts).
   */
  netDevices?: Array<{
    /** The interface's name on the host. */
    hostName: string;
    /** The temporary name it is moved in under. */
    moveAs: string;
    /** Its name in the container. */
    name: string;
    /** Its addresses ("ADDRESS/PREFIX"). */
    addresses: string[];
  }>;
  /**
   * The container's cgroups: what create makes, writes, attaches and
   * where it places the init (plan/runtime-cgroups.ts); absent when it
   * makes none (an exec plan, a rootless runtime without a delegated
   * cgroup, hand-made facts without cgroups).
   */
  cgroups?: CgroupPlan;
  /**
   * Every hook of the config in the order the lifecycle runs it, with its
   * namespace, the status of the state it gets and what its failure does
   * (plan/hooks.ts); the in-container ones are also "hook" steps. Absent
   * in an exec plan (an exec runs no hook).
   */
  hooks?: PlannedHook[];
  /** Number of inherited fds besides stdio (fds 3 .. 3+preserveFds-1). */
  preserveFds: number;
  /**
   * The init helper's fds, by number (entry i is fd i, no gap): what the
   * launcher passes at each (container/launch.ts builds the child's fds
   * from this table only; fdTable says the order).
   */
  fds: FdSlot[];
  /** What the init does, in order; step 0 is the header. */
  steps: Step[];
  /**
   * linux.seccomp with SCMP_ACT_NOTIFY rules: the runtime connects to
   * `path` and passes the socket at helperFdLayout's listenerFd; the init
   * sends the listener fd there with the container process state.
   */
  seccompListener?: {
    /** linux.seccomp.listenerPath. */
    path: string;
    /** linux.seccomp.listenerMetadata. */
    metadata?: string;
  };
  /** Config the runtime accepted but does not apply yet (logged at create). */
  warnings: string[];
  /** Config ignored on purpose (SELinux labels without SELinux, plan/labels.ts): debug lines at create. */
  notes?: string[];
}

/** What an fd of the init helper is. */
export type FdRole = 'stdin' | 'stdout' | 'stderr' | 'preserved' | 'plan' | 'sync' | 'fifo' | 'console' | 'listener' | 'tree';

/**
 * Fd `fd` of the init helper. `n`: for "preserved", the caller's fd of
 * that number (3 + n: a passed fd keeps its number); for "tree", the
 * index in LaunchPlan.idmapTrees.
 */
export interface FdSlot {
  /** The fd number in the init helper. */
  fd: number;
  /** What it is. */
  role: FdRole;
  /** For "preserved" and "tree": which one (see above). */
  n?: number;
}

export interface HelperFdLayout {
  planFd: number;
  syncFd: number;
  /** The exec fifo's fd; -1 in an exec plan's layout. */
  fifoFd: number;
  /** The console socket's fd, when there is a terminal. */
  consoleFd: number;
  /** The seccomp listener socket's fd: after the console's when there is one. */
  listenerFd: number;
  /** The first id-mapped tree's fd (LaunchPlan.idmapTrees, in order): after whatever came last. */
  firstTreeFd: number;
}

/**
 * Where the runtime puts the init helper's own fds, after stdio and the
 * preserved fds, with no gap (native/init/main.cc marks every fd from the
 * plan fd up close-on-exec): plan, sync socket, exec fifo (not for exec),
 * console socket (with a terminal), seccomp listener socket (with a notify
 * listener), then the id-mapped trees.
 */
export function helperFdLayout(preserveFds: number, opts: { console?: boolean; fifo?: boolean; listener?: boolean } = {}): HelperFdLayout {
  const first = 3 + preserveFds;
  // An exec plan has no exec fifo (fifo: false): the fds after it move down one.
  const fifo = opts.fifo === false ? 0 : 1;
  const fifoFd = fifo ? first + 2 : -1;
  const consoleFd = first + 2 + fifo;
  const listenerFd = consoleFd + (opts.console ? 1 : 0);
  return { planFd: first, syncFd: first + 1, fifoFd, consoleFd, listenerFd, firstTreeFd: listenerFd + (opts.listener ? 1 : 0) };
}

/**
 * The named fd table of a plan: stdio, the preserved fds, then the
 * helper's own at helperFdLayout's numbers (plan, sync, exec fifo unless
 * `fifo` is false, console, listener, then `trees` id-mapped trees).
 */
export function fdTable(preserveFds: number, opts: { console?: boolean; fifo?: boolean; listener?: boolean; trees?: number } = {}): FdSlot[] {
  const layout = helperFdLayout(preserveFds, opts);
  const table: FdSlot[] = [
    { fd: 0, role: 'stdin' },
    { fd: 1, role: 'stdout' },
    { fd: 2, role: 'stderr' },
  ];
  for (let n = 0; n < preserveFds; n++) table.push({ fd: 3 + n, role: 'preserved', n });
  table.push({ fd: layout.planFd, role: 'plan' }, { fd: layout.syncFd, role: 'sync' });
  if (opts.fifo !== false) table.push({ fd: layout.fifoFd, role: 'fifo' });
  if (opts.console) table.push({ fd: layout.consoleFd, role: 'console' });
  if (opts.listener) table.push({ fd: layout.listenerFd, role: 'listener' });
  for (let n = 0; n < (opts.trees ?? 0); n++) table.push({ fd: layout.firstTreeFd + n, role: 'tree', n });
  return table;
}

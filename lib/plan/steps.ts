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
export type SyncPoint = (typeof SYNC_POINTS)[number];

/** Hooks the init helper runs inside the container's namespaces. */
export const HOOKS_IN_CONTAINER = ['createContainer', 'startContainer'] as const;
export type HookInContainer = (typeof HOOKS_IN_CONTAINER)[number];

/** A device node's type, as linux.devices gives it: character, block, fifo. */
export const DEVICE_TYPES = ['c', 'b', 'p'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

/**
 * What a mount step mounts, where the init guards it: a procfs or sysfs
 * must land on an ordinary directory (no symlink on the way), and on /proc
 * itself only a new procfs may be mounted (native/init/proc_guard.h).
 */
export const MOUNT_FILESYSTEMS = ['other', 'proc', 'sysfs'] as const;
export type MountFilesystem = (typeof MOUNT_FILESYSTEMS)[number];

/** A create plan (waits for start) or an exec plan (runs at once). */
export const PLAN_KINDS = ['create', 'exec'] as const;
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
export type ProcfsSource = (typeof PROCFS_SOURCES)[number];

/** The header step, first in every plan: what the init must know before "go". */
export type PlanHeader = Extract<Step, { op: 'header' }>;

export type Step =
  /**
   * The plan's header, always step 0 (native/init/main.cc reads it before
   * anything else): the plan's kind, the procfs the init opens at start,
   * and the container paths below /proc that a bind may cover (lxcfs's
   * files; plan/header.ts). Executing it does nothing.
   */
  | { op: 'header'; kind: PlanKind; procfs: ProcfsSource; procBinds: string[] }
  /** Container paths of later steps resolve below this host path ('' after pivot_root). */
  | { op: 'root'; path: string }
  /**
   * mount(2). `inContainer`: target is a container path, resolved below the
   * root without leaving it. `filesystem` says which guard applies to it
   * (MOUNT_FILESYSTEMS); `inheritMode`: the new filesystem (a tmpfs without
   * mode=) gets the mode of the directory it covers (plan/mount-fields.ts).
   */
  | { op: 'mount'; source: string; target: string; fstype: string; flags: number; data: string; inContainer: boolean; filesystem: MountFilesystem; inheritMode: boolean }
  /** mount_setattr(2) on a container path: MOUNT_ATTR_* bits to set/clear, propagation, recursively or not. */
  | { op: 'setattr'; target: string; set: number; clear: number; propagation: number; recursive: boolean }
  /** mkdir -p of a container path. */
  | { op: 'mkdir'; path: string; mode: number }
  /** Creates an empty file (and its parents), a target for a file bind mount. */
  | { op: 'touch'; path: string }
  | { op: 'mknod'; path: string; type: DeviceType; mode: number; major: number; minor: number; uid: number; gid: number }
  /**
   * A symlink at a container path (only its parent is resolved). Something
   * already there is kept, unless `replace`: then it is unlinked first (the
   * /dev/ptmx link, which stands in for whatever node was there).
   */
  | { op: 'symlink'; target: string; path: string; replace: boolean }
  /**
   * maskedPaths entry. The init stats the path and does what the plan says
   * for each case: a directory gets a new `dirFstype` filesystem (source =
   * type) with `dirFlags` and `dirData`, anything else a bind of
   * `fileSource`; a missing path is skipped when `missingOk`.
   */
  | { op: 'mask'; path: string; missingOk: boolean; dirFstype: string; dirFlags: number; dirData: string; fileSource: string }
  /** readonlyPaths entry: a read-only recursive copy of the mounts at the path, over it; skipped when missing and `missingOk`. */
  | { op: 'readonly'; path: string; missingOk: boolean }
  | { op: 'pivot-root'; rootfs: string }
  /** --no-pivot: MS_MOVE the rootfs over / and chroot. */
  | { op: 'move-root'; rootfs: string }
  /** Wait for the runtime process to do its part (e.g. run hooks in the runtime namespace). */
  | { op: 'sync'; name: SyncPoint }
  /**
   * Runs a hook from inside the container's namespaces (state JSON on
   * stdin). No `env`: the runtime's own environment, which the plan never
   * holds (plan/hooks.ts); the encoder sends the launching runtime's.
   */
  | { op: 'hook'; kind: HookInContainer; path: string; timeout: number; args: string[]; env?: string[] }
  /**
   * Writes /proc/sys/<key with dots as slashes>, for the init's own
   * namespaces, through the procfs fd the init verified at start.
   */
  | { op: 'sysctl'; key: string; value: string }
  /**
   * process.terminal: a pty from the container's devpts; the slave becomes
   * /dev/console, stdio and the controlling terminal; the master goes to the
   * console socket (an inherited fd). rows/cols 0: size not set.
   * `bindConsole` false (an exec plan): the container's /dev/console is
   * left alone, the pty is only the process's own terminal.
   */
  | { op: 'console'; socketFd: number; rows: number; cols: number; bindConsole: boolean }
  /** personality(2): the execution domain (LINUX, LINUX32). */
  | { op: 'personality'; persona: number }
  | { op: 'hostname'; name: string }
  | { op: 'domainname'; name: string }
  /** prlimit(2) on the init; `type` (RLIMIT_NOFILE...) names it in errors. */
  | { op: 'rlimit'; type: string; resource: number; soft: U64; hard: U64 }
  /** Drops every capability not in `keep` from the bounding set. */
  | { op: 'bounding'; keep: U64 }
  | { op: 'keep-caps'; keep: boolean }
  | { op: 'setgroups'; gids: number[] }
  | { op: 'setresgid'; gid: number }
  | { op: 'setresuid'; uid: number }
  | { op: 'capset'; effective: U64; permitted: U64; inheritable: U64 }
  | { op: 'ambient'; raise: U64 }
  | { op: 'no-new-privs' }
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
  | { op: 'seccomp'; program: Uint8Array; flags: number; listenerFd: number; allowsIdleRelease: boolean; summary?: SeccompSummary; profile?: NormalizedProfileJSON }
  | { op: 'umask'; mask: number }
  | { op: 'chdir'; path: string }
  /**
   * Fails create early when the process binary cannot be found or executed.
   * A name without "/" is looked up in the directories of `searchPath` (as
   * execvp does; the init has no default of its own).
   */
  | { op: 'check-exec'; file: string; env: string[]; searchPath: string }
  /** Reports "created" to the runtime and blocks on the exec fifo until `start`. */
  | { op: 'wait-start'; fifoFd: number }
  /** execve(2) of args[0], looked up along `searchPath` like check-exec. */
  | { op: 'exec'; args: string[]; env: string[]; searchPath: string }
  /**
   * Writes `value` to the init's own /proc/thread-self/<attr> ("attr/exec",
   * "attr/apparmor/exec"), through its verified procfs: the LSM label the
   * next execve gives the process (plan/labels.ts). `what` names the
   * config field in errors.
   */
  | { op: 'exec-label'; what: string; attr: string; value: string }
  /**
   * A device in a user namespace: the host node `source` (found by type and
   * number, facts.ts), verified on its fd to be that device, bound nosuid
   * and noexec onto the container path.
   */
  | { op: 'bind-device'; path: string; type: Exclude<DeviceType, 'p'>; major: number; minor: number; source: string }
  /**
   * A host socket bound onto a container path (the runtime's
   * NOTIFY_SOCKET, plan/notify-socket.ts): the init opens `source`
   * O_PATH|O_NOFOLLOW and binds from that fd, read-only, nosuid, nodev and
   * noexec, only when it is a socket and the very inode (st_dev, st_ino)
   * the runtime found there; `what` ("NOTIFY_SOCKET") names it in errors.
   */
  | { op: 'bind-socket'; what: string; source: string; dev: U64; ino: U64; target: string }
  /**
   * A tmpfs mount with "tmpcopyup": the directory's contents are copied,
   * through fds, into the new tmpfs before it is attached over it.
   * `inheritMode` as for a mount.
   */
  | { op: 'tmpfs-copyup'; target: string; flags: number; data: string; inheritMode: boolean }
  /**
   * unshare(2) of CLONE_NEW* `flags` by the init, after "go": the cgroup
   * namespace, so that it is rooted at the cgroups the runtime placed the
   * init in (v1 hierarchies are written after clone), as runc does.
   */
  | { op: 'unshare'; flags: number }
  /**
   * sched_setaffinity(2) of the init to `cpus` (process.execCPUAffinity);
   * `what` names the config field in errors, as in the ops below.
   */
  | { op: 'affinity'; what: string; cpus: number[] }
  /** sched_setattr(2): SCHED_* policy and SCHED_FLAG_* bits, nice, static priority, SCHED_DEADLINE times in ns. */
  | { op: 'scheduler'; what: string; policy: number; flags: number; nice: number; priority: number; runtime: U64; deadline: U64; period: U64 }
  /** ioprio_set(2) IOPRIO_WHO_PROCESS of the init: IOPRIO_CLASS_* and level 0..7. */
  | { op: 'ioprio'; what: string; ioClass: number; level: number }
  /** set_mempolicy(2): MPOL_* mode or'ed with MPOL_F_* flags, over the node numbers. */
  | { op: 'mempolicy'; what: string; mode: number; flags: number; nodes: number[] }
  /**
   * Fails unless the init is in the new time namespace the spawner made for
   * it (its time and time_for_children namespaces are one): kernels before
   * 6.0 do not move an exec'ing process into it.
   */
  | { op: 'check-timens' }
  /**
   * Attaches the id-mapped tree the runtime made (LaunchPlan.idmapTrees)
   * and passed as inherited fd `fd` onto container path `target`; `source`
   * names it in errors.
   */
  | { op: 'attach-tree'; fd: number; source: string; target: string }
  /** A new network namespace's loopback interface up (SIOCSIFFLAGS), as runc and crun leave it. */
  | { op: 'loopback-up' }
  /**
   * linux.netDevices, the init's half (native/init/network.cc): the link
   * the runtime moved into the init's network namespace before "go" under
   * the temporary name `from` (LaunchPlan.netDevices) is renamed `to` (a
   * "%d" lets the kernel pick the number), given `addresses` (the host's
   * permanent global ones, "ADDRESS/PREFIX" or with " peer PEER") and
   * brought up, over rtnetlink from inside. `what` names the config field
   * in errors.
   */
  | { op: 'netdev'; what: string; from: string; to: string; addresses: string[] }
  /**
   * chroot(2) into the host directory `rootfs`, no mount made: the root of
   * a container in the runtime's mount namespace (plan/mount-namespace.ts),
   * and of a process exec'd into one.
   */
  | { op: 'chroot'; rootfs: string }
  /**
   * Fails unless the init's namespace of this kind (its /proc/self/ns name)
   * is none of the host's (parallel lists of nsfs dev and inode): before a
   * namespace joined by path gets a mount, a sysctl or a hostname.
   */
  | { op: 'check-ns'; ns: CheckedNamespace; forbiddenDevs: number[]; forbiddenInodes: number[] };

export type StepOp = Step['op'];

/**
 * An id-mapped copy of a host mount tree, made by the runtime before the
 * init starts (native/addon/idmap.cc): `source` (its submounts too when
 * `recursive`), id-mapped (the submounts too when `recursiveIdmap`) by a
 * user namespace with these uid_map / gid_map lines.
 */
export interface IdmapTree {
  source: string;
  recursive: boolean;
  recursiveIdmap: boolean;
  uidMap: string;
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
  path: string;
  /** argv, argv[0] included (the path when the config gives none). */
  args: string[];
  /** Its environment, as the config gives it; absent: it inherits the runtime's environment (never shown). */
  env?: string[];
  /** Seconds before it is killed; 0: no limit. */
  timeout: number;
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
  netDevices?: Array<{ hostName: string; moveAs: string; name: string; addresses: string[] }>;
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
  steps: Step[];
  /**
   * linux.seccomp with SCMP_ACT_NOTIFY rules: the runtime connects to
   * `path` and passes the socket at helperFdLayout's listenerFd; the init
   * sends the listener fd there with the container process state.
   */
  seccompListener?: { path: string; metadata?: string };
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
  fd: number;
  role: FdRole;
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

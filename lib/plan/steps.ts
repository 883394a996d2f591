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
import type { LinuxIDMapping } from '../config/types';
import type { JoinNamespace } from '../native/addon';

/** Points where the init helper hands control to the runtime process. */
export const SYNC_POINTS = ['runtime-hooks'] as const;
export type SyncPoint = (typeof SYNC_POINTS)[number];

/** Hooks the init helper runs inside the container's namespaces. */
export const HOOKS_IN_CONTAINER = ['createContainer', 'startContainer'] as const;
export type HookInContainer = (typeof HOOKS_IN_CONTAINER)[number];

export type Step =
  /** Container paths of later steps resolve below this host path ('' after pivot_root). */
  | { op: 'root'; path: string }
  /** mount(2). `inContainer`: target is a container path, resolved below the root without leaving it. */
  | { op: 'mount'; source: string; target: string; fstype: string; flags: number; data: string; inContainer: boolean }
  /** mount_setattr(2) on a container path: MOUNT_ATTR_* bits to set/clear, propagation, recursively or not. */
  | { op: 'setattr'; target: string; set: number; clear: number; propagation: number; recursive: boolean }
  /** mkdir -p of a container path. */
  | { op: 'mkdir'; path: string; mode: number }
  /** Creates an empty file (and its parents), a target for a file bind mount. */
  | { op: 'touch'; path: string }
  | { op: 'mknod'; path: string; type: 'c' | 'b' | 'p'; mode: number; major: number; minor: number; uid: number; gid: number }
  | { op: 'symlink'; target: string; path: string }
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
  /** Runs a hook from inside the container's namespaces (state JSON on stdin). */
  | { op: 'hook'; kind: HookInContainer; path: string; timeout: number; args: string[]; env: string[] }
  /**
   * Writes /proc/sys/<key with dots as slashes>, for the init's own
   * namespaces, through the procfs fd the init verified at start.
   */
  | { op: 'sysctl'; key: string; value: string }
  /**
   * process.terminal: a pty from the container's devpts; the slave becomes
   * /dev/console, stdio and the controlling terminal; the master goes to the
   * console socket (an inherited fd). rows/cols 0: size not set.
   */
  | { op: 'console'; socketFd: number; rows: number; cols: number }
  /** personality(2): the execution domain (LINUX, LINUX32). */
  | { op: 'personality'; persona: number }
  | { op: 'hostname'; name: string }
  | { op: 'domainname'; name: string }
  /** prlimit(2) on the init; `type` (RLIMIT_NOFILE...) names it in errors. */
  | { op: 'rlimit'; type: string; resource: number; soft: bigint; hard: bigint }
  | { op: 'oom-score-adj'; value: number }
  /** Drops every capability not in `keep` from the bounding set. */
  | { op: 'bounding'; keep: bigint }
  | { op: 'keep-caps'; keep: boolean }
  | { op: 'setgroups'; gids: number[] }
  | { op: 'setresgid'; gid: number }
  | { op: 'setresuid'; uid: number }
  | { op: 'capset'; effective: bigint; permitted: bigint; inheritable: bigint }
  | { op: 'ambient'; raise: bigint }
  | { op: 'no-new-privs' }
  /** seccomp(2) SECCOMP_SET_MODE_FILTER: `program` is the finished BPF (struct sock_filter array), `flags` SECCOMP_FILTER_FLAG_*. */
  | { op: 'seccomp'; program: Uint8Array; flags: number }
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
  /** A new network namespace's loopback interface up (SIOCSIFFLAGS), as runc and crun leave it. */
  | { op: 'loopback-up' };

export type StepOp = Step['op'];

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
  /** Number of inherited fds besides stdio (fds 3 .. 3+preserveFds-1). */
  preserveFds: number;
  steps: Step[];
  /** Config the runtime accepted but does not apply yet (logged at create). */
  warnings: string[];
  /** Config ignored on purpose, as runc does (SELinux labels without SELinux): debug lines at create. */
  notes?: string[];
}

/** Where the runtime puts the init helper's own fds (after stdio and preserved fds). */
export function helperFdLayout(preserveFds: number): { planFd: number; syncFd: number; fifoFd: number; consoleFd: number } {
  const first = 3 + preserveFds;
  return { planFd: first, syncFd: first + 1, fifoFd: first + 2, consoleFd: first + 3 };
}

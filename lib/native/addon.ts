/**
 * The typed face of the C++ addon (native/addon). Every function is a thin
 * wrapper around one syscall; on failure it throws a Node-style error with
 * `code` (errno name), `errno` (negative number), `syscall` and `path`.
 * Nothing here knows about OCI: that lives in the rest of lib/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NativeMissingError } from '../errors';

/** Error thrown by the addon: the shape of Node's own SystemError. */
export interface NativeError extends Error {
  code: string;
  errno: number;
  syscall: string;
  path?: string;
}

export interface Capabilities {
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
}

export interface Rlimit {
  /** Soft limit; RLIM_INFINITY (2^64-1) means unlimited. */
  soft: bigint;
  hard: bigint;
}

export interface WaitResult {
  /** Exit status if the process exited, else null. */
  exitCode: number | null;
  /** Signal name ("SIGKILL") if the process was killed by a signal, else null. */
  signal: string | null;
}

/**
 * A namespace the new process joins (setns) instead of creating it: by the
 * path of a namespace file, or by a pidfd of a process whose namespaces of
 * every type in `type` are joined at once (setns with a pidfd, Linux 5.8+;
 * how exec joins a running container's init without racing pid reuse).
 */
export type JoinNamespace =
  | {
      /** CLONE_NEW* constant of the namespace type. */
      type: number;
      /** Path of the namespace file, e.g. /proc/1234/ns/net. */
      path: string;
    }
  | {
      /** CLONE_NEW* flags, one or several, of the namespaces to join. */
      type: number;
      /** A pidfd of the process whose namespaces are joined; the caller keeps it open and closes it. */
      pidfd: number;
    };

export interface SpawnOptions {
  /** Path of the executable to run; the addon execs a sealed memfd copy of it. */
  file: string;
  /** argv of the new process (argv[0] included). */
  argv: string[];
  /** Environment, as "KEY=value" strings. */
  env: string[];
  /**
   * File descriptors of the new process (-1: none at that number): fd i of the child is fds[i] of the
   * parent. Every other descriptor is closed in the child.
   */
  fds: number[];
  /** CLONE_NEW* flags of the namespaces to create. */
  cloneFlags: number;
  /** Namespaces to join, in order, before the new ones are created. */
  join: JoinNamespace[];
  /**
   * A cgroup2 directory fd: the process is born in that cgroup
   * (clone3 CLONE_INTO_CGROUP, native/addon/cgroup_clone.cc).
   */
  cgroupFd?: number;
  /**
   * With cgroupFd: clone3 with fork semantics even where cgroup_clone.cc
   * would share the memory (x86_64). For tests only: the fallback that
   * other architectures use is otherwise never run on an x86_64 test host.
   * A spawn option, not an environment variable, so that nothing outside a
   * test can switch it on for a runtime.
   */
  cloneForkSemantics?: boolean;
  /**
   * With CLONE_NEWTIME: what the child writes to its new time namespace's
   * timens_offsets before any process is in it ("<clock> <secs> <nanosecs>" lines).
   */
  timeOffsets?: string;
  /**
   * Written to the child's own oom_score_adj before it execs (-1000..1000),
   * inherited by everything it starts.
   */
  oomScoreAdj?: number;
}

export interface SpawnResult {
  pid: number;
  /** A pidfd for the new process (close-on-exec); the caller owns it. */
  pidfd: number;
}

/** libseccomp's version and API level (seccomp_version, seccomp_api_get). */
/** A device moveNetDevice moved: its index inside, and whether it was up on the host. */
export interface MovedNetDevice {
  index: number;
  up: boolean;
}

export interface SeccompLibraryVersion {
  major: number;
  minor: number;
  micro: number;
  apiLevel: number;
}

/** One argument comparison of a seccomp rule (numbers as libseccomp takes them). */
export interface SeccompFilterArg {
  /** Argument index, 0-5. */
  index: number;
  /** enum scmp_compare (SCMP_CMP_NE = 1 ... SCMP_CMP_MASKED_EQ = 7). */
  op: number;
  value: bigint;
  valueTwo: bigint;
}

/** What seccompCompile compiles. */
export interface SeccompFilterSpec {
  /** SECCOMP_RET_* of the default action, with its data. */
  defaultAction: number;
  /** AUDIT_ARCH tokens added to the native one. */
  arches: number[];
  rules: { syscall: number; action: number; args: SeccompFilterArg[] }[];
  /** Ask libseccomp for a binary-tree program (large profiles). */
  optimize?: boolean;
}

/** A notification read from a seccomp listener fd (struct seccomp_notif). */
export interface SeccompNotification {
  id: bigint;
  pid: number;
  flags: number;
  nr: number;
  arch: number;
  instructionPointer: bigint;
  args: bigint[];
}

/** A request of systemdUnitAsync; "t" values are decimal text. */
export interface SystemdUnitRequest {
  op: 'start' | 'stop' | 'set' | 'reset';
  bus: 'system' | 'user';
  unit: string;
  properties?: ReadonlyArray<{ name: string; type: string; value: unknown }>;
  timeoutMs: number;
}

/**
 * One call of a file batch (fileBatchAsync). The first failure whose errno
 * is not in `tolerate` (true: any) ends the batch.
 */
export type FileOp = (
  /** `read` opens with O_NOFOLLOW. */
  | { op: 'mkdir' | 'rmdir' | 'read' | 'exists' | 'subdirs'; path: string }
  /**
   * Opens the directory `path` (O_DIRECTORY|O_NOFOLLOW), then `file` in it
   * (one path component, else a TypeError) with openat(O_WRONLY|O_TRUNC|
   * O_NOFOLLOW), never O_CREAT; write(2) until all is written, close.
   */
  | { op: 'write'; path: string; file: string; value: string }
) & { tolerate?: true | readonly number[] };

/** A failed call: the errno (positive), its name and the system call that failed. */
export interface FileOpFailure {
  errno: number;
  code: string;
  syscall: string;
}

/**
 * Per op: true (done), the content (read), the subdirectory names
 * (subdirs), a failure, or undefined when it did not run.
 */
export type FileOpResult = true | string | string[] | FileOpFailure | undefined;

/**
 * The library's addon (native/addon/module.cc): the functions lib/ calls,
 * and no more. What only tests need (the syscalls the init makes, wrapped
 * one by one, the synchronous spawn, a listening socket, a seccomp agent's
 * calls) is in the test addon (test/helpers/test-addon.ts).
 */
export interface NativeAddon {
  // processes
  pidfdOpen(pid: number, flags: number): number;
  pidfdSendSignal(pidfd: number, signal: number): void;
  /**
   * Resolves when the process behind `pidfd` exits (uv_poll on the pidfd,
   * the event loop is never blocked). With `reap` (the default) the child is
   * reaped with waitid(P_PIDFD); with `reap: false` its status is only
   * peeked at, and a process that is not our child resolves with nulls.
   */
  pidfdWait(pidfd: number, reap?: boolean): Promise<WaitResult>;
  /**
   * Resolves once `fd` (or the first of `fds`) is readable or its peer hung
   * up, with its index (uv_polls on the event loop, no thread-pool thread
   * held); the wait on the others ends with it. The caller then reads
   * without blocking. The fds must stay open until it resolves. With
   * `keepAlive: false` the wait does not keep the process alive (uv_unref).
   */
  waitReadable(fd: number | readonly number[], options?: { keepAlive?: boolean }): Promise<number>;
  /**
   * bpf(BPF_PROG_LOAD) of a BPF_PROG_TYPE_CGROUP_DEVICE program (raw 8-byte
   * instructions); returns its fd. A refusal carries the verifier's log as
   * `verifierLog`. See native/addon/cgroup_bpf.cc.
   */
  bpfLoadDeviceProgram(insns: Buffer, license: string): number;
  /** bpf(BPF_PROG_ATTACH) as BPF_CGROUP_DEVICE with BPF_F_ALLOW_MULTI to a cgroup2 directory fd. */
  bpfAttachDeviceProgram(progFd: number, cgroupFd: number): void;
  /**
   * spawn with the clone on a thread of libuv's pool (held for the clone
   * and the helper's exec only): the JS thread goes on meanwhile. Options
   * are read, and bad ones thrown, before it returns.
   */
  spawnAsync(options: SpawnOptions): Promise<SpawnResult>;
  /**
   * Small file system calls run in order on one thread of libuv's pool
   * (native/addon/file_batch.cc); lib/cgroups/file-batch.ts is its typed face.
   */
  fileBatchAsync(ops: readonly FileOp[]): Promise<FileOpResult[]>;
  /** The same on the calling thread. */
  fileBatch(ops: readonly FileOp[]): FileOpResult[];
  /**
   * One call of systemd's manager over D-Bus through libsystemd's sd-bus
   * (loaded at run time; ERR_SYSTEMD_LIBRARY without it), on a thread of
   * libuv's pool: StartTransientUnit / StopUnit (resolving with the job's
   * result from JobRemoved), SetUnitProperties (runtime), ResetFailedUnit.
   * A failed call rejects with an errno error carrying `dbusError`. See
   * native/addon/sd_bus.cc; lib/cgroups/systemd-bus.ts is its typed face.
   */
  systemdUnitAsync(request: SystemdUnitRequest): Promise<{ result: string }>;
  /**
   * A detached id-mapped copy of the mount tree at `source` (its submounts
   * when `recursive`; the mapping on them too when `recursiveIdmap`), mapped
   * by a user namespace with these uid_map / gid_map lines. Returns its fd
   * (close-on-exec); see native/addon/idmap.cc.
   */
  idmappedTree(source: string, recursive: boolean, recursiveIdmap: boolean, uidMap: string, gidMap: string): number;
  /**
   * The permanent global addresses of host interface `hostName`
   * ("ADDRESS/PREFIX", or with " peer PEER"). See native/addon/netdev.cc.
   */
  netDeviceAddresses(hostName: string): string[];
  /**
   * Moves host interface `hostName` into the network namespace `nsFd` (an
   * nsfs fd of the init's) under the temporary name `moveAs`, and nothing
   * more (the init names it, adds its addresses and brings it up, inside);
   * refuses (EPERM, syscall "check-ns") when that namespace is the
   * runtime's own or pid 1's. Returns what returnNetDevice needs to undo
   * it. The calling thread never changes namespace: a short-lived child
   * hands over a netlink socket made inside. See native/addon/netdev.cc.
   */
  moveNetDevice(nsFd: number, hostName: string, moveAs: string): MovedNetDevice;
  /**
   * Moves link `index` of the network namespace `nsFd` back into the
   * runtime's, named `hostName`, with `addresses` (netDeviceAddresses'
   * form), up if `up`.
   */
  returnNetDevice(nsFd: number, index: number, hostName: string, up: boolean, addresses: readonly string[]): void;
  // files
  /** flock(2); `nonBlocking` adds LOCK_NB (then EWOULDBLOCK throws). */
  flock(fd: number, operation: 'exclusive' | 'shared' | 'unlock', nonBlocking: boolean): void;
  memfdCreate(name: string, flags: number): number;
  /** eventfd(2) (flags: EFD_NONBLOCK, EFD_SEMAPHORE); EFD_CLOEXEC is always added. Returns the fd. */
  eventfd(initval: number, flags: number): number;
  /** inotify_init1(2) (flags: IN_NONBLOCK); IN_CLOEXEC is always added. Returns the fd. */
  inotifyInit(flags: number): number;
  /** inotify_add_watch(2): watches `path` for the IN_* events of `mask`; returns the watch descriptor. */
  inotifyAddWatch(fd: number, path: string, mask: number): number;
  /** openat2(2) with `resolve` (RESOLVE_* bits); O_CLOEXEC is always added. Returns the fd. */
  openat2(dirfd: number, path: string, flags: number, mode: number, resolve: number): number;
  /** mkfifo(3) with exactly `mode` (the umask does not apply). */
  mkfifo(path: string, mode: number): void;
  /** socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC). */
  seqpacketPair(): [number, number];
  // terminals
  /** A connected SOCK_STREAM unix socket (close-on-exec). */
  unixConnect(path: string): number;
  /** socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC). */
  streamPair(): [number, number];
  /** Receives one fd sent with SCM_RIGHTS, without waiting (EAGAIN when none is queued). */
  receiveFd(fd: number): { fd: number; data: string };
  /** TIOCSWINSZ on a terminal fd. */
  setWindowSize(fd: number, rows: number, cols: number): void;
  /** Sends `data` with `fd` attached (SCM_RIGHTS) over a connected unix stream socket. */
  sendFd(socket: number, fd: number, data: string): void;
  /**
   * Hands a container's fd table to a pooled init helper waiting on the
   * other end of the SOCK_SEQPACKET `socket` (native/addon/spawn_pool.cc):
   * fds[i] becomes the helper's fd targets[i]; the helper's own end becomes
   * `syncFd`, and it reads its plan from `planFd`.
   */
  poolHandover(socket: number, fds: readonly number[], targets: readonly number[], planFd: number, syncFd: number): void;
  // seccomp (native/addon/seccomp.cc). The lib* ones load libseccomp.so.2 on
  // first use and throw code ERR_SECCOMP_LIBRARY when it cannot be loaded.
  seccompLibraryVersion(): SeccompLibraryVersion;
  seccompArchNative(): number;
  /** AUDIT_ARCH token of a libseccomp arch name ("x86_64"), 0 if unknown. */
  seccompArchResolve(name: string): number;
  /** Syscall number of `name` on `arch` (0: libseccomp's rule number); -1 if unknown. */
  seccompSyscallResolve(name: string, arch: number): number;
  /** A BPF program (struct sock_filter[]); errors carry `ruleIndex` when a rule was refused. */
  seccompCompile(filter: SeccompFilterSpec): Buffer;
  /** SECCOMP_GET_ACTION_AVAIL. */
  seccompKernelActionAvailable(action: number): boolean;
  /** Whether the kernel accepts these SECCOMP_FILTER_FLAG_* bits (nothing is loaded). */
  seccompKernelFlagSupported(flags: number): boolean;
}

let cached: NativeAddon | undefined;

/** The compiled addon's file name (binding.gyp's target kapsel_native). */
export const ADDON_FILE = 'kapsel_native.node';
/** The static init helper's file name (binding.gyp's target kapsel-init). */
export const INIT_HELPER_FILE = 'kapsel-init';

/** The package's root: this module is dist/lib/native/addon.js (or the CLI bundle, at the same depth). */
const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * Where the native part may be, in the order it is looked for (as
 * node-gyp-build looks): a local build first, so that a clone or a
 * package built from source at install uses what it compiled
 * (build/Release, or build/Debug for `node-gyp build --debug`); then the
 * prebuild the package ships for this platform and architecture
 * (prebuilds/linux-x64/, made by scripts/prebuild.js). One prebuild serves
 * every Node version: the addon uses N-API only (NAPI_VERSION in
 * binding.gyp), whose ABI Node keeps stable.
 */
export function nativeCandidates(root: string = PACKAGE_ROOT): string[] {
  return [
    path.join(root, 'build', 'Release'),
    path.join(root, 'build', 'Debug'),
    path.join(root, 'prebuilds', `${process.platform}-${process.arch}`),
  ];
}

/** How to get the native part when it is missing: what to run and what that needs. */
export function buildAdvice(root: string = PACKAGE_ROOT): string {
  return (
    `build it from source with \`npm rebuild kapsel\` in the project that installed it ` +
    `(or \`npx node-gyp rebuild\` in ${root}); that needs a C++17 compiler (g++), python3, make ` +
    `and a static libc for the static init helper (glibc-static on Fedora/RHEL, libc6-dev on Debian/Ubuntu)`
  );
}

/**
 * The first candidate directory that holds both the addon and the init
 * helper: they come from one build (or one prebuild), so the helper is
 * always taken from the addon's directory. A build/Release with only half
 * of them (a failed build) is passed over. Throws NativeMissingError when
 * none does.
 */
export function findNativeDir(root: string = PACKAGE_ROOT): string {
  const candidates = nativeCandidates(root);
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, ADDON_FILE)) && fs.existsSync(path.join(dir, INIT_HELPER_FILE)));
  if (found) return found;
  throw new NativeMissingError(
    `(${ADDON_FILE}, ${INIT_HELPER_FILE})`,
    `is missing: not built (${path.relative(root, candidates[0])}) and no prebuild for ${process.platform}-${process.arch} ` +
      `(${path.relative(root, candidates[2])}); ${buildAdvice(root)}`,
  );
}

let buildDir: string | undefined;

/** The directory the addon and the init helper are used from (findNativeDir, once). */
export function nativeBuildDir(): string {
  if (!buildDir) buildDir = findNativeDir();
  return buildDir;
}

/** Path of the container init helper executable. */
export function initHelperPath(): string {
  return path.join(nativeBuildDir(), INIT_HELPER_FILE);
}

/**
 * Loads the addon once. An addon that is there but does not load (built
 * for another libc or architecture) is a NativeMissingError too, with the
 * loader's error as its cause.
 */
export function native(): NativeAddon {
  if (!cached) {
    const file = path.join(nativeBuildDir(), ADDON_FILE);
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      cached = require(file) as NativeAddon;
    } catch (err) {
      throw new NativeMissingError(file, `does not load (${(err as Error).message}); ${buildAdvice()}`, { cause: err });
    }
  }
  return cached;
}

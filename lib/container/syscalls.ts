/**
 * The runtime process's own native calls for launching a container init,
 * behind one small interface (youki's `Syscall` trait): the real
 * implementation goes through the addon, and a unit test substitutes a
 * recording double, so that create's success and abort paths (what is
 * spawned, killed, reaped, closed) are tested without root.
 *
 * Only the parent's side is here; the init helper does its own syscalls.
 */
import * as fs from 'node:fs';
import type { LinuxIDMapping } from '../config/types';
import type { CgroupRecord } from '../cgroups/driver';
import { writeControls } from '../cgroups/files';
import { initHelperPath, native, type MovedNetDevice, type SpawnOptions, type SpawnResult, type WaitResult } from '../native/addon';
import type { CgroupPlan } from '../plan/runtime-cgroups';
import type { IdmapTree } from '../plan/steps';
import { readProcStat } from '../state/proc';
import { destroyCgroups, makeCgroups, writeCgroups } from './cgroups';
import { systemdBus } from '../cgroups/systemd-bus';
import type { SystemdScope, UnitProperty } from '../cgroups/systemd';
import { attachDeviceProgram } from '../cgroups/v2';
import type { BpfInsn } from '../cgroups/device-bpf';
import type { CgroupWrite } from '../cgroups/writes';
import { writeIdMaps } from './idmap';
import { poolSlots } from '../native/pool';

const MFD_CLOEXEC = 0x1;
const O_PATH = 0o10000000;

export interface ParentSyscalls {
  /**
   * Clones the init helper into its namespaces (native/addon/spawn.cc); the
   * real one on a pool thread, so that the JS thread goes on with other
   * containers meanwhile.
   */
  spawn(options: SpawnOptions): SpawnResult | Promise<SpawnResult>;
  /**
   * Hands the fd table to a pooled helper instead of spawning one
   * (pool.ts): fds[i] becomes its fd targets[i], its channel `socket`
   * becomes its fd `syncFd` (native/common/pool_protocol.h).
   */
  poolHandover(socket: number, fds: readonly number[], targets: readonly number[], planFd: number, syncFd: number): void;
  /** A close-on-exec memfd holding `data` (the encoded plan). */
  memfdWith(name: string, data: Uint8Array): number;
  /** socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC): [parent end, child end]. */
  seqpacketPair(): [number, number];
  /** A connected AF_UNIX stream socket (the console socket). */
  unixConnect(path: string): number;
  /** open(path, O_PATH | O_CLOEXEC): a handle the child can reopen (the exec fifo). */
  openPath(path: string): number;
  /** mkfifo(3) with exactly `mode`. */
  mkfifo(path: string, mode: number): void;
  pidfdSendSignal(pidfd: number, signal: number): void;
  /** Resolves when the child behind `pidfd` exits, reaping it. */
  pidfdWait(pidfd: number): Promise<WaitResult>;
  /** Start time (clock ticks since boot) of a process, 0 when it is gone. */
  processStartTime(pid: number): number;
  /** uid_map/gid_map (and setgroups "deny") of a child's new user namespace. */
  writeIdMaps(
    pid: number,
    uidMappings: readonly LinuxIDMapping[],
    gidMappings: readonly LinuxIDMapping[],
    denySetgroups: boolean,
    privileged: boolean,
  ): void;
  close(fd: number): void;
  /**
   * Makes (or takes, when empty) the plan's cgroup directories
   * (lib/cgroups createCgroups, in batches on the pool); `beforeMaking`
   * hears of the directories first. On failure nothing made is left.
   */
  makeCgroups(plan: CgroupPlan, beforeMaking: (dirs: string[]) => void): Promise<CgroupRecord>;
  /**
   * The resource writes, in one batch on the pool (on cgroup2 after
   * enabling their controllers in the parents); `warn` gets a write
   * dropped as its `ifMissing` says.
   */
  writeCgroups(record: CgroupRecord, writes: readonly CgroupWrite[], warn: (message: string) => void): Promise<void>;
  /** Loads the cgroup2 device program and attaches it to `dir` (bpf(2) BPF_PROG_LOAD, BPF_PROG_ATTACH). */
  attachDeviceProgram(dir: string, program: readonly BpfInsn[]): void;
  /** open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC): the cgroup2 directory the init is born in. */
  openDirectory(path: string): number;
  /** Writes `pid` to cgroup.procs in each directory (one batch on the pool). */
  joinCgroups(pid: number, dirs: readonly string[]): Promise<void>;
  /** Kills what is left in the cgroups, then removes what makeCgroups made (and stops a systemd scope). */
  destroyCgroups(record: CgroupRecord): Promise<void>;
  /**
   * --systemd-cgroup: StartTransientUnit of the container's scope with
   * these properties (the init's pid among them), over D-Bus
   * (cgroups/systemd-bus.ts); resolves once systemd's job is done.
   */
  startSystemdScope(scope: SystemdScope, properties: readonly UnitProperty[]): Promise<void>;
  /** An id-mapped copy of a host mount tree (native/addon/idmap.cc), as an fd to pass. */
  idmappedTree(tree: IdmapTree): number;
  /** open(/proc/PID/ns/net): the init's network namespace, held across the moves. */
  openNetNamespace(pid: number): number;
  /** Moves host interface `hostName` into the namespace `nsFd` as `moveAs` (IFLA_NET_NS_FD). */
  moveNetDevice(nsFd: number, hostName: string, moveAs: string): MovedNetDevice;
  /** Moves the interface `index` of namespace `nsFd` back to the host as `hostName`, with its addresses and up state. */
  returnNetDevice(nsFd: number, index: number, hostName: string, up: boolean, addresses: readonly string[]): void;
}

/** The real calls, through the addon. */
export const nativeSyscalls: ParentSyscalls = {
  // On the pool, in the slots the cgroup file batches share (native/pool.ts).
  spawn: (options) => poolSlots.run(() => native().spawnAsync(options)),
  poolHandover: (socket, fds, targets, planFd, syncFd) => native().poolHandover(socket, fds, targets, planFd, syncFd),
  memfdWith(name, data) {
    const fd = native().memfdCreate(name, MFD_CLOEXEC);
    try {
      fs.writeSync(fd, data);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
    return fd;
  },
  seqpacketPair: () => native().seqpacketPair(),
  unixConnect: (path) => native().unixConnect(path),
  openPath: (path) => fs.openSync(path, O_PATH),
  mkfifo: (path, mode) => native().mkfifo(path, mode),
  pidfdSendSignal: (pidfd, signal) => native().pidfdSendSignal(pidfd, signal),
  pidfdWait: (pidfd) => native().pidfdWait(pidfd, true),
  processStartTime: (pid) => readProcStat(pid)?.startTime ?? 0,
  writeIdMaps,
  close: (fd) => fs.closeSync(fd),
  makeCgroups,
  writeCgroups,
  attachDeviceProgram,
  openDirectory: (path) => fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY),
  joinCgroups: (pid, dirs) => writeControls(dirs.map((dir) => ({ dir, file: 'cgroup.procs', value: String(pid) }))),
  destroyCgroups,
  startSystemdScope: (scope, properties) => systemdBus.startScope(scope, properties),
  idmappedTree: (t) => native().idmappedTree(t.source, t.recursive, t.recursiveIdmap, t.uidMap, t.gidMap),
  openNetNamespace: (pid) => fs.openSync(`/proc/${pid}/ns/net`, fs.constants.O_RDONLY),
  moveNetDevice: (nsFd, hostName, moveAs) => native().moveNetDevice(nsFd, hostName, moveAs),
  returnNetDevice: (nsFd, index, hostName, up, addresses) => native().returnNetDevice(nsFd, index, hostName, up, addresses),
};

/**
 * The container layer's other native calls (signals and waits through
 * pidfds, polls, fd passing), for the operations after create (start,
 * kill, exec, wait) and the init conversation: here too, so that this
 * module is lib/container's one door to the addon.
 */
export const processCalls = {
  /** pidfd_open(2) of `pid` (close-on-exec). */
  pidfdOpen: (pid: number): number => native().pidfdOpen(pid, 0),
  pidfdSendSignal: (pidfd: number, signal: number): void => native().pidfdSendSignal(pidfd, signal),
  /** Resolves when the process behind `pidfd` exits; `reap`: it is our child, waitid reaps it. */
  pidfdWait: (pidfd: number, reap: boolean): Promise<WaitResult> => native().pidfdWait(pidfd, reap),
  /** Resolves with the first of `fds` that is readable (a uv_poll on the event loop). */
  waitReadable: (fds: number | readonly number[], options?: { keepAlive?: boolean }): Promise<number> => native().waitReadable(fds, options),
  /** eventfd(2) with `initval` and `flags` (a wake-up for a wait on several fds). */
  eventfd: (initval: number, flags: number): number => native().eventfd(initval, flags),
  /** Sends `fd` over the unix socket `socket` (SCM_RIGHTS) with `data`. */
  sendFd: (socket: number, fd: number, data: string): void => native().sendFd(socket, fd, data),
  /** socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC): a piped stdio (stdio.ts). */
  streamPair: (): [number, number] => native().streamPair(),
  /** The fd sent over the unix socket `socket` (SCM_RIGHTS). */
  receiveFd: (socket: number): number => native().receiveFd(socket).fd,
  /** TIOCSWINSZ on a pty master (stdio-terminal.ts). */
  setWindowSize: (fd: number, rows: number, cols: number): void => native().setWindowSize(fd, rows, cols),
  /** The kapsel-init executable. */
  initHelperPath: (): string => initHelperPath(),
};

/**
 * exec: lock -> refresh -> assert "running" (or "paused" with
 * ignorePaused) -> act: another process in the container, started by the
 * init helper from an exec plan (plan/exec-plan.ts) through the same
 * launch as create (launch.ts). The process is a child of this process
 * (the spawner clones it with CLONE_PARENT): the caller waits for it, or,
 * detached, leaves it to its own subreaper as conmon and containerd's
 * shim expect.
 *
 * Either the process runs, or nothing is left: the launch kills and reaps
 * a helper that failed (the step that failed names why) and closes every
 * fd, and the init's pidfd is closed in all cases.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Process } from '../config/types';
import type { ValidProcess } from '../config/valid';
import { validateProcess } from '../config/validate';
import { InvalidArgumentError, KapselError, ProtocolError, SyscallError } from '../errors';
import type { Logger } from '../logger';
import { processCalls } from './syscalls';
import { NAMESPACE_FLAGS } from '../plan/namespaces';
import { compileExecPlan } from '../plan/exec-plan';
import { gatherImageFacts, runtimeBoundingSetFact } from '../host/facts';
import { isRootless } from '../state/root';
import { writePidFile } from '../state/pid-file';
import { isAlive } from '../state/proc';
import type { CgroupRecord } from '../cgroups/driver';
import { execUnifiedDir, joinExecCgroups, type CgroupSubPaths } from './exec-cgroup';
import { recordedFilter, recordOf } from './create-record';
import { hookState } from './hook-state';
import { launchInit, nativeLaunchEnv, type LaunchEnv } from './launch';
import { underLock, type ContainerRef } from './operation';
import { assertPreservedFdsOpen } from './fds';
import { AbortError, checkSignal, failureOf, throwIfAborted } from './abort';
import { checkStdio, openStdio, type OpenedStdio, type PipedStdio, type StdioOption } from './stdio';
import { ConsoleReceiver } from './console-receiver';

/** The options of an exec with a process object ({@link Container.exec}'s second form). */
export interface ExecOptions {
  /** The process's stdin, stdout, stderr as for create (stdio.ts); default this process's 0, 1, 2. */
  stdio?: StdioOption;
  /** Cancels the exec: a process being started is killed and reaped, and exec rejects with an AbortError. */
  signal?: AbortSignal;
  /** Pass fds 3 .. 3+preserveFds-1 of this process to the exec'd process. */
  preserveFds?: number;
  /**
   * Where the pty master goes when process.terminal is true: the path of a
   * listening AF_UNIX socket, or the fd of a connected one. Without one,
   * exec receives the master itself (ExecLaunched.terminal).
   */
  consoleSocket?: string | number;
  /** Write the process's host pid here (no newline) once it runs. */
  pidFile?: string;
  /** Exec into a paused container too (runc --ignore-paused). */
  ignorePaused?: boolean;
  /** Sub-cgroups of the container's to put the process in (exec-cgroup.ts parseCgroupFlags). */
  cgroup?: CgroupSubPaths;
  /** Where warnings go; Container.exec passes the container's own logger. */
  logger?: Logger;
}

/** A process exec'd in a container: a child of this process. */
export interface ExecLaunched {
  pid: number;
  /** pidfd of the process; the caller owns it. */
  pidfd: number;
  /** Our ends of the piped stdio, as streams. */
  stdio: PipedStdio;
  /** The pty master, when process.terminal is true and no console socket was given (the caller owns it). */
  terminal?: number;
}

/** What exec reads about the running init; a unit test replaces it. */
export interface InitInspector {
  /** A pidfd of the init, checked to be the process started at `startTime`. */
  openInit(pid: number, startTime: number): number;
  /** CLONE_NEW* flags of the init's namespaces that are not this process's own. */
  foreignNamespaces(pid: number): number;
  /** setgroups(2) is denied in the init's user namespace. */
  setgroupsDenied(pid: number): boolean;
  /**
   * A directory fd of the cgroup2 cgroup the exec'd process is to be born
   * in (clone3 CLONE_INTO_CGROUP), or undefined without one; the caller closes it.
   */
  openBirthCgroup(record: CgroupRecord | undefined, sub: CgroupSubPaths | undefined): { fd: number; dir: string } | undefined;
  /** Puts `pid` in the container's cgroups (`record`, as state.json has them; none: there are none) but `bornIn`. */
  joinCgroups(record: CgroupRecord | undefined, pid: number, sub: CgroupSubPaths | undefined, logger: Logger | undefined, bornIn?: string): void;
}

const PROC_NS_NAMES: Record<string, number> = {
  user: NAMESPACE_FLAGS.user,
  mnt: NAMESPACE_FLAGS.mount,
  pid: NAMESPACE_FLAGS.pid,
  net: NAMESPACE_FLAGS.network,
  ipc: NAMESPACE_FLAGS.ipc,
  uts: NAMESPACE_FLAGS.uts,
  cgroup: NAMESPACE_FLAGS.cgroup,
  time: NAMESPACE_FLAGS.time,
};

function sameNamespace(a: fs.Stats, b: fs.Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

export const procInitInspector: InitInspector = {
  openInit(pid, startTime) {
    const pidfd = processCalls.pidfdOpen(pid);
    // Checked after opening: the pidfd now names this very process, not a later one with its pid.
    if (!isAlive(pid, startTime)) {
      fs.closeSync(pidfd);
      throw new KapselError('ERR_INVALID_STATE', `the container's init (pid ${pid}) exited`);
    }
    return pidfd;
  },
  foreignNamespaces(pid) {
    let flags = 0;
    for (const [name, flag] of Object.entries(PROC_NS_NAMES)) {
      let theirs: fs.Stats;
      try {
        theirs = fs.statSync(`/proc/${pid}/ns/${name}`);
      } catch (err) {
        // A kernel without this namespace type (time before 5.6): nothing to join.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw SyscallError.from(err);
      }
      if (!sameNamespace(theirs, fs.statSync(`/proc/self/ns/${name}`))) flags |= flag;
    }
    return flags;
  },
  setgroupsDenied(pid) {
    try {
      return fs.readFileSync(`/proc/${pid}/setgroups`, 'utf8').trim() === 'deny';
    } catch {
      return false;
    }
  },
  openBirthCgroup(record, sub) {
    const dir = record ? execUnifiedDir(record, sub ?? new Map()) : undefined;
    if (!dir) return undefined;
    try {
      return { fd: fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY), dir };
    } catch (err) {
      // A rootless runtime that may not enter it, a missing --cgroup sub-cgroup: joinCgroups says why.
      if (['EACCES', 'EPERM', 'ENOENT'].includes((err as NodeJS.ErrnoException).code ?? '')) return undefined;
      throw SyscallError.from(err);
    }
  },
  joinCgroups(record, pid, sub, logger, bornIn) {
    joinExecCgroups(record, pid, {
      bornIn,
      sub,
      // Rootless as for create's cgroups: uid 0 of a user namespace too (container/cgroups.ts).
      unprivileged: isRootless(),
      debug: (m) => logger?.debug?.(m),
    });
  },
};

export interface ExecEnv {
  launch: LaunchEnv;
  init: InitInspector;
}

export const nativeExecEnv: ExecEnv = { launch: nativeLaunchEnv, init: procInitInspector };

/**
 * runc's environment for an exec'd process (libcontainer prepareEnv): the
 * last value of a variable wins (`exec -e` overrides the config's), each
 * kept where it last appeared; an empty HOME is dropped, so that
 * processPlan fills it from the image's passwd as a missing one (podman
 * sends "HOME=" for an image without one).
 */
export function dedupEnv(env: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (let i = env.length - 1; i >= 0; i--) {
    const kv = env[i];
    const eq = kv.indexOf('=');
    const key = eq < 0 ? kv : kv.slice(0, eq);
    if (seen.has(key)) continue;
    seen.add(key);
    if (kv === 'HOME=') continue;
    out.push(kv);
  }
  return out.reverse();
}

/** Validates `process` (errors name JSON paths in it: "/args/0") and checks the options against it. */
export function validateExecProcess(proc: unknown, opts: ExecOptions): ValidProcess {
  const valid = validateProcess(proc);
  const hasConsoleSocket = opts.consoleSocket !== undefined && opts.consoleSocket !== '';
  if (hasConsoleSocket && !valid.terminal) {
    throw new InvalidArgumentError('cannot use a console socket: process.terminal is false, there is no terminal to send');
  }
  return { ...valid, env: dedupEnv(valid.env ?? []) };
}

/**
 * Starts `proc` in the running container `ref`. Resolves once the process
 * runs (its execve succeeded), with its pid and pidfd.
 */
export async function execInContainer(ref: ContainerRef, proc: Process, opts: ExecOptions = {}, env: ExecEnv = nativeExecEnv): Promise<ExecLaunched> {
  const signal = checkSignal(opts.signal);
  throwIfAborted(signal);
  const valid = validateExecProcess(proc, opts);
  // Checked before the lock: a wrong value leaves nothing (stdio.ts).
  const stdioChecked = checkStdio(opts.stdio);
  const preserveFds = opts.preserveFds ?? 0;
  assertPreservedFdsOpen(preserveFds);
  return underLock(ref, opts.ignorePaused ? 'execIgnoringPause' : 'exec', async (stored) => {
    // "running" and "paused" are only derived from a stored state with a live init.
    const s = stored!;
    // Everything the process inherits is what create recorded, never the bundle (create-record.ts).
    const record = recordOf(s);
    const initPidfd = env.init.openInit(s.pid, s.initStartTime);
    // Born in its cgroup2 cgroup, as the init is; the v1 hierarchies get its pid before "go".
    const birth = env.init.openBirthCgroup(s.cgroup, opts.cgroup);
    let stdio: OpenedStdio | undefined;
    // A terminal and nobody named to send it to: it comes to us (ExecProcess.terminal).
    let receiver: ConsoleReceiver | undefined;
    let terminal: number | undefined;
    try {
      stdio = openStdio(stdioChecked);
      if (valid.terminal && (opts.consoleSocket === undefined || opts.consoleSocket === '')) receiver = new ConsoleReceiver();
      const plan = compileExecPlan(valid, {
        initPidfd,
        namespaces: record.namespaces & env.init.foreignNamespaces(s.pid),
        container: { process: record.process, seccomp: recordedFilter(record) },
        image: gatherImageFacts(s.rootfs),
        ...runtimeBoundingSetFact(),
        setgroupsDenied: env.init.setgroupsDenied(s.pid),
        preserveFds,
        jsonPath: '',
        rootfs: s.rootfs,
        lsm: record.lsm,
      });
      for (const warning of plan.warnings) opts.logger?.warn(warning);
      for (const note of plan.notes ?? []) opts.logger?.debug?.(note);
      const launched = await launchInit(
        {
          plan,
          stdio: stdio.fds,
          consoleSocket: receiver?.theirs ?? (opts.consoleSocket === '' ? undefined : opts.consoleSocket),
          privilegedIdMaps: false,
          cgroupFd: birth?.fd,
          onSpawned: (pid) => env.init.joinCgroups(s.cgroup, pid, opts.cgroup, opts.logger, birth?.dir),
          listenerState: () => hookState(s, 'running'),
          onSync: (point) => Promise.reject(new ProtocolError(`unexpected sync point from an exec plan: ${point}`)),
          signal,
        },
        env.launch,
      );
      try {
        // Sent by the helper before its execve, which the launch waited for.
        if (receiver) terminal = receiver.receive();
        if (opts.pidFile) writePidFile(opts.pidFile, launched.pid);
        throwIfAborted(signal);
      } catch (err) {
        await launched.abort();
        throw err;
      }
      // The process holds its copies; ours would keep the pipes from ever reading EOF.
      stdio.closeChildEnds();
      return { pid: launched.pid, pidfd: launched.pidfd, stdio: stdio.streams(), terminal };
    } catch (err) {
      stdio?.closeAll();
      receiver?.close();
      if (terminal !== undefined) fs.closeSync(terminal);
      const failure = failureOf(err, signal);
      throw failure instanceof AbortError ? failure : SyscallError.from(failure);
    } finally {
      env.launch.sys.close(initPidfd);
      if (birth) fs.closeSync(birth.fd);
    }
  });
}

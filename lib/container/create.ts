/**
 * create: bundle -> plan -> state directory, lock and exec fifo -> the
 * launch (launch.ts) -> state.json and pid file. Either the container ends
 * up "created" with state.json written, or nothing is left: the launch
 * kills and reaps the init and closes its fds, create removes the state
 * directory, and a failed hook is followed by the poststop hooks.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { CgroupRecord } from '../cgroups';
import type { Spec } from '../config/types';
import { InvalidArgumentError, KapselError, ProtocolError, SyscallError } from '../errors';
import { runHooks, runHooksWarnOnly } from '../hooks/run';
import type { Logger } from '../logger';
import { CLONE_NEWPID, CLONE_NEWUSER } from '../native/constants';
import { gatherFacts, gatherLsmFacts, runtimeUnprivileged } from '../host/facts';
import { validateId } from '../state/id';
import { writePidFile } from '../state/pid-file';
import { isRootless } from '../state/root';
import { createContainerDir, fifoPath, removeContainerDir, tryLock, writeInitRecord, writeState, type Lock, type StoredState } from '../state/store';
import { gatherCgroupFacts } from './cgroups';
import { runCgroupPart } from './cgroup-part';
import { explainCreateFailure } from './create-errors';
import { createRecord } from './create-record';
import { containerHookStates, hookState } from './hook-state';
import type { SyncPoint } from './init-link';
import { launchInit, nativeLaunchEnv, type LaunchEnv, type LaunchedInit } from './launch';
import { loadBundleReusing, planContainerReusing } from './plan-cache';
import type { SocketActivation } from './socket-activation';
import { preservedFdGaps } from './fds';
import { checkMountCount } from './mount-limit';
import { giveStdioToContainerUser } from './stdio-owner';
import { rfc3339Nano } from '../state/timestamp';
import { UndoJournal } from './undo';
import { AbortError, checkSignal, failureOf, throwIfAborted } from './abort';
import { checkStdio, openStdio, type PipedStdio, type StdioOption } from './stdio';
import { ConsoleReceiver } from './console-receiver';
import { scopeStartProperties } from '../cgroups/systemd';
import { checkPoolOption, WarmPool, type ContainerPool } from './pool';
import type { PooledHelper } from './pool-helper';

export interface CreateOptions {
  /** Container id: letters, digits, "_", "+", "-", "." */
  id: string;
  /** Bundle directory (config.json + rootfs). */
  bundle: string;
  /** State root; default /run/kapsel, or $XDG_RUNTIME_DIR/kapsel when rootless. */
  root: string;
  /**
   * The container's stdin, stdout, stderr, as child_process.spawn takes
   * them (stdio.ts): each 'pipe' | 'inherit' | 'ignore' | an fd of this
   * process | a stream with an fd, or one of the strings for all three.
   * Default: this process's 0, 1, 2 (as runc).
   */
  stdio?: StdioOption;
  /**
   * Cancels the create: rejects with an AbortError, and whatever was made
   * so far (state directory, cgroups, the init and the hooks it runs) is
   * taken back through the undo journal, as for any failed create.
   */
  signal?: AbortSignal;
  /**
   * Pass fds 3 .. 3+preserveFds-1 of this process to the container, each
   * at its number. A closed one is skipped (with a debug line, as crun
   * does): the container has no fd at that number.
   */
  preserveFds?: number;
  /** Fds of that range (and of listenFds') to skip although open here: not the caller's to pass (the CLI: not given to it). */
  skipFds?: readonly number[];
  /** Write the init's host pid here (no newline), before create returns. */
  pidFile?: string;
  /**
   * Where the pty master goes when process.terminal is true: the path of a
   * listening AF_UNIX socket (runc's --console-socket; the master arrives
   * as one message with SCM_RIGHTS), or the fd of a connected one.
   * Without one, create receives the master itself (CreatedInit.terminal).
   */
  consoleSocket?: string | number;
  /**
   * systemd socket activation to pass on: `count` fds from fd 3 on, ahead
   * of the preserved ones (see socket-activation.ts; the CLI reads it from
   * its environment, as runc does).
   */
  listenFds?: SocketActivation;
  /** chroot instead of pivot_root (for roots on ramfs). */
  noPivot?: boolean;
  /** Accepted for runc compatibility: no session keyring is created anyway. */
  noNewKeyring?: boolean;
  /** Recorded in the state for runc compatibility. */
  systemdCgroup?: boolean;
  /**
   * A warm pool (Container.pool, pool.ts) to take the init from: a config
   * it can serve starts in one of its waiting helpers, any other is
   * created cold, with the same result.
   */
  pool?: ContainerPool;
  logger: Logger;
}

export interface CreatedInit {
  stored: StoredState;
  /** pidfd of the init, a child of this process (close it or wait on it). */
  pidfd: number;
  spec: Spec;
  /** Our ends of the piped stdio, as streams. */
  stdio: PipedStdio;
  /** The pty master, when process.terminal is true and no console socket was given (the caller owns it). */
  terminal?: number;
}

function ownerName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return String(process.geteuid!());
  }
}

/** How many of the caller's fds (3, 4, ...) the container gets: socket activation's, then --preserve-fds. */
export function passedFdCount(opts: Pick<CreateOptions, 'listenFds' | 'preserveFds'>): number {
  return (opts.listenFds?.count ?? 0) + (opts.preserveFds ?? 0);
}

/** The runtime's part of the init's sync points during create; an abort kills the hook that runs. */
async function runtimeHooks(point: SyncPoint, spec: Spec, stored: StoredState, signal: AbortSignal | undefined): Promise<void> {
  if (point !== 'runtime-hooks') throw new ProtocolError(`unexpected sync point from container init: ${point}`);
  const state = hookState(stored, 'creating');
  await runHooks('prestart', spec.hooks?.prestart, state, signal);
  await runHooks('createRuntime', spec.hooks?.createRuntime, state, signal);
}

/**
 * The launch's dependencies plus the host's cgroup facts and the stdio
 * hand-over. A syscall double's create may leave them out (then no cgroup
 * is planned, and its init has no /proc entry to read id maps from) or
 * give made-up cgroup facts (the plan's cgroup part then runs on the
 * double's makeCgroups and friends).
 */
export interface CreateEnv extends LaunchEnv {
  /** The host and image facts (default: gathered from this host); a test of the runtime part on the double plans for a made-up host. */
  gatherFacts?: typeof gatherFacts;
  cgroupFacts?: typeof gatherCgroupFacts;
  giveStdio?: typeof giveStdioToContainerUser;
}

export const nativeCreateEnv: CreateEnv = {
  ...nativeLaunchEnv,
  gatherFacts,
  cgroupFacts: gatherCgroupFacts,
  giveStdio: giveStdioToContainerUser,
};

/** `env` replaces the native calls, the init conversation and the cgroups (tests). */
export async function createContainer(opts: CreateOptions, env: CreateEnv = nativeCreateEnv): Promise<CreatedInit> {
  const signal = checkSignal(opts.signal);
  throwIfAborted(signal);
  const id = validateId(opts.id);
  // Checked before anything is opened or made: a wrong value leaves nothing (stdio.ts).
  const stdioChecked = checkStdio(opts.stdio);
  checkPoolOption(opts.pool);
  // Validated and compiled once per bundle text and facts (plan-cache.ts).
  const { bundle, config: spec, rootfs, warnings } = loadBundleReusing(opts.bundle);
  for (const warning of warnings) opts.logger.warn(warning);
  checkMountCount(spec);
  const hasConsoleSocket = opts.consoleSocket !== undefined && opts.consoleSocket !== '';
  if (hasConsoleSocket && !spec.process?.terminal) {
    throw new InvalidArgumentError('cannot use a console socket: process.terminal is false, there is no terminal to send');
  }
  const passedFds = passedFdCount(opts);
  const skipFds = preservedFdGaps(passedFds, opts.skipFds);
  for (const fd of skipFds) opts.logger.debug?.(`preserve-fds: fd ${fd} was not passed (not open): skipped, the container has no fd ${fd}`);
  // Whether we may write arbitrary id maps and call setgroups (a host fact, plan/facts.ts).
  const unprivileged = runtimeUnprivileged();
  // Resolved before anything exists: a bad cgroupsPath leaves nothing.
  // A fact of the plan: its cgroup part, and what the container's cgroup mount shows.
  const cgroups = env.cgroupFacts?.(spec, id, { systemd: opts.systemdCgroup, unprivileged });
  // The host and image facts, gathered once (plan/facts.ts): cgroup
  // layout, the container's cgroups, HOME. isRootless() only picks the
  // default state root and is recorded for engines.
  const facts = (env.gatherFacts ?? gatherFacts)(spec, { bundle, rootfs, cgroups });
  const rootless = isRootless();
  const plan = planContainerReusing(spec, { bundle, rootfs, preserveFds: opts.preserveFds ?? 0, listenFds: opts.listenFds, noPivot: opts.noPivot }, facts);

  for (const warning of plan.warnings) opts.logger.warn(warning);
  for (const note of plan.notes ?? []) opts.logger.debug?.(note);
  throwIfAborted(signal);
  const dir = createContainerDir(opts.root, id);
  let lock: Lock | undefined;
  // What create did so far, undone in reverse order if it fails.
  const undo = new UndoJournal();
  undo.did('state directory', () => removeContainerDir(opts.root, id));
  let failure: unknown;
  let init: LaunchedInit | undefined;
  let hooksFailed = false;
  const stored: StoredState = {
    ociVersion: spec.ociVersion,
    id,
    pid: 0,
    initStartTime: 0,
    bundle,
    rootfs,
    created: rfc3339Nano(),
    owner: ownerName(),
    annotations: spec.annotations,
    hooks: spec.hooks,
    // What exec inherits, from this config and plan: later edits of config.json must not matter.
    recorded: createRecord(spec, plan, facts.host.lsm ?? gatherLsmFacts()),
    ownPidNamespace: (plan.cloneFlags & CLONE_NEWPID) !== 0,
    systemdCgroup: opts.systemdCgroup || undefined,
    rootless,
  };
  let terminal: number | undefined;
  let tookPooled = false;
  try {
    lock = tryLock(dir);
    const stdio = openStdio(stdioChecked);
    undo.did('stdio', () => stdio.closeAll());
    // A terminal and nobody named to send it to: it comes to us (the library's c.terminal).
    let receiver: ConsoleReceiver | undefined;
    if (spec.process?.terminal && !hasConsoleSocket) {
      const made = new ConsoleReceiver();
      receiver = made;
      undo.did('console receiver', () => made.close());
    }
    const fifo = fifoPath(opts.root, id);
    // 0622, as runc's: the init reopens it for writing as the container's
    // user, whatever host uid that maps to; the 0700 directory keeps every
    // other user away from it (store.ts).
    env.sys.mkfifo(fifo, 0o622);
    const cgroupPlan = plan.cgroups;
    // Taken as late as can be: nothing before could fail and strand it.
    const pool = opts.pool as WarmPool | undefined;
    let pooled: PooledHelper | undefined = pool?.take(plan, opts.logger);
    if (pooled) {
      tookPooled = true;
      const taken = pooled;
      // Until the launch claims it (then the launch, and the container, own it).
      undo.did('pooled helper', () => taken.discard());
    }
    if (cgroupPlan) {
      const making = (dirs: string[]): void => writeInitRecord(opts.root, id, { pid: 0, startTime: 0, cgroupDirs: dirs });
      let adopted: CgroupRecord | undefined;
      if (pooled) {
        try {
          adopted = pooled.adoptCgroups(cgroupPlan, making);
        } catch (err) {
          // A cgroup of the container's name exists already: cold, where an
          // empty one is taken and a busy one refused, as without a pool.
          opts.logger.debug?.(`pool: cannot rename the spare cgroups (${(err as Error).message}), creating cold`);
          const unused = pooled;
          pooled = undefined;
          pool!.servedCold();
          void unused.discard().catch((e) => opts.logger.warn(`pool: removing an unused helper: ${(e as Error).message}`));
        }
      }
      stored.cgroup = await runCgroupPart(
        env.sys,
        cgroupPlan,
        undo,
        opts.logger,
        {
          making,
          // A create killed from here on leaves the cgroups in this record for delete (crash safety).
          made: (record) => writeInitRecord(opts.root, id, { pid: 0, startTime: 0, cgroup: record }),
        },
        adopted && (() => adopted!),
      );
    }
    // In all its cgroups before anything is handed to it.
    await pooled?.placed;
    throwIfAborted(signal);
    // cgroup2: the init is born in its cgroup; v1 hierarchies get its pid before "go".
    // (A pooled helper is in its cgroups already: renamed with them.)
    const bornIn = pooled ? undefined : cgroupPlan?.placement.bornIn;
    const cgroupFd = bornIn !== undefined ? env.sys.openDirectory(bornIn) : undefined;
    try {
      init = await launchInit(
        {
          plan,
          stdio: stdio.fds,
          skipFds,
          execFifo: fifo,
          cgroupFd,
          consoleSocket: hasConsoleSocket ? opts.consoleSocket : receiver?.theirs,
          privilegedIdMaps: !unprivileged,
          async onSpawned(pid) {
            stored.pid = pid;
            stored.initStartTime = env.sys.processStartTime(pid);
            // Before "go": a create killed from here on leaves a record
            // that delete kills the init by (crash safety, store.ts).
            writeInitRecord(opts.root, id, { pid, startTime: stored.initStartTime, cgroup: stored.cgroup });
            // Before "go" (the launch awaits it): the init runs no container
            // code or hook outside its cgroups.
            if (cgroupPlan && cgroupPlan.placement.join.length > 0 && !pooled) await env.sys.joinCgroups(pid, cgroupPlan.placement.join);
            // --systemd-cgroup: systemd takes the cgroups made for it as the scope holding the init.
            if (cgroupPlan?.systemd && stored.cgroup) {
              const { scope, properties } = cgroupPlan.systemd;
              await env.sys.startSystemdScope(scope, scopeStartProperties(scope, id, pid, properties));
              // Recorded (in the record the cgroup undo holds) only once it is ours: a unit of that name that
              // someone else runs makes the start fail, and the clean-up must not stop theirs.
              stored.cgroup.systemd = scope;
              writeInitRecord(opts.root, id, { pid, startTime: stored.initStartTime, cgroup: stored.cgroup });
            }
          },
          hookStates: () => containerHookStates(stored),
          // The seccomp agent runs in the runtime namespace: the host's pid.
          listenerState: () => hookState(stored, 'creating'),
          onSync: (point) => runtimeHooks(point, spec, stored, signal),
          signal,
          ...(pooled ? { pooled } : {}),
        },
        env,
      );
    } catch (err) {
      // In the runtime's hooks or in the init's (createContainer).
      hooksFailed = err instanceof KapselError && err.code === 'ERR_HOOK_FAILED';
      throw err;
    } finally {
      if (cgroupFd !== undefined) env.sys.close(cgroupFd);
    }
    const launched = init;
    undo.did('init', () => launched.abort(failure));
    if (receiver) {
      // Sent by the init before "ready"; receive() closes the receiver's ends.
      const master = receiver.receive();
      terminal = master;
      undo.did('terminal', () => fs.closeSync(master));
    }
    throwIfAborted(signal);
    // The init waits for start: its process has not run yet, and may then
    // reopen its stdio (/dev/stdout) in its user namespace (stdio-owner.ts).
    if ((plan.cloneFlags & CLONE_NEWUSER) !== 0 || plan.join.some((j) => (j.type & CLONE_NEWUSER) !== 0)) {
      env.giveStdio?.(init.pid, stdio.fds, spec.process?.user ?? { uid: 0, gid: 0 }, opts.logger);
    }
    writeState(opts.root, stored);
    if (opts.pidFile) writePidFile(opts.pidFile, init.pid);
    // The init holds its copies; ours would keep the pipes from ever reading EOF.
    stdio.closeChildEnds();
    return { stored, pidfd: init.pidfd, spec, stdio: stdio.streams(), terminal };
  } catch (err) {
    failure = failureOf(err, signal);
    // The first error is what went wrong; a clean-up failure only adds a warning.
    await undo.undoAll((what, e) => opts.logger.warn(`${what} clean-up after a failed create: ${(e as Error).message}`));
    // A failed hook stops the container and the lifecycle goes on to
    // delete, whose poststop hooks run (runtime.md, Lifecycle 3-5, 12-13).
    if (hooksFailed) await runHooksWarnOnly('poststop', spec.hooks?.poststop, hookState(stored, 'stopped'), opts.logger);
    throw failure instanceof AbortError ? failure : explainCreateFailure(SyscallError.from(failure), { spec, plan, bundle });
  } finally {
    lock?.release();
    // Off this create's path: the pool makes the next helper now (pool.ts).
    if (tookPooled) (opts.pool as WarmPool).refill();
  }
}

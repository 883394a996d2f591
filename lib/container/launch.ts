/**
 * Launching a container init: the part create shares with exec. From a
 * plan, stdio and a few fds, it spawns the init helper into its
 * namespaces, writes the id maps of a new user namespace, and follows the
 * setup conversation until the init reports "ready", doing the runtime's
 * part at each sync point (runtime-namespace hooks) through a callback.
 * An exec plan (plan/exec-plan.ts) has no exec fifo and no "ready": the
 * helper's close-on-exec end of the socket closing without a failure
 * report means its final execve succeeded.
 *
 * Either it returns the running init (pid, pidfd), or it leaves nothing:
 * a spawned init is killed and reaped, and every fd it opened is closed.
 * The fds it opens, and the process, go through ParentSyscalls, so a test
 * can check that on a double.
 */
import type { FdRole, LaunchPlan } from '../plan/steps';
import type { State } from '../config/types';
import { InternalError, InvalidConfigError, ProtocolError } from '../errors';
import { containerProcessState } from '../seccomp/listener';
import { timeOffsetsError } from '../plan/time-namespace';
import { makeIdmapTrees } from './idmap-trees';
import { encodeStepsReusing } from './plan-cache';
import { runtimeEnvironment } from '../host/environment';
import { NetDeviceMoves, undoNetDeviceMoves } from './net-devices';
import { openInitLink, type InitHookStates, type InitLink, type SyncPoint } from './init-link';
import { nativeSyscalls, processCalls, type ParentSyscalls } from './syscalls';
import { throwIfAborted } from './abort';

const SIGKILL = 9;

export interface LaunchRequest {
  plan: LaunchPlan;
  /** The container's fds 0, 1, 2 (fds of this process). */
  stdio: [number, number, number];
  /** Of the preserved fds (3 .. 3+plan.preserveFds-1), those the child gets none at (gaps the caller left). */
  skipFds?: readonly number[];
  /**
   * The exec fifo the init blocks on once set up (opened O_PATH and
   * passed). Without it the plan is an exec plan: the launch is complete
   * when the helper has exec'd the process.
   */
  execFifo?: string;
  /** The console socket: a path to connect to, or the fd of a connected socket. */
  consoleSocket?: string | number;
  /**
   * The runtime may write any id map (it has CAP_SETUID/CAP_SETGID in its
   * user namespace); otherwise only its own ids, or through newuidmap.
   */
  privilegedIdMaps: boolean;
  /** A cgroup2 directory fd the init is born in (clone3 CLONE_INTO_CGROUP); the caller closes it. */
  cgroupFd?: number;
  /**
   * Called once the init exists, before anything is asked of it (before
   * "go": the process runs no code of the plan yet). A throw or a
   * rejection aborts the launch.
   */
  onSpawned?(pid: number): void | Promise<void>;
  /** The states the init gives the hooks it runs inside the container (none for an exec plan). */
  hookStates?(): InitHookStates;
  /**
   * The container state the seccomp agent receives with the listener fd;
   * default: the "creating" state of hookStates.
   */
  listenerState?(): State;
  /** The runtime's part of a sync point; a rejection aborts the launch. */
  onSync(point: SyncPoint): Promise<void>;
  /**
   * Aborts the launch: before the spawn nothing is spawned; after it, the
   * init is killed at once (a hook hanging inside it dies with it, and the
   * conversation ends), then reaped and its fds closed as for any failure.
   * The launch then rejects with what the kill made fail; the caller
   * reports the abort (abort.ts failureOf).
   */
  signal?: AbortSignal;
  /**
   * A pooled helper (pool.ts) to hand the fd table to instead of spawning
   * one: already in the plan's namespaces and cgroups. Claimed at once:
   * from then on the launch owns it (a failure kills and reaps it).
   */
  pooled?: PooledInit;
}

/** A pooled helper waiting for its container (pool-helper.ts). */
export interface PooledInit {
  /** Takes it for this launch: its pid, pidfd and our end of its channel, ours to close from now on. */
  claim(): { pid: number; pidfd: number; socket: number };
}

/** An init that reported "ready"; the caller owns its pidfd. */
export interface LaunchedInit {
  readonly pid: number;
  readonly pidfd: number;
  /**
   * Kills and reaps the init and closes its pidfd (for a failure after the
   * launch, `cause`: what went wrong, to which problems of the undo are added).
   */
  abort(cause?: unknown): Promise<void>;
}

/** The launch's dependencies: the native calls and the setup conversation. */
export interface LaunchEnv {
  sys: ParentSyscalls;
  openLink(fd: number): InitLink;
}

export const nativeLaunchEnv: LaunchEnv = { sys: nativeSyscalls, openLink: openInitLink };

/** The container process state (runtime.md) the agent at listenerPath receives with the listener fd. */
function seccompListenerMessage(pid: number, state: State, metadata: string | undefined): string {
  return JSON.stringify(containerProcessState({ pid, state, metadata }));
}

function connectSeccompListener(sys: ParentSyscalls, listenerPath: string): number {
  try {
    return sys.unixConnect(listenerPath);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new InvalidConfigError('/linux/seccomp/listenerPath', `cannot connect to the seccomp agent at ${listenerPath}: ${e.code ?? e.message}`);
  }
}

/** Kills the init, waits for it (reaping it) and closes its pidfd. */
async function killAndReap(sys: ParentSyscalls, pidfd: number): Promise<void> {
  try {
    sys.pidfdSendSignal(pidfd, SIGKILL);
  } catch {
    // already gone: it is reaped below all the same
  }
  await sys.pidfdWait(pidfd).catch(() => undefined);
  sys.close(pidfd);
}

/**
 * Follows the init until it is ready (or, for an exec plan, has exec'd),
 * doing the runtime's part at each sync point.
 */
async function superviseSetup(link: InitLink, onSync: LaunchRequest['onSync'], execPlan: boolean): Promise<void> {
  for (;;) {
    const event = await link.next();
    switch (event.kind) {
      case 'ready':
        if (execPlan) throw new ProtocolError('unexpected "ready" from the helper of an exec plan');
        return;
      case 'failed':
        throw event.error;
      case 'exited':
        // The socket is close-on-exec in the helper: closed without a word is the execve done.
        if (execPlan) return;
        // The protocol owes "ready" or an error; ending without either (killed, crashed) breaks it.
        throw new ProtocolError('container init exited during setup without reporting an error');
      case 'sync':
        try {
          await onSync(event.point);
        } catch (err) {
          try {
            link.abort();
          } catch {
            // the init is gone already; it is killed and reaped anyway
          }
          throw err;
        }
        link.proceed();
    }
  }
}

export async function launchInit(request: LaunchRequest, env: LaunchEnv = nativeLaunchEnv): Promise<LaunchedInit> {
  const { sys } = env;
  const { plan } = request;
  /** fds only the child needs: closed once it has its copies, or on failure. */
  const setupFds: number[] = [];
  let parentSock = -1;
  let link: InitLink | undefined;
  let spawned: { pid: number; pidfd: number } | undefined;
  // Devices moved into the init's network namespace go back if the launch fails.
  const netDevices = new NetDeviceMoves(sys);
  const closeSetupFds = (): void => {
    for (const fd of setupFds.splice(0)) sys.close(fd);
  };
  let killOnAbort: (() => void) | undefined;
  const stopKillOnAbort = (): void => {
    if (killOnAbort) request.signal?.removeEventListener('abort', killOnAbort);
    killOnAbort = undefined;
  };
  try {
    if (request.pooled) {
      // Owned from here: every failure below kills and reaps it, as a spawned one.
      const claimed = request.pooled.claim();
      spawned = { pid: claimed.pid, pidfd: claimed.pidfd };
      parentSock = claimed.socket;
    }
    const execPlan = request.execFifo === undefined;
    const has = (role: FdRole): boolean => plan.fds.some((slot) => slot.role === role);
    // The plan's fd table and the request must agree (create and exec check the console socket against process.terminal).
    if (has('fifo') === execPlan) throw new InternalError(`launch: the plan ${execPlan ? 'has' : 'has no'} exec fifo slot, the request ${execPlan ? 'no' : 'an'} exec fifo`);
    const hasConsole = request.consoleSocket !== undefined && request.consoleSocket !== '';
    if (has('console') !== hasConsole) throw new InternalError(`launch: the plan ${hasConsole ? 'has no' : 'has a'} console slot, the request ${hasConsole ? 'a' : 'no'} console socket`);
    // What each role of the table gets, opened in this order (a failure closes what is open).
    const opened = new Map<FdRole, number>();
    if (request.execFifo !== undefined) {
      opened.set('fifo', sys.openPath(request.execFifo));
      setupFds.push(opened.get('fifo')!);
    }
    // Hooks without env get the runtime's own environment, which the plan
    // never holds (plan/hooks.ts): it goes on the wire only.
    opened.set('plan', sys.memfdWith('kapsel-plan', encodeStepsReusing(plan.steps, runtimeEnvironment())));
    setupFds.push(opened.get('plan')!);
    if (!request.pooled) {
      const [parentEnd, childEnd] = sys.seqpacketPair();
      parentSock = parentEnd;
      setupFds.push(childEnd);
      opened.set('sync', childEnd);
    }
    if (typeof request.consoleSocket === 'number') {
      opened.set('console', request.consoleSocket);
    } else if (hasConsole) {
      opened.set('console', sys.unixConnect(request.consoleSocket as string));
      setupFds.push(opened.get('console')!);
    }
    if (has('listener')) {
      if (!plan.seccompListener) throw new InternalError('launch: the plan has a listener slot and no seccomp listener');
      // Connected now, so that a missing or dead agent fails create before
      // anything runs; the init sends the listener fd through it.
      opened.set('listener', connectSeccompListener(sys, plan.seccompListener.path));
      setupFds.push(opened.get('listener')!);
    }
    const trees = makeIdmapTrees(sys, plan, setupFds);
    const fds = plan.fds.map((slot, i): number => {
      if (slot.fd !== i) throw new InternalError(`launch: the plan's fd table has fd ${slot.fd} at position ${i}`);
      switch (slot.role) {
        case 'stdin':
          return request.stdio[0];
        case 'stdout':
          return request.stdio[1];
        case 'stderr':
          return request.stdio[2];
        case 'preserved':
          // A gap stays a gap (-1: no fd there), so every passed fd keeps its number.
          return request.skipFds?.includes(3 + slot.n!) ? -1 : 3 + slot.n!;
        case 'tree':
          return trees[slot.n!];
        default:
          return opened.get(slot.role)!;
      }
    });
    const fdOf = (role: FdRole): number => plan.fds.find((slot) => slot.role === role)!.fd;
    const spawnOptions = {
      file: processCalls.initHelperPath(),
      // The plan's header tells the helper its kind (lib/plan/header.ts).
      argv: ['kapsel-init', '--plan-fd', String(fdOf('plan')), '--sync-fd', String(fdOf('sync'))],
      env: [],
      fds,
      cloneFlags: plan.cloneFlags,
      join: plan.join,
      ...(request.cgroupFd !== undefined ? { cgroupFd: request.cgroupFd } : {}),
      timeOffsets: plan.timeOffsets,
      ...(plan.oomScoreAdj !== undefined ? { oomScoreAdj: plan.oomScoreAdj } : {}),
    };
    throwIfAborted(request.signal);
    if (request.pooled) {
      // The helper has its own end of the channel: it becomes the sync fd.
      // A gap of the preserved fds (-1) is not sent: the helper leaves it closed.
      const sent = plan.fds.filter((slot) => slot.role !== 'sync' && fds[slot.fd] !== -1);
      sys.poolHandover(parentSock, sent.map((slot) => fds[slot.fd]), sent.map((slot) => slot.fd), fdOf('plan'), fdOf('sync'));
    } else {
      try {
        spawned = await sys.spawn(spawnOptions);
      } catch (err) {
        throw timeOffsetsError(err);
      }
    }
    const child = spawned!;
    const { pidfd: spawnedPidfd } = child;
    // Through the pidfd, open until this listener is gone (stopKillOnAbort before every reap): never another process.
    killOnAbort = () => {
      try {
        sys.pidfdSendSignal(spawnedPidfd, SIGKILL);
      } catch {
        // gone already: reaped below all the same
      }
    };
    if (request.signal?.aborted) killOnAbort();
    else request.signal?.addEventListener('abort', killOnAbort, { once: true });
    closeSetupFds();
    link = env.openLink(parentSock);
    parentSock = -1;
    await request.onSpawned?.(child.pid);
    if (plan.uidMappings.length > 0) {
      sys.writeIdMaps(child.pid, plan.uidMappings, plan.gidMappings, plan.denySetgroups, request.privilegedIdMaps);
    }
    netDevices.moveAll(child.pid, plan.netDevices ?? []);
    const states = request.hookStates?.();
    const listenerState = request.listenerState?.() ?? states?.creating;
    if (plan.seccompListener && !listenerState) throw new InternalError('a seccomp listener needs a container state to send');
    link.go(states, plan.seccompListener && seccompListenerMessage(child.pid, listenerState!, plan.seccompListener.metadata));
    await superviseSetup(link, request.onSync, execPlan);
    // Aborted while the init was finishing: it is killed below, as for a failure.
    throwIfAborted(request.signal);
    stopKillOnAbort();
    link.close();
    netDevices.release();
    const { pid, pidfd } = child;
    let aborted = false;
    return {
      pid,
      pidfd,
      async abort(cause?: unknown) {
        if (aborted) return;
        aborted = true;
        // A create that fails after the launch leaves no device moved.
        undoNetDeviceMoves(netDevices, cause);
        await killAndReap(sys, pidfd);
      },
    };
  } catch (err) {
    stopKillOnAbort();
    closeSetupFds();
    if (link) link.close();
    else if (parentSock >= 0) sys.close(parentSock);
    if (spawned) {
      // While the init, and so its network namespace, still lives.
      undoNetDeviceMoves(netDevices, err);
      await killAndReap(sys, spawned.pidfd);
    }
    throw err;
  }
}

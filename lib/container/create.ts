/**
 * create: bundle -> plan -> init helper in new namespaces, waiting on the
 * exec fifo. Either the container ends up "created" with state.json written,
 * or nothing is left: the init is killed and reaped, the state directory
 * removed, every fd closed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadBundle } from '../config/load';
import type { Spec, State } from '../config/types';
import { InvalidArgumentError, KapselError, SyscallError } from '../errors';
import { runHooks, runHooksWarnOnly } from '../hooks/run';
import type { Logger } from '../logger';
import { initHelperPath, native } from '../native/addon';
import { CLONE_NEWPID } from '../native/constants';
import { compilePlan } from '../plan/compile';
import { encodeSteps } from '../plan/encode';
import { helperFdLayout, type LaunchPlan } from '../plan/steps';
import { readProcStat } from '../state/proc';
import { isRootless } from '../state/root';
import {
  createContainerDir,
  fifoPath,
  removeContainerDir,
  tryLock,
  writeState,
  type Lock,
  type StoredState,
} from '../state/store';
import { validateId } from '../state/id';
import { failureToError, InitChannel, isFailure } from './init-channel';
import { writeIdMaps } from './idmap';

const MFD_CLOEXEC = 0x1;
const O_PATH = 0o10000000;

export interface CreateOptions {
  /** Container id: letters, digits, "_", "+", "-", "." */
  id: string;
  /** Bundle directory (config.json + rootfs). */
  bundle: string;
  /** State root; default /run/kapsel, or $XDG_RUNTIME_DIR/kapsel when rootless. */
  root: string;
  /** The container's stdin, stdout, stderr (fds of this process); default 0, 1, 2. */
  stdio?: [number, number, number];
  /** Pass fds 3 .. 3+preserveFds-1 of this process to the container. */
  preserveFds?: number;
  /** Write the init's host pid here (no newline), before create returns. */
  pidFile?: string;
  /**
   * Where the pty master goes when process.terminal is true: the path of a
   * listening AF_UNIX socket (runc's --console-socket; the master arrives
   * as one message with SCM_RIGHTS), or the fd of a connected one.
   */
  consoleSocket?: string | number;
  /** chroot instead of pivot_root (for roots on ramfs). */
  noPivot?: boolean;
  /** Accepted for runc compatibility: no session keyring is created anyway. */
  noNewKeyring?: boolean;
  /** Recorded in the state for runc compatibility. */
  systemdCgroup?: boolean;
  logger: Logger;
}

export interface CreatedInit {
  stored: StoredState;
  /** pidfd of the init, a child of this process (close it or wait on it). */
  pidfd: number;
  spec: Spec;
}

/** A user namespace we run in that denies setgroups passes that on to the container's. */
function setgroupsDeniedHere(): boolean {
  try {
    return fs.readFileSync('/proc/self/setgroups', 'utf8').trim() === 'deny';
  } catch {
    return false;
  }
}

function rfc3339Nano(): string {
  const now = process.hrtime.bigint();
  const ms = Date.now();
  const nanos = String(Number(now % 1_000_000_000n)).padStart(9, '0');
  return new Date(ms).toISOString().replace(/\.\d+Z$/, `.${nanos}Z`);
}

function ownerName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return String(process.geteuid!());
  }
}

function hookState(stored: StoredState, status: State['status']): State {
  const state: State = { ociVersion: stored.ociVersion, id: stored.id, status, pid: stored.pid, bundle: stored.bundle };
  if (stored.annotations) state.annotations = stored.annotations;
  return state;
}

function writePidFile(file: string, pid: number): void {
  const target = path.resolve(file);
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, String(pid));
  fs.renameSync(tmp, target);
}

/** Resources of a create in progress, released in one place whatever happens. */
class Launch {
  lock?: Lock;
  planFd = -1;
  fifoFd = -1;
  /** Our connection to the console socket (when we opened it). */
  consoleFd = -1;
  parentSock = -1;
  childSock = -1;
  pidfd = -1;
  pid = 0;
  channel?: InitChannel;

  closeSetupFds(): void {
    for (const key of ['planFd', 'fifoFd', 'childSock', 'consoleFd'] as const) {
      if (this[key] >= 0) fs.closeSync(this[key]);
      this[key] = -1;
    }
  }

  /** Kills and reaps the init if it was started, closes everything. */
  async abort(): Promise<void> {
    this.closeSetupFds();
    if (this.channel) this.channel.close();
    else if (this.parentSock >= 0) fs.closeSync(this.parentSock);
    this.channel = undefined;
    this.parentSock = -1;
    if (this.pidfd >= 0) {
      try {
        native().pidfdSendSignal(this.pidfd, 9);
      } catch {
        // already gone
      }
      await native().pidfdWait(this.pidfd, true).catch(() => undefined);
      fs.closeSync(this.pidfd);
      this.pidfd = -1;
    }
  }
}

function startInit(plan: LaunchPlan, launch: Launch, opts: CreateOptions, fifo: string): void {
  const addon = native();
  launch.fifoFd = fs.openSync(fifo, O_PATH);
  launch.planFd = addon.memfdCreate('kapsel-plan', MFD_CLOEXEC);
  fs.writeSync(launch.planFd, encodeSteps(plan.steps));
  [launch.parentSock, launch.childSock] = addon.seqpacketPair();
  const layout = helperFdLayout(plan.preserveFds);
  const preserved = Array.from({ length: plan.preserveFds }, (_, i) => 3 + i);
  const fds = [...(opts.stdio ?? [0, 1, 2]), ...preserved, launch.planFd, launch.childSock, launch.fifoFd];
  if (opts.consoleSocket !== undefined && opts.consoleSocket !== '') {
    if (typeof opts.consoleSocket === 'number') {
      fds.push(opts.consoleSocket);
    } else {
      launch.consoleFd = addon.unixConnect(opts.consoleSocket);
      fds.push(launch.consoleFd);
    }
  }
  const { pid, pidfd } = addon.spawn({
    file: initHelperPath(),
    argv: ['kapsel-init', '--plan-fd', String(layout.planFd), '--sync-fd', String(layout.syncFd)],
    env: [],
    fds,
    cloneFlags: plan.cloneFlags,
    join: plan.join,
  });
  launch.pid = pid;
  launch.pidfd = pidfd;
  launch.closeSetupFds();
  launch.channel = new InitChannel(launch.parentSock);
}

/** Follows the helper until it reports "ready"; runs runtime-namespace hooks when asked. */
async function superviseSetup(channel: InitChannel, spec: Spec, stored: StoredState): Promise<void> {
  for (;;) {
    const message = await channel.receive();
    if (!message) {
      throw new KapselError('ERR_SYSCALL', 'container init exited during create without reporting an error');
    }
    if (message.type === 'ready') return;
    if (isFailure(message)) throw failureToError(message);
    if (message.type === 'sync' && message.name === 'runtime-hooks') {
      const state = hookState(stored, 'creating');
      try {
        await runHooks('prestart', spec.hooks?.prestart, state);
        await runHooks('createRuntime', spec.hooks?.createRuntime, state);
      } catch (err) {
        channel.send({ type: 'abort' });
        throw err;
      }
      channel.send({ type: 'ok' });
      continue;
    }
    throw new KapselError('ERR_SYSCALL', `unexpected message from container init: ${message.type}`);
  }
}

export async function createContainer(opts: CreateOptions): Promise<CreatedInit> {
  const id = validateId(opts.id);
  const { bundle, config: spec, rootfs } = loadBundle(opts.bundle);
  const hasConsoleSocket = opts.consoleSocket !== undefined && opts.consoleSocket !== '';
  if (hasConsoleSocket && !spec.process?.terminal) {
    throw new InvalidArgumentError('cannot use a console socket: process.terminal is false, there is no terminal to send');
  }
  if (spec.process?.terminal && !hasConsoleSocket) {
    throw new InvalidArgumentError(
      'process.terminal is true: a console socket is needed to receive the terminal (--console-socket), or set "terminal": false',
    );
  }
  // Writing arbitrary id maps and calling setgroups need CAP_SETUID/SETGID
  // in our own user namespace: uid 0 there has them, also inside a user
  // namespace (rootless podman runs us as its uid 0). isRootless() only
  // picks the default state root and is recorded for engines.
  const unprivileged = process.geteuid!() !== 0 || setgroupsDeniedHere();
  const rootless = isRootless();
  const plan = compilePlan(spec, {
    bundle,
    rootfs,
    preserveFds: opts.preserveFds ?? 0,
    noPivot: opts.noPivot,
    rootless: unprivileged,
  });

  for (const warning of plan.warnings) opts.logger.warn(warning);
  const dir = createContainerDir(opts.root, id);
  const launch = new Launch();
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
    ownPidNamespace: (plan.cloneFlags & CLONE_NEWPID) !== 0,
    systemdCgroup: opts.systemdCgroup || undefined,
    rootless,
  };
  try {
    launch.lock = tryLock(dir);
    const fifo = fifoPath(opts.root, id);
    native().mkfifo(fifo, 0o622);
    startInit(plan, launch, opts, fifo);
    stored.pid = launch.pid;
    stored.initStartTime = readProcStat(launch.pid)?.startTime ?? 0;
    if (plan.uidMappings.length > 0) {
      writeIdMaps(launch.pid, plan.uidMappings, plan.gidMappings, plan.denySetgroups, !unprivileged);
    }
    launch.channel!.send({
      type: 'go',
      creatingState: JSON.stringify(hookState(stored, 'creating')),
      createdState: JSON.stringify(hookState(stored, 'created')),
    });
    try {
      await superviseSetup(launch.channel!, spec, stored);
    } catch (err) {
      hooksFailed = (err as KapselError).code === 'ERR_HOOK_FAILED';
      throw err;
    }
    launch.channel!.close();
    launch.channel = undefined;
    launch.parentSock = -1;
    writeState(opts.root, stored);
    if (opts.pidFile) writePidFile(opts.pidFile, launch.pid);
    const pidfd = launch.pidfd;
    launch.pidfd = -1;
    return { stored, pidfd, spec };
  } catch (err) {
    await launch.abort();
    removeContainerDir(opts.root, id);
    // A failed hook stops the container and the lifecycle goes on to
    // delete, whose poststop hooks run (runtime.md, Lifecycle 3-5, 12-13).
    if (hooksFailed) await runHooksWarnOnly('poststop', spec.hooks?.poststop, hookState(stored, 'stopped'), opts.logger);
    throw SyscallError.from(err);
  } finally {
    launch.lock?.release();
  }
}

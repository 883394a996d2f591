/**
 * Container: the library's handle on one OCI container, a thin facade.
 * Each operation lives in its own module (create.ts, start.ts, kill.ts,
 * delete.ts), shaped "lock -> refresh -> assert -> act" (operation.ts):
 * it takes the container's lock, derives the status from reality, asks
 * the state machine (state/machine.ts) whether it is allowed, then acts.
 * Every operation reaches the state root through an fd of it, opened and
 * checked (ours alone) for that operation (state/root.ts withStateRoot):
 * the operations get `/proc/self/fd/N` as their root, never the path.
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CgroupStats } from '../cgroups';
import type { OomWatch } from '../cgroups/oom-watch';
import type { LinuxResources, Process, Spec } from '../config/types';
import { ContainerNotFoundError, KapselError } from '../errors';
import { warningLogger, type Logger } from '../logger';
import type { CompileOptions } from '../plan/compile';
import type { PlanFacts } from '../plan/plan-facts';
import type { SeccompCompiler } from '../plan/seccomp';
import type { LaunchPlan } from '../plan/steps';
import { parseSignal, type Signal } from '../signals';
import { validateId } from '../state/id';
import { resolveRoot, withStateRoot } from '../state/root';
import { toOciState, type ContainerState } from '../state/status';
import { listIds, readState, type StoredState } from '../state/store';
import type { CreateOptions as InternalCreateOptions } from './create';
import type { ExecOptions } from './exec';
import { execProcessFrom, type ExecCommandOptions } from './exec-command';
import { ExecProcess } from './exec-process';
import { exitStatusOf, type ExitStatus } from './exit-status';
import { killContainer } from './kill';
import { runCreated } from './run-created';
import type { ContainerRef } from './operation';
import { waitForInit } from './signal';
import { assertPreservedFdsOpen, pidfdReleaser, preservedFdGaps, reapThroughPidfd } from './fds';
import type { Readable, Writable } from 'node:stream';
import { checkSignal, raceAbort, throwIfAborted } from './abort';
import { checkArgs, object, signal as signalArg, string } from '../args';
import { CREATE_OPTIONS, DELETE_OPTIONS, EXEC_OPTIONS, EXEC_WHAT, KILL_OPTIONS, LOAD_OPTIONS, PLAN_OPTIONS, SIGNAL_OPTIONS } from './option-guards';
import type { TerminalStream } from './stdio-terminal';
import type { ContainerPool, PoolOptions } from './pool';

/**
 * {@link Container.create}'s options: which container (`id`), from which
 * bundle, where its state lives (`root`), its stdio, terminal, preserved
 * fds, cancellation (`signal`) and where warnings go.
 */
export interface CreateOptions extends Omit<InternalCreateOptions, 'root' | 'logger'> {
  /** State root; default /run/kapsel (root) or $XDG_RUNTIME_DIR/kapsel (rootless). */
  root?: string;
  /**
   * Where warnings go (failed poststop hooks, settings not applied);
   * default: process.emitWarning with code KAPSEL_WARNING.
   */
  logger?: Logger;
}

/** {@link Container.run}'s options: {@link CreateOptions}. */
export type RunOptions = CreateOptions;

/**
 * What Container.run resolves with: how the container's process ended.
 * An object (not the bare ExitStatus) so that it can carry more, such as
 * collected output, without breaking callers.
 */
export interface RunResult extends ExitStatus {
  /** The container's id. */
  id: string;
}

/** Container#exec's options when it is given a command (an args array) instead of a process object. */
export type ExecCommandAndOptions = ExecCommandOptions & Omit<ExecOptions, 'logger'>;

/** The events of a Container and their arguments. */
export interface ContainerEvents {
  /** start() ran the user's process (its startContainer hooks passed). */
  started: [];
  /**
   * The init exited: with its status when this process created the
   * container, else (a loaded container: only the parent can read a
   * status) with nulls once it is gone. Listening is enough: the handle
   * watches the init's pidfd while there is a listener.
   */
  exit: [status: ExitStatus];
  /** New OOM kills in the container's cgroup (watched while there is a listener). */
  oom: [kills: number];
  /** pause() froze it. */
  paused: [];
  /** resume() thawed it. */
  resumed: [];
  /** delete() removed it. */
  deleted: [];
}

type Listener<E extends keyof ContainerEvents> = (...args: ContainerEvents[E]) => void;

/** The typed EventEmitter methods of {@link Container}, for the {@link ContainerEvents}. */
export interface Container {
  /**
   * Listens for `event` (see {@link ContainerEvents}); an 'exit' or 'oom'
   * listener starts the watch that emits it.
   */
  on<E extends keyof ContainerEvents>(event: E, listener: Listener<E>): this;
  /** As {@link Container.on}, for the next emission only. */
  once<E extends keyof ContainerEvents>(event: E, listener: Listener<E>): this;
  /** Removes a listener; the OOM watch ends with the last 'oom' listener. */
  off<E extends keyof ContainerEvents>(event: E, listener: Listener<E>): this;
  /** As {@link Container.on}. */
  addListener<E extends keyof ContainerEvents>(event: E, listener: Listener<E>): this;
  /** As {@link Container.off}. */
  removeListener<E extends keyof ContainerEvents>(event: E, listener: Listener<E>): this;
  /** Emits `event` to its listeners (the container emits its events itself). */
  emit<E extends keyof ContainerEvents>(event: E, ...args: ContainerEvents[E]): boolean;
}

/** {@link Container.plan}'s options (and the bundle, rootfs and fd options that create would plan with). */
export interface PlanOptions extends Partial<CompileOptions> {
  /** The host and image facts to plan for; default: gathered from this host and the rootfs. */
  facts?: PlanFacts;
  /**
   * Compiles linux.seccomp into the plan's program. Default: libseccomp's
   * when the facts are gathered; with `facts` given, none unless given
   * here: the seccomp step then has an empty program and shows the
   * normalized profile where the filter would go, and planning needs no
   * libseccomp (unit tests of OCI semantics on a made-up host).
   */
  seccompCompiler?: SeccompCompiler;
  /**
   * Without `facts`: the container id the default cgroup directory is
   * named after (default "<id>", as `kapsel plan` shows it), and whether
   * create would get --systemd-cgroup.
   */
  id?: string;
  /** Without `facts`: plan the cgroup as create with --systemd-cgroup would place it. */
  systemdCgroup?: boolean;
}

/** {@link Container.load}'s and {@link Container.list}'s options. */
export interface LoadOptions {
  /** State root; default /run/kapsel (root) or $XDG_RUNTIME_DIR/kapsel (rootless). */
  root?: string;
  /** As CreateOptions.logger. */
  logger?: Logger;
}

/** {@link Container.kill}'s options. */
export interface KillOptions {
  /** Signal every process of the container, not only its init. */
  all?: boolean;
}

/** {@link Container.delete}'s options. */
export interface DeleteOptions {
  /** Kill a container that is not stopped yet (SIGKILL) and delete it. */
  force?: boolean;
  /**
   * An aborted signal rejects (AbortError) before anything is done. A
   * delete that has begun runs to its end: stopped halfway, it would leave
   * what it exists to remove.
   */
  signal?: AbortSignal;
}

/** start()'s options: as for delete, the signal is checked before the process is released (a started process cannot be taken back). */
export interface StartOptions {
  /** An aborted signal rejects (AbortError) before the process is released. */
  signal?: AbortSignal;
}

/** wait()'s options: an abort rejects the wait (AbortError); the process runs on, and a later wait() still gets its status. */
export interface WaitOptions {
  /** Aborting rejects the wait with an AbortError; the process runs on. */
  signal?: AbortSignal;
}

export type { ExitStatus };

/**
 * Modules only some operations need, loaded on first use: engines call
 * `kapsel state` and `kill` often, and these cost ~30 ms to load.
 */
const lazy = {
  create: () => require('./create') as typeof import('./create'),
  start: () => require('./start') as typeof import('./start'),
  delete: () => require('./delete') as typeof import('./delete'),
  exec: () => require('./exec') as typeof import('./exec'),
  createRecord: () => require('./create-record') as typeof import('./create-record'),
  pause: () => require('./pause') as typeof import('./pause'),
  resume: () => require('./resume') as typeof import('./resume'),
  processes: () => require('./processes') as typeof import('./processes'),
  stats: () => require('./stats') as typeof import('./stats'),
  update: () => require('./update') as typeof import('./update'),
  terminal: () => require('./stdio-terminal') as typeof import('./stdio-terminal'),
  validate: () => require('../config/validate') as typeof import('../config/validate'),
  planning: () => require('./planning') as typeof import('./planning'),
  pool: () => require('./pool') as typeof import('./pool'),
};

/**
 * One container. Obtain it with Container.create() or Container.load(), or
 * let Container.run() do the whole life. Emits the ContainerEvents:
 * 'started', 'exit', 'oom', 'paused', 'resumed', 'deleted'. There is no
 * 'created': create() resolves with the container once it is created, so
 * nobody could hold it to listen before; the resolution is that event.
 * The 'oom' watch (lib/cgroups/oom-watch.ts) ends with the cgroup and does
 * not keep the process alive by itself; an 'exit' listener does, as a
 * pending wait() does. `await using c = await Container.create(...)`
 * force-deletes the container at the end of the scope.
 */
export class Container extends EventEmitter implements AsyncDisposable {
  /** The container id. */
  readonly id: string;
  /** The path of the state root it lives under (each operation opens and checks it anew: withStateRoot). */
  readonly root: string;
  private stored: StoredState | undefined;
  private readonly logger: Logger;
  /** pidfd of the init when this process created it (and is its parent). */
  private pidfd: number;
  private exit?: Promise<ExitStatus>;
  private oomWatch?: OomWatch;
  /** The container's stdin when created with stdio 'pipe' for it (as ChildProcess#stdin), else null. */
  stdin: Writable | null = null;
  /** Its stdout with 'pipe': ends when every copy of the container's end is closed. */
  stdout: Readable | null = null;
  /** Its stderr with 'pipe', as stdout; else null. */
  stderr: Readable | null = null;
  /** With process.terminal and no consoleSocket: the pty master, with resize(columns, rows). */
  terminal: TerminalStream | null = null;

  private constructor(id: string, root: string, stored: StoredState | undefined, logger: Logger, pidfd = -1) {
    super();
    this.id = id;
    this.root = root;
    this.stored = stored;
    this.logger = logger;
    this.pidfd = pidfd;
    if (pidfd >= 0) pidfdReleaser.register(this, pidfd, this);
    const events = this as EventEmitter; // the typed overloads name only the public events
    events.on('newListener', (event: string | symbol) => {
      if (event === 'oom') this.watchOom();
      // One rule for both classes (as ExecProcess): listening for 'exit' is enough.
      if (event === 'exit') this.watchExit();
    });
    events.on('removeListener', (event: string | symbol) => {
      if (event === 'oom' && this.listenerCount('oom') === 0) this.stopOomWatch();
    });
  }

  /** Watches the cgroup's OOM kills while 'oom' has listeners; nothing to watch once the container is gone. */
  private watchOom(): void {
    if (this.oomWatch) return;
    let watch: OomWatch | undefined;
    try {
      watch = this.inRoot((ref) => lazy.stats().watchContainerOom(ref, (kills) => this.emit('oom', kills), { keepAlive: false }));
    } catch (err) {
      this.logger.warn(`container "${this.id}": cannot watch for OOM kills: ${(err as Error).message}`);
    }
    if (!watch) return;
    this.oomWatch = watch;
    // Ended by the cgroup's removal (a delete from any process) or by stopOomWatch.
    void watch.ended.then(() => {
      if (this.oomWatch === watch) this.oomWatch = undefined;
    });
  }

  /** wait() for an 'exit' listener; a container already gone gets no 'exit' (there is no status to give). */
  private watchExit(): void {
    try {
      void this.wait().catch(() => undefined);
    } catch {
      // deleted meanwhile (a loaded container's state is read here)
    }
  }

  private stopOomWatch(): void {
    this.oomWatch?.close();
    this.oomWatch = undefined;
  }

  /**
   * Creates a container from a bundle: namespaces, mounts, devices and the
   * prestart/createRuntime/createContainer hooks; the process in
   * config.json does not run until start(). Resolves once it is "created".
   * Bad input rejects with a typed error and leaves nothing behind: an
   * InvalidConfigError naming the JSON path, a BundleError, a
   * ContainerExistsError; an aborted `signal` takes back what was made and
   * rejects with an AbortError.
   *
   * @example
   * ```ts
   * import { Container } from 'kapsel';
   * const c = await Container.create({ id: 'web', bundle: '/srv/bundles/web', stdio: ['ignore', 'pipe', 'inherit'] });
   * c.stdout!.pipe(process.stdout);
   * await c.start();
   * const { exitCode } = await c.wait();
   * await c.delete();
   * ```
   */
  static async create(options: CreateOptions): Promise<Container> {
    checkArgs([options, 'options', CREATE_OPTIONS]);
    throwIfAborted(checkSignal(options.signal));
    const root = resolveRoot(options.root);
    const logger = options.logger ?? warningLogger;
    // The gaps in the preserved range, taken before the state root's fd is
    // opened: it takes the lowest free number, and must never fill a gap
    // and so be handed to the container (create skips gaps, fds.ts).
    const skipFds = preservedFdGaps(lazy.create().passedFdCount(options), options.skipFds);
    const created = await withStateRoot(root, 'create', (dir) => lazy.create().createContainer({ ...options, skipFds, root: dir, logger }));
    const container = new Container(created.stored.id, root, created.stored, logger, created.pidfd);
    Object.assign(container, created.stdio);
    if (created.terminal !== undefined) container.terminal = new (lazy.terminal().TerminalStream)(created.terminal);
    return container;
  }

  /**
   * A warm pool of `size` init helpers, each waiting in fresh namespaces
   * (by default those of `kapsel spec`'s config) and spare cgroups, for
   * `Container.create({ ..., pool })`: a config the pool fits starts in a
   * waiting helper (no clone, exec or cgroup creation on its path), any
   * other is created cold. Resolves once the pool is full; close it (or
   * `await using`) to kill the helpers and remove their cgroups.
   */
  static pool(options: PoolOptions): Promise<ContainerPool> {
    return lazy.pool().WarmPool.open(options);
  }

  /**
   * The whole life at once: create, start, wait, delete (also when start
   * or the wait fails: nothing is left). Resolves with how the container's
   * process ended.
   *
   * @example
   * ```ts
   * import { Container } from 'kapsel';
   * const { exitCode, signal } = await Container.run({ id: 'job-1', bundle: '/srv/bundles/job' });
   * if (exitCode !== 0) console.error(`job failed: ${exitCode ?? signal}`);
   * ```
   */
  static async run(options: RunOptions): Promise<RunResult> {
    checkArgs([options, 'options', CREATE_OPTIONS]);
    return runCreated(await Container.create(options));
  }

  /**
   * A handle on an existing container (created by this process, another
   * one, or the CLI). Rejects with ContainerNotFoundError when there is no
   * such container, InvalidIdError for an id that cannot be one. A loaded
   * container's wait() and 'exit' give nulls (only the init's parent can
   * read its exit status).
   *
   * @example
   * ```ts
   * import { Container } from 'kapsel';
   * const c = await Container.load('web');
   * console.log(c.state().status); // 'running'
   * await c.kill('SIGTERM');
   * ```
   */
  static async load(id: string, options: LoadOptions = {}): Promise<Container> {
    checkArgs([id, 'id', string], [options, 'options', LOAD_OPTIONS]);
    const root = resolveRoot(options.root);
    validateId(id);
    const notFound = (): never => {
      throw new ContainerNotFoundError(id);
    };
    const stored = withStateRoot(root, notFound, (dir) => readState(dir, id));
    return new Container(id, root, stored, options.logger ?? warningLogger);
  }

  /** The OCI state of every container under the root. */
  static async list(options: LoadOptions = {}): Promise<ContainerState[]> {
    checkArgs([options, 'options', LOAD_OPTIONS]);
    const root = resolveRoot(options.root);
    return withStateRoot(
      root,
      () => [], // no root yet: no containers (as runc lists)
      (dir) => {
        const out: ContainerState[] = [];
        for (const id of listIds(dir)) {
          try {
            out.push(toOciState(dir, id, readState(dir, id)));
          } catch (err) {
            if (!(err instanceof ContainerNotFoundError)) throw err; // deleted meanwhile
          }
        }
        return out;
      },
    );
  }

  /**
   * The launch plan for a config, without running anything. The config is
   * validated first (InvalidConfigError as create would throw it). `bundle`
   * defaults to the current directory and `rootfs` to root.path resolved
   * against it; nothing is written. `facts` describe the host and the image
   * (host/facts.ts); without them they are gathered from this host and the
   * rootfs, read-only, as create gathers them, and the seccomp profile is
   * compiled with libseccomp (`seccompCompiler` says otherwise).
   *
   * @example
   * ```ts
   * import { Container, defaultSpec, formatPlan } from 'kapsel';
   * const plan = Container.plan(defaultSpec({ rootless: false }), { bundle: '/srv/bundles/web' });
   * console.log(formatPlan(plan)); // one line per step, as `kapsel plan` prints it
   * ```
   */
  static plan(config: Spec, options: PlanOptions = {}): LaunchPlan {
    // config itself is config.json's validation's (InvalidConfigError with JSON paths).
    checkArgs([options, 'options', PLAN_OPTIONS]);
    const spec = lazy.validate().validateConfig(config);
    const bundle = path.resolve(options.bundle ?? '.');
    const rootfs = options.rootfs ?? path.resolve(bundle, spec.root.path);
    return lazy.planning().planContainer(spec, { bundle, rootfs, preserveFds: options.preserveFds, noPivot: options.noPivot }, {
      facts: options.facts,
      seccompCompiler: options.seccompCompiler,
      container: { id: options.id ?? '<id>', systemdCgroup: options.systemdCgroup },
    });
  }

  /**
   * Runs `use` with this container as a ref through an fd of its state
   * root, opened and checked for this call (withStateRoot); a root gone
   * meanwhile means the container is (or what `missing` returns).
   */
  private inRoot<T>(use: (ref: ContainerRef) => T, missing?: () => T): T {
    const notFound = (): never => {
      throw new ContainerNotFoundError(this.id);
    };
    return withStateRoot(this.root, missing ?? notFound, (dir) => use({ root: dir, id: this.id }));
  }

  private refresh(): StoredState | undefined {
    this.stored = this.inRoot((ref) => readState(ref.root, ref.id));
    return this.stored;
  }

  /** Host pid of the container's init (0 once stopped). */
  get pid(): number {
    return this.state().pid ?? 0;
  }

  /** The OCI state, derived now from the init process and the exec fifo. */
  state(): ContainerState {
    return this.inRoot((ref) => {
      this.stored = readState(ref.root, ref.id);
      return toOciState(ref.root, ref.id, this.stored);
    });
  }

  /**
   * Runs the user's process (startContainer hooks first, poststart hooks
   * after). A failing hook of either kind destroys the container (then its
   * poststop hooks run) and rejects with the hook's error (HookFailedError).
   * Refused (InvalidStateError) unless the container is "created".
   *
   * @example
   * ```ts
   * import { Container } from 'kapsel';
   * const c = await Container.create({ id: 'web', bundle: '/srv/bundles/web' });
   * c.on('exit', ({ exitCode }) => console.log('exited', exitCode));
   * await c.start();
   * ```
   */
  async start(options: StartOptions = {}): Promise<void> {
    checkArgs([options, 'options', SIGNAL_OPTIONS]);
    throwIfAborted(checkSignal(options.signal));
    await this.inRoot((ref) =>
      lazy.start().startContainer(
        { ...ref, logger: this.logger, reapChild: this.pidfd >= 0 ? () => this.wait() : undefined },
        () => this.emit('started'),
      ),
    );
  }

  /**
   * Runs another process in the running container (runc exec), joining
   * every namespace and the cgroups of the container's init. Either a
   * command, `exec(['sh', '-c', 'exit 5'], { env: ['A=1'] })`: the
   * container's own process as create recorded it (cwd, env, user,
   * capabilities, no_new_privs, LSM labels, rlimits) with these args and
   * the few changes `options` makes, as `runc exec ID cmd` does; or a full
   * OCI `process` object, validated as config.json's (errors name JSON
   * paths in it). Resolves once the process runs, with a handle (pid,
   * wait(), kill(), 'exit'); the process is a child of this process.
   * Several may run at once. Refused unless the container is running (or
   * paused, with ignorePaused).
   *
   * @example
   * ```ts
   * import { collectOutput } from 'kapsel';
   * const p = await c.exec(['sh', '-c', 'echo hi; exit 5'], { stdio: ['ignore', 'pipe', 'inherit'] });
   * const out = await collectOutput(p.stdout!); // a Buffer: 'hi\n'
   * const { exitCode } = await p.wait();        // 5
   *
   * // or a whole OCI process object
   * await c.exec({ args: ['id'], cwd: '/', user: { uid: 1000, gid: 1000 } });
   * ```
   */
  async exec(command: readonly string[], options?: ExecCommandAndOptions): Promise<ExecProcess>;
  async exec(proc: Process, options?: Omit<ExecOptions, 'logger'>): Promise<ExecProcess>;
  async exec(what: Process | readonly string[], options: ExecCommandAndOptions = {}): Promise<ExecProcess> {
    checkArgs([what, 'command', EXEC_WHAT], [options, 'options', EXEC_OPTIONS]);
    const proc = isCommand(what) ? execProcessFrom(this.configProcess(), what, options) : what;
    assertPreservedFdsOpen(options.preserveFds ?? 0); // before the root's fd is opened (as in create)
    const launched = await this.inRoot((ref) => lazy.exec().execInContainer(ref, proc, { ...options, logger: this.logger }));
    return new ExecProcess(launched.pid, launched.pidfd, launched);
  }

  /**
   * The container's `process` as create recorded it from config.json (a
   * copy): what `kapsel exec` without --process starts from, as runc does.
   * Later edits of config.json, or its removal, do not change it.
   */
  configProcess(): Process {
    const stored = this.refresh();
    if (!stored) throw new KapselError('ERR_INVALID_STATE', `container ${this.id} is being created`);
    return JSON.parse(JSON.stringify(lazy.createRecord().recordOf(stored).process)) as Process;
  }

  /**
   * Sends a signal (a name like "SIGTERM" or "TERM", or a number) to the container.
   * A name that is no signal rejects with InvalidArgumentError.
   *
   * @example
   * ```ts
   * await c.kill();                      // SIGTERM to the init
   * await c.kill('KILL', { all: true }); // SIGKILL to every process of the container
   * ```
   */
  async kill(signal: Signal = 'SIGTERM', options: KillOptions = {}): Promise<void> {
    checkArgs([signal, 'signal', signalArg], [options, 'options', KILL_OPTIONS]);
    const signo = parseSignal(signal);
    await this.inRoot((ref) => killContainer(ref, signo, options.all ?? false));
  }

  /** Freezes every process of the container (its cgroup's freezer); status "paused". */
  async pause(): Promise<void> {
    await this.inRoot((ref) => lazy.pause().pauseContainer(ref));
    this.emit('paused');
  }

  /** Thaws a paused container. */
  async resume(): Promise<void> {
    await this.inRoot((ref) => lazy.resume().resumeContainer(ref));
    this.emit('resumed');
  }

  /** Host pids of every process of the container (from its cgroup), ascending. */
  processes(): Promise<number[]> {
    return this.inRoot((ref) => lazy.processes().containerProcesses(ref));
  }

  /** The container's resource usage from its cgroup, in runc's stats shape. */
  stats(): Promise<CgroupStats> {
    return this.inRoot((ref) => lazy.stats().containerStats(ref));
  }

  /** Changes the resource limits of the live container (only the fields given). */
  async update(resources: LinuxResources): Promise<void> {
    // Its fields are checked as config.json's linux.resources are.
    checkArgs([resources, 'resources', object()]);
    await this.inRoot((ref) => lazy.update().updateContainer(ref, resources, this.logger));
  }

  /**
   * Waits for the container's process to exit. With a exit code or signal
   * when this process created the container (it is the init's parent);
   * otherwise (a loaded container) with nulls once it is gone: only the
   * parent can read an exit status. Either way through a pidfd, not by
   * polling (waitForInit in signal.ts).
   */
  wait(options: WaitOptions = {}): Promise<ExitStatus> {
    // A bad argument rejects, as it does from the async methods.
    try {
      checkArgs([options, 'options', SIGNAL_OPTIONS]);
    } catch (err) {
      return Promise.reject(err);
    }
    const signal = checkSignal(options.signal);
    if (!this.exit) {
      if (this.pidfd >= 0) {
        const pidfd = this.pidfd;
        this.exit = reapThroughPidfd(this, pidfd)
          .then(exitStatusOf)
          .finally(() => {
            if (this.pidfd === pidfd) this.pidfd = -1;
          });
      } else {
        const stored = this.stored ?? this.refresh();
        this.exit = stored ? waitForInit(stored.pid, stored.initStartTime).then(exitStatusOf) : Promise.resolve({ exitCode: null, signal: null });
      }
      this.exit.then((status) => this.emit('exit', status)).catch(() => undefined);
    }
    return raceAbort(this.exit, signal);
  }

  /**
   * Deletes a stopped container (with force: kills it first), then runs the
   * poststop hooks; their failures are warnings. Without `force`, a
   * container that is not stopped is refused (InvalidStateError).
   *
   * @example
   * ```ts
   * await c.delete({ force: true }); // kill it if it still runs, then remove it
   * ```
   */
  async delete(options: DeleteOptions = {}): Promise<void> {
    checkArgs([options, 'options', DELETE_OPTIONS]);
    throwIfAborted(checkSignal(options.signal));
    const deleted = await this.inRoot((ref) =>
      lazy.delete().deleteContainer({
        ...ref,
        force: options.force ?? false,
        logger: this.logger,
        reapChild: this.pidfd >= 0 ? () => this.wait() : undefined,
      }),
      // Forced, with the whole root gone: as for a missing container (deleteContainer), our child is still reaped.
      options.force ? () => (this.pidfd >= 0 ? this.wait().then(() => false) : Promise.resolve(false)) : undefined,
    );
    this.stopOomWatch();
    if (deleted) this.emit('deleted');
  }

  /**
   * `await using`: deletes the container whatever its state (force: a
   * running one is killed first, our child reaped); one deleted already
   * (by us or anyone) is not an error.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.delete({ force: true });
  }

  /** Releases the pidfd without waiting (the container keeps running). */
  detach(): void {
    if (this.pidfd >= 0 && !this.exit) {
      pidfdReleaser.unregister(this);
      fs.closeSync(this.pidfd);
      this.pidfd = -1;
    }
  }
}

/** exec's first argument is a command (argv), not a process object. */
function isCommand(what: Process | readonly string[]): what is readonly string[] {
  return Array.isArray(what);
}

/**
 * SimulatedRuntime: kapsel's lifecycle without root, namespaces, cgroups
 * or any host process but the hooks, for the unit tests of programs that
 * embed kapsel. It has the static surface of `Container` (the Runtime
 * interface: create, load, list, run) and hands out SimulatedContainers.
 *
 * What is real: config validation (the same code and errors as create),
 * the state machine (state/machine.ts: the same status rule and the same
 * table of what is allowed when, so the same InvalidStateErrors), the
 * hooks' order, states and failure rules (the loops of lib/hooks/run.ts;
 * each hook run as a child process with the state on stdin, or recorded),
 * the lifecycle's order (create.ts, start.ts, delete.ts), and every error
 * class and code. What is made up: the processes (scripts played on the
 * clock, made-up pids), pause (a flag, not a freezer), OOM kills
 * (scripted). Nothing is written to disk; containers live as long as the
 * runtime object.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { boolean, checkArgs, int, object, optional, string, type Guard } from '../../args';
import { readBundleText, validateConfigText } from '../../config/load';
import type { Process, Spec } from '../../config/types';
import { validateProcess } from '../../config/validate';
import { ContainerExistsError, ContainerNotFoundError, KapselError, SyscallError, ProtocolError, EXEC_PROCESS } from '../../errors';
import { CgroupError } from '../../cgroups/files';
import { warningLogger, type Logger } from '../../logger';
import { assertAllowed } from '../../state/machine';
import { validateId } from '../../state/id';
import type { ContainerState } from '../../state/status';
import { rfc3339Nano } from '../../state/timestamp';
import { checkSignal, failureOf, throwIfAborted } from '../../container/abort';
import { CREATE_OPTIONS, LOAD_OPTIONS } from '../../container/option-guards';
import { checkStdio } from '../../container/stdio';
import type { CreateOptions, ExecCommandAndOptions, LoadOptions, RunOptions, RunResult } from '../../container/container';
import { execProcessFrom } from '../../container/exec-command';
import { runCreated } from '../../container/run-created';
import type { Runtime } from '../../container/runtime';
import { realClock, type Clock } from './clock';
import { SimulatedContainer, type SimulatedOperations } from './container';
import { SimulatedHooks, type HookCall, type HookContext, type HookMode } from './hooks';
import { ScriptedProcess, SimulatedProcess } from './process';
import { checkProcessScript, checkScript, type ContainerScript, type CreateFault, type CreateStep, type ScriptedExit } from './script';
import { SimulatedRecord } from './record';

const SIGKILL = 9;

/** SimulatedRuntime's options. */
export interface SimulatedRuntimeOptions {
  /** The clock delays and hook timeouts run on (default: real time; a ManualClock puts the test in charge). */
  clock?: Clock;
  /** 'run' (default): hooks run as child processes with the state JSON on stdin; 'record': they are only logged (hookCalls). */
  hooks?: HookMode;
  /** Where warnings go (failed poststop hooks), as CreateOptions.logger; default process.emitWarning. */
  logger?: Logger;
  /**
   * Bundles that exist only here: config.json by bundle directory (a
   * create with `bundle` one of these reads no file). Other bundles are
   * read from disk: DIR/config.json (no rootfs needed).
   */
  bundles?: Record<string, Spec>;
  /** The script of containers that have none of their own (SimulatedRuntime#script). */
  defaultScript?: ContainerScript;
  /** The first made-up pid (default 100000): pids count up from it. */
  firstPid?: number;
}

/** endProcess's `exit`: its values are checkExit's (script.ts), as a script's. */
const EXIT: Guard = optional(object({ exitCode: optional(int(0, 255)), signal: optional(string) }));
const OOM_OPTIONS: Guard = optional(object({ kills: optional(int(0, 2 ** 31 - 1)), killsProcess: optional(boolean) }));

/**
 * options.pool as create.ts checks it; the simulation serves every create
 * cold, so a real pool is ignored. pool.ts is loaded only when one is
 * given (a pool exists only once it is).
 */
function checkPool(pool: unknown): void {
  if (pool !== undefined) (require('../../container/pool') as typeof import('../../container/pool')).checkPoolOption(pool);
}

/** exec's first argument is a command (argv), not a process object. */
function isCommand(what: Process | readonly string[]): what is readonly string[] {
  return Array.isArray(what);
}

/** The error a create step gives when the script names no error: what the real step would throw. */
function stepError(step: CreateStep, id: string): Error {
  switch (step) {
    case 'state-directory':
      return new SyscallError({ errnoName: 'ENOSPC', errno: 28, syscall: 'mkdir', path: id });
    case 'cgroups':
      return new CgroupError(`cannot create the cgroup of container "${id}": no space left on device`, id, 'ENOSPC');
    case 'spawn':
      return new SyscallError({ errnoName: 'EAGAIN', errno: 11, syscall: 'clone3' });
    case 'init':
      return new SyscallError({ errnoName: 'ENOENT', errno: 2, syscall: 'mount', step: { index: 0, op: 'mount' } });
    case 'ready':
      return new ProtocolError('the container init ended without reporting "ready"');
  }
}

/**
 * A runtime that simulates containers: the lifecycle, state machine,
 * hooks and errors of kapsel's Container, with scripted processes and
 * injectable faults, and no root. Give it to code written against the
 * Runtime interface in place of Container.
 */
export class SimulatedRuntime implements Runtime {
  /** The clock the simulation runs on. */
  readonly clock: Clock;
  private readonly records = new Map<string, SimulatedRecord>();
  private readonly scripts = new Map<string, ContainerScript>();
  private readonly hookRunner: SimulatedHooks;
  private readonly logger: Logger;
  private readonly bundles: Map<string, Spec>;
  private readonly defaultScript: ContainerScript;
  private nextPid: number;
  private readonly ops: SimulatedOperations;

  /** A runtime with no containers; `options` set its clock, hook mode, bundles and default script. */
  constructor(options: SimulatedRuntimeOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.hookRunner = new SimulatedHooks(options.hooks ?? 'run', this.clock);
    this.logger = options.logger ?? warningLogger;
    this.bundles = new Map(Object.entries(options.bundles ?? {}).map(([dir, spec]) => [path.resolve(dir), spec]));
    this.defaultScript = options.defaultScript ?? {};
    checkScript(this.defaultScript);
    this.nextPid = options.firstPid ?? 100_000;
    this.ops = this.operations();
  }

  /** Every hook called so far, in order (run, recorded or failed on purpose). */
  get hookCalls(): readonly HookCall[] {
    return this.hookRunner.calls;
  }

  /** Scripts the container `id` (before its create): its processes' behaviour and the faults to inject. */
  script(id: string, script: ContainerScript): this {
    checkArgs([id, 'id', string], [script, 'script', object()]);
    checkScript(script);
    this.scripts.set(id, script);
    return this;
  }

  /** Adds a bundle that exists only here (as the `bundles` option). */
  addBundle(dir: string, config: Spec): this {
    // The config is validated as config.json at create, with its JSON paths.
    checkArgs([dir, 'dir', string], [config, 'config', object()]);
    this.bundles.set(path.resolve(dir), config);
    return this;
  }

  /**
   * Creates a container as Container.create does: validates the bundle's
   * config, runs the prestart, createRuntime and createContainer hooks
   * (state "creating"), and resolves once it is "created". A failure
   * leaves nothing; after a failed hook the poststop hooks run.
   */
  async create(options: CreateOptions): Promise<SimulatedContainer> {
    checkArgs([options, 'options', CREATE_OPTIONS]);
    // What Container.create refuses, refused here too (a test must not pass on options the real one throws for).
    checkStdio(options.stdio);
    checkPool(options.pool);
    const signal = checkSignal(options.signal);
    throwIfAborted(signal);
    const id = validateId(options.id);
    const { bundle, config, warnings } = this.loadBundle(options.bundle);
    const logger = options.logger ?? this.logger;
    for (const warning of warnings) logger.warn(warning);
    if (this.records.has(id)) throw new ContainerExistsError(id);
    const script = this.scripts.get(id) ?? this.defaultScript;
    const fault: CreateFault | undefined = typeof script.failCreate === 'string' ? { step: script.failCreate } : script.failCreate;
    const step = (name: CreateStep): void => {
      throwIfAborted(signal);
      if (fault?.step === name) throw fault.error ?? stepError(name, id);
    };
    step('state-directory');
    const record = new SimulatedRecord(id, bundle, config, script, rfc3339Nano(BigInt(Math.round(this.clock.now())) * 1_000_000n), os.userInfo().username, logger);
    this.records.set(id, record);
    let hooksFailed = false;
    return record.withLock(async () => {
      try {
        step('cgroups');
        step('spawn');
        record.init = new ScriptedProcess(this.nextPid++, this.clock, {}, record.ownPidNamespace);
        this.watchInit(record, record.init);
        step('init');
        const ctx = this.hookContext(record);
        try {
          await this.hookRunner.run(ctx, 'prestart', record.hookState('creating'), signal);
          await this.hookRunner.run(ctx, 'createRuntime', record.hookState('creating'), signal);
          await this.hookRunner.run(ctx, 'createContainer', record.hookState('creating', true), signal);
        } catch (err) {
          hooksFailed = err instanceof KapselError && err.code === 'ERR_HOOK_FAILED';
          throw err;
        }
        step('ready');
        record.creating = false;
        record.awaitingStart = true;
        return new SimulatedContainer(id, this.ops, true);
      } catch (err) {
        await this.destroy(record);
        // As create.ts: a failed hook stops the container, and the lifecycle goes on to poststop.
        if (hooksFailed) await this.hookRunner.runWarnOnly(this.hookContext(record), 'poststop', record.hookState('stopped'), record.logger);
        throw failureOf(err, signal);
      }
    });
  }

  /** The whole life at once, as Container.run: create, start, wait, delete (always). */
  async run(options: RunOptions): Promise<RunResult> {
    checkArgs([options, 'options', CREATE_OPTIONS]);
    return runCreated(await this.create(options));
  }

  /** A handle on an existing container (ContainerNotFoundError if there is none); its wait() gets nulls, as a loaded Container's. */
  async load(id: string, _options: LoadOptions = {}): Promise<SimulatedContainer> {
    checkArgs([id, 'id', string], [_options, 'options', LOAD_OPTIONS]);
    validateId(id);
    if (!this.records.has(id)) throw new ContainerNotFoundError(id);
    return new SimulatedContainer(id, this.ops, false);
  }

  /** The OCI state of every container. */
  async list(_options: LoadOptions = {}): Promise<ContainerState[]> {
    checkArgs([_options, 'options', LOAD_OPTIONS]);
    return [...this.records.values()].map((r) => r.ociState());
  }

  /**
   * Ends the container's process now, as if it exited by itself (status
   * 0 unless `exit` says otherwise; `afterMs` is ignored).
   */
  endProcess(id: string, exit: ScriptedExit = {}): void {
    checkArgs([id, 'id', string], [exit, 'exit', EXIT]);
    const init = this.existing(id).init;
    if (!init) throw new KapselError('ERR_INVALID_STATE', `container "${id}" is being created`);
    init.end(exit.signal ? { exitCode: null, signal: exit.signal } : { exitCode: exit.exitCode ?? 0, signal: null });
  }

  /**
   * An OOM kill in the container now: every handle gets 'oom' with
   * `kills` (default 1); the container's process is killed (SIGKILL)
   * unless `killsProcess` is false.
   */
  oom(id: string, options: { kills?: number; killsProcess?: boolean } = {}): void {
    checkArgs([id, 'id', string], [options, 'options', OOM_OPTIONS]);
    const record = this.existing(id);
    for (const handle of record.handles) handle.emit('oom', options.kills ?? 1);
    if (options.killsProcess ?? true) record.init?.signal(SIGKILL);
  }

  private existing(id: string): SimulatedRecord {
    const record = this.records.get(id);
    if (!record) throw new ContainerNotFoundError(id);
    return record;
  }

  private loadBundle(dir: string): { bundle: string; config: ReturnType<typeof validateConfigText>['config']; warnings: string[] } {
    const virtual = this.bundles.get(path.resolve(dir));
    if (virtual) {
      const bundle = path.resolve(dir);
      return { bundle, ...validateConfigText(path.join(bundle, 'config.json'), JSON.stringify(virtual)) };
    }
    const { bundleDir, file, text } = readBundleText(dir);
    return { bundle: bundleDir, ...validateConfigText(file, text) };
  }

  private hookContext(record: SimulatedRecord): HookContext {
    return { id: record.id, hooks: record.config.hooks, faults: record.script.hookFaults ?? [] };
  }

  /** When the init ends: in a pid namespace of its own, the kernel kills every other process of it. */
  private watchInit(record: SimulatedRecord, init: ScriptedProcess): void {
    void init.exited.then(() => {
      record.frozen = false;
      if (record.ownPidNamespace) for (const p of record.execs) p.end({ exitCode: null, signal: 'SIGKILL' });
    });
  }

  /** Kills whatever of the container still runs, waits for it, and forgets the container (Lifecycle 12). */
  private async destroy(record: SimulatedRecord): Promise<void> {
    for (const timer of record.timers.splice(0)) this.clock.clearTimeout(timer);
    const running = [record.init, ...record.execs].filter((p): p is ScriptedProcess => p !== undefined && p.alive);
    for (const p of running) p.signal(SIGKILL);
    await Promise.all(running.map((p) => p.exited));
    if (this.records.get(record.id) === record) this.records.delete(record.id);
  }

  /** Under the container's lock: its record, once the state machine allows `operation` in its status. */
  private locked<T>(id: string, operation: Parameters<typeof assertAllowed>[1], act: (record: SimulatedRecord) => Promise<T> | T): Promise<T> {
    const record = this.existing(id);
    return record.withLock(() => {
      if (this.records.get(id) !== record) throw new ContainerNotFoundError(id); // deleted while we waited
      assertAllowed(id, operation, record.status());
      return act(record);
    });
  }

  private operations(): SimulatedOperations {
    return {
      state: (id) => this.existing(id).ociState(),
      init: (id) => this.records.get(id)?.init,
      attach: (id, handle) => this.records.get(id)?.handles.add(handle),
      detach: (id, handle) => this.records.get(id)?.handles.delete(handle),
      start: (id, onStarted) => this.start(id, onStarted),
      kill: (id, signo, all) =>
        this.locked(id, 'kill', (record) => {
          const targets = all ? [record.init!, ...record.execs] : [record.init!];
          for (const p of targets) p.signal(signo);
          // A paused container's SIGKILL thaws it, or nothing could die (kill.ts).
          if (signo === SIGKILL && record.frozen) record.frozen = false;
        }),
      exec: (id, what, options) => this.exec(id, what, options),
      pause: (id) =>
        this.locked(id, 'pause', (record) => {
          record.frozen = true;
          for (const p of [record.init!, ...record.execs]) p.freeze();
        }),
      resume: (id) =>
        this.locked(id, 'resume', (record) => {
          record.frozen = false;
          for (const p of [record.init!, ...record.execs]) p.thaw();
        }),
      processes: (id) => this.locked(id, 'ps', (record) => [record.init!, ...record.execs].filter((p) => p.alive).map((p) => p.pid).sort((a, b) => a - b)),
      delete: (id, force) => this.delete(id, force),
    };
  }

  /** As start.ts: startContainer hooks, the process, 'started', poststart hooks; a failing hook destroys the container. */
  private async start(id: string, onStarted: () => void): Promise<void> {
    let failed: unknown;
    let destroyed: SimulatedRecord | undefined;
    await this.locked(id, 'start', async (record) => {
      const ctx = this.hookContext(record);
      try {
        await this.hookRunner.run(ctx, 'startContainer', record.hookState('created', true));
        record.awaitingStart = false;
        record.init!.run(record.script.process ?? {});
        this.scheduleOom(record);
        onStarted();
        await this.hookRunner.run(ctx, 'poststart', record.hookState('running'));
      } catch (err) {
        if (!(err instanceof KapselError && err.code === 'ERR_HOOK_FAILED')) throw err;
        failed = err;
        await this.destroy(record);
        destroyed = record;
      }
    });
    if (destroyed) {
      await this.hookRunner.runWarnOnly(this.hookContext(destroyed), 'poststop', destroyed.hookState('stopped'), destroyed.logger);
      throw failed;
    }
  }

  private scheduleOom(record: SimulatedRecord): void {
    const oom = record.script.oom;
    if (!oom) return;
    record.timers.push(
      this.clock.setTimeout(() => {
        if (this.records.get(record.id) === record && record.init?.alive) this.oom(record.id, oom);
      }, oom.afterMs ?? 0),
    );
  }

  private exec(id: string, what: Process | readonly string[], options: ExecCommandAndOptions): Promise<SimulatedProcess> {
    const signal = checkSignal(options.signal);
    throwIfAborted(signal);
    const config = this.existing(id).config;
    // The same checks of the process object as a real exec, before the
    // lock as there (errors name JSON paths in it); a command starts from
    // the container's own process, as Container#exec's does.
    const proc = validateProcess(isCommand(what) ? execProcessFrom(config.process ?? ({} as Process), what, options) : what, EXEC_PROCESS);
    return this.locked(id, options.ignorePaused ? 'execIgnoringPause' : 'exec', (record) => {
      const script = record.script.exec?.(proc.args ?? []) ?? { exit: { exitCode: 0 } };
      checkProcessScript(script, 'script.exec()');
      const p = new ScriptedProcess(this.nextPid++, this.clock, script);
      record.execs.add(p);
      void p.exited.then(() => record.execs.delete(p));
      if (record.frozen) p.freeze();
      p.run();
      return new SimulatedProcess(p);
    });
  }

  /** As delete.ts: stopped (or forced) -> kill what runs, wait, forget; then the poststop hooks, whose failures are warnings. */
  private async delete(id: string, force: boolean): Promise<boolean> {
    let record: SimulatedRecord;
    try {
      record = await this.locked(id, force ? 'forceDelete' : 'delete', async (r) => {
        await this.destroy(r);
        return r;
      });
    } catch (err) {
      if (force && err instanceof ContainerNotFoundError) return false;
      throw err;
    }
    await this.hookRunner.runWarnOnly(this.hookContext(record), 'poststop', record.hookState('stopped'), record.logger);
    return true;
  }
}

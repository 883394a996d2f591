/**
 * SimulatedContainer: a handle on a simulated container with Container's
 * surface (RuntimeContainer) and its event rules: 'started', 'paused',
 * 'resumed' and 'deleted' come from the handle whose call did it; 'exit'
 * to any handle with a listener (listening is enough); 'oom' to every
 * handle. A handle from create() gets the exit status in wait() and
 * 'exit'; one from load() gets nulls, as a real loaded container does
 * (only the init's parent can read its status).
 */
import { EventEmitter } from 'node:events';
import type { Process } from '../../config/types';
import { checkArgs, signal as signalArg } from '../../args';
import { ContainerNotFoundError } from '../../errors';
import { parseSignal, type Signal } from '../../signals';
import { checkSignal, raceAbort, throwIfAborted } from '../../container/abort';
import { DELETE_OPTIONS, EXEC_OPTIONS, EXEC_WHAT, KILL_OPTIONS, SIGNAL_OPTIONS } from '../../container/option-guards';
import type { ContainerEvents, DeleteOptions, ExecCommandAndOptions, KillOptions, StartOptions, WaitOptions } from '../../container/container';
import type { ExecOptions } from '../../container/exec';
import type { ExitStatus } from '../../container/exit-status';
import type { RuntimeContainer } from '../../container/runtime';
import type { ContainerState } from '../../state/status';
import type { ScriptedProcess, SimulatedProcess } from './process';

/** What a handle asks of its runtime (SimulatedRuntime implements it). */
export interface SimulatedOperations {
  /** The container's OCI state. */
  state(id: string): ContainerState;
  /** start; `onStarted` once its process runs. */
  start(id: string, onStarted: () => void): Promise<void>;
  /** kill (a signal number). */
  kill(id: string, signo: number, all: boolean): Promise<void>;
  /** exec. */
  exec(id: string, what: Process | readonly string[], options: ExecCommandAndOptions): Promise<SimulatedProcess>;
  /** pause. */
  pause(id: string): Promise<void>;
  /** resume. */
  resume(id: string): Promise<void>;
  /** Resolves true once deleted, false when a forced delete found nothing. */
  delete(id: string, force: boolean): Promise<boolean>;
  /** The pids of its processes. */
  processes(id: string): Promise<number[]>;
  /** The container's init (undefined: not found, or still being created). */
  init(id: string): ScriptedProcess | undefined;
  /** Registers the handle for the events every handle gets. */
  attach(id: string, handle: SimulatedContainer): void;
  /** Unregisters it (the container was deleted through it). */
  detach(id: string, handle: SimulatedContainer): void;
}

export interface SimulatedContainer {
  /** Adds a listener for a ContainerEvents event. */
  on<E extends keyof ContainerEvents>(event: E, listener: (...args: ContainerEvents[E]) => void): this;
  /** As on(), for one event. */
  once<E extends keyof ContainerEvents>(event: E, listener: (...args: ContainerEvents[E]) => void): this;
  /** Removes a listener. */
  off<E extends keyof ContainerEvents>(event: E, listener: (...args: ContainerEvents[E]) => void): this;
  /** Emits an event (the runtime's 'oom' and 'exit'). */
  emit<E extends keyof ContainerEvents>(event: E, ...args: ContainerEvents[E]): boolean;
}

/** A simulated container: obtain it from SimulatedRuntime#create or #load. */
export class SimulatedContainer extends EventEmitter implements RuntimeContainer {
  private exit?: Promise<ExitStatus>;

  /**
   * @internal made by SimulatedRuntime.
   * @param created the handle create() returned (its wait() gets the status; a loaded one's gets nulls)
   */
  constructor(
    /** The container id. */
    readonly id: string,
    private readonly ops: SimulatedOperations,
    private readonly created: boolean,
  ) {
    super();
    ops.attach(id, this);
    (this as EventEmitter).on('newListener', (event: string | symbol) => {
      if (event === 'exit') void this.wait().catch(() => undefined);
    });
  }

  /** The init's made-up pid (0 once stopped). */
  get pid(): number {
    return this.state().pid ?? 0;
  }

  /** The OCI state, derived now (ContainerNotFoundError once deleted). */
  state(): ContainerState {
    return this.ops.state(this.id);
  }

  /** Runs the container's process (startContainer hooks first, poststart after; a failing one destroys the container). */
  async start(options: StartOptions = {}): Promise<void> {
    checkArgs([options, 'options', SIGNAL_OPTIONS]);
    throwIfAborted(checkSignal(options.signal));
    await this.ops.start(this.id, () => this.emit('started'));
  }

  /** Sends a signal to the container's process (with `all`, to its exec'd processes too). */
  async kill(signal: Signal = 'SIGTERM', options: KillOptions = {}): Promise<void> {
    checkArgs([signal, 'signal', signalArg], [options, 'options', KILL_OPTIONS]);
    const signo = parseSignal(signal);
    await this.ops.kill(this.id, signo, options.all ?? false);
  }

  /** Runs a command (or a process object) in the running container; resolves with its handle. */
  async exec(command: readonly string[], options?: ExecCommandAndOptions): Promise<SimulatedProcess>;
  async exec(proc: Process, options?: Omit<ExecOptions, 'logger'>): Promise<SimulatedProcess>;
  async exec(what: Process | readonly string[], options: ExecCommandAndOptions = {}): Promise<SimulatedProcess> {
    checkArgs([what, 'command', EXEC_WHAT], [options, 'options', EXEC_OPTIONS]);
    return this.ops.exec(this.id, what, options);
  }

  /** Freezes the container's processes; emits 'paused'. */
  async pause(): Promise<void> {
    await this.ops.pause(this.id);
    this.emit('paused');
  }

  /** Thaws a paused container; emits 'resumed'. */
  async resume(): Promise<void> {
    await this.ops.resume(this.id);
    this.emit('resumed');
  }

  /** The made-up pids of the container's processes, ascending. */
  processes(): Promise<number[]> {
    return this.ops.processes(this.id);
  }

  /**
   * Resolves with how the container's process ended: its status for the
   * handle create() returned, nulls for a loaded one (as Container#wait).
   */
  wait(options: WaitOptions = {}): Promise<ExitStatus> {
    // A rejection, as Container#wait gives: callers chain on the promise.
    try {
      checkArgs([options, 'options', SIGNAL_OPTIONS]);
    } catch (err) {
      return Promise.reject(err);
    }
    const signal = checkSignal(options.signal);
    if (!this.exit) {
      const init = this.ops.init(this.id);
      if (!init) return Promise.reject(new ContainerNotFoundError(this.id));
      this.exit = this.created ? init.exited : init.exited.then(() => ({ exitCode: null, signal: null }));
      void this.exit.then((status) => this.emit('exit', status));
    }
    return raceAbort(this.exit, signal);
  }

  /** Deletes a stopped container (force: any), then its poststop hooks run; emits 'deleted'. */
  async delete(options: DeleteOptions = {}): Promise<void> {
    checkArgs([options, 'options', DELETE_OPTIONS]);
    throwIfAborted(checkSignal(options.signal));
    const deleted = await this.ops.delete(this.id, options.force ?? false);
    this.ops.detach(this.id, this);
    if (deleted) this.emit('deleted');
  }

  /** `await using`: a forced delete. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.delete({ force: true });
  }
}

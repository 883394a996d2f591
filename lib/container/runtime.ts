/**
 * The runtime as a program that embeds kapsel sees it, as types only:
 * `Container`'s static side (create, load, list, run) and the handles it
 * gives. `Container` satisfies `Runtime`, and so does kapsel/testing's
 * SimulatedRuntime: code written against `Runtime` runs on real
 * containers in production and on simulated ones in its unit tests.
 *
 *   async function restartPolicy(runtime: Runtime, id: string) { ... }
 *   await restartPolicy(Container, 'web');              // production
 *   await restartPolicy(new SimulatedRuntime(), 'web'); // unit test
 *
 * Only what both can honour is here: stats, update, configProcess, plan
 * and the stdio streams are Container's alone.
 */
import type { ContainerState } from '../state/status';
import type { Signal } from '../signals';
import type { ContainerEvents, CreateOptions, DeleteOptions, ExecCommandAndOptions, KillOptions, LoadOptions, RunOptions, RunResult, StartOptions, WaitOptions } from './container';
import type { ExecProcessEvents } from './exec-process';
import type { ExitStatus } from './exit-status';

/** A process exec'd in a container, as ExecProcess and the simulated runtime's process give it. */
export interface RuntimeProcess extends AsyncDisposable {
  /** Its pid (for a simulated process, a made-up number: no host process has it). */
  readonly pid: number;
  /** Resolves with how it ended; an aborted `signal` rejects (AbortError), the process runs on. */
  wait(options?: { signal?: AbortSignal }): Promise<ExitStatus>;
  /** Sends a signal (name or number); InvalidArgumentError for one that does not exist. */
  kill(signal?: Signal): Promise<void>;
  /** 'exit' with its ExitStatus once it ended; listening is enough. */
  on<E extends keyof ExecProcessEvents>(event: E, listener: (...args: ExecProcessEvents[E]) => void): this;
  /** As on(), for one event. */
  once<E extends keyof ExecProcessEvents>(event: E, listener: (...args: ExecProcessEvents[E]) => void): this;
  /** Removes a listener. */
  off<E extends keyof ExecProcessEvents>(event: E, listener: (...args: ExecProcessEvents[E]) => void): this;
}

/** One container, as Container and the simulated runtime's SimulatedContainer give it. */
export interface RuntimeContainer extends AsyncDisposable {
  /** The container id. */
  readonly id: string;
  /** The init's pid (0 once stopped). */
  readonly pid: number;
  /** The OCI state, derived now. */
  state(): ContainerState;
  /** Runs the user's process (startContainer hooks first, poststart after). */
  start(options?: StartOptions): Promise<void>;
  /** Sends a signal to the container's init (with `all`, to every process of it). */
  kill(signal?: Signal, options?: KillOptions): Promise<void>;
  /** Resolves with how the container's process ended (nulls for a loaded container: only the creator can know). */
  wait(options?: WaitOptions): Promise<ExitStatus>;
  /** Runs a command in the running container. */
  exec(command: readonly string[], options?: ExecCommandAndOptions): Promise<RuntimeProcess>;
  /** Freezes every process of the container. */
  pause(): Promise<void>;
  /** Thaws a paused container. */
  resume(): Promise<void>;
  /** Deletes a stopped container (with force, any), then runs the poststop hooks. */
  delete(options?: DeleteOptions): Promise<void>;
  /** The pids of the container's processes, ascending. */
  processes(): Promise<number[]>;
  /** The ContainerEvents: 'started', 'exit', 'oom', 'paused', 'resumed', 'deleted'. */
  on<E extends keyof ContainerEvents>(event: E, listener: (...args: ContainerEvents[E]) => void): this;
  /** As on(), for one event. */
  once<E extends keyof ContainerEvents>(event: E, listener: (...args: ContainerEvents[E]) => void): this;
  /** Removes a listener. */
  off<E extends keyof ContainerEvents>(event: E, listener: (...args: ContainerEvents[E]) => void): this;
}

/**
 * What creates and finds containers: `Container` itself (its static
 * methods), or a SimulatedRuntime from kapsel/testing.
 */
export interface Runtime {
  /** Creates a container from a bundle; resolves once it is "created". */
  create(options: CreateOptions): Promise<RuntimeContainer>;
  /** A handle on an existing container (ContainerNotFoundError if there is none). */
  load(id: string, options?: LoadOptions): Promise<RuntimeContainer>;
  /** The OCI state of every container. */
  list(options?: LoadOptions): Promise<ContainerState[]>;
  /** create, start, wait, delete (always): how the process ended. */
  run(options: RunOptions): Promise<RunResult>;
}


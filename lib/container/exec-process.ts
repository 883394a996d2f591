/**
 * ExecProcess: the library's handle on a process exec'd in a container
 * (Container#exec). The process is a child of this process; the handle
 * holds its pidfd, so waiting and signalling cannot reach another process
 * that got its pid. Emits 'exit' with the ExitStatus once it has exited:
 * listening for 'exit' is enough (the handle then watches the pidfd, as
 * wait() does). `await using p = await c.exec(...)` kills (SIGKILL) and
 * reaps it at the end of the scope.
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import { KapselError } from '../errors';
import type { WaitResult } from '../native/addon';
import { processCalls } from './syscalls';
import { parseSignal, type Signal } from '../signals';
import { exitStatusOf, type ExitStatus } from './exit-status';
import { pidfdReleaser, reapThroughPidfd } from './fds';
import type { Readable, Writable } from 'node:stream';
import { checkSignal, raceAbort } from './abort';
import { checkArgs, signal as signalArg } from '../args';
import { SIGNAL_OPTIONS } from './option-guards';
import type { PipedStdio } from './stdio';
import type { TerminalStream } from './stdio-terminal';

/** The events of an ExecProcess and their arguments. */
export interface ExecProcessEvents {
  /** The process exited (it is reaped). */
  exit: [status: ExitStatus];
}

/** The typed EventEmitter methods of {@link ExecProcess}, for the {@link ExecProcessEvents}. */
export interface ExecProcess {
  /** Listens for `event`; an 'exit' listener is enough to have the process waited for. */
  on<E extends keyof ExecProcessEvents>(event: E, listener: (...args: ExecProcessEvents[E]) => void): this;
  /** As {@link ExecProcess.on}, for the next emission only. */
  once<E extends keyof ExecProcessEvents>(event: E, listener: (...args: ExecProcessEvents[E]) => void): this;
  /** Removes a listener. */
  off<E extends keyof ExecProcessEvents>(event: E, listener: (...args: ExecProcessEvents[E]) => void): this;
  /** As {@link ExecProcess.on}. */
  addListener<E extends keyof ExecProcessEvents>(event: E, listener: (...args: ExecProcessEvents[E]) => void): this;
  /** As {@link ExecProcess.off}. */
  removeListener<E extends keyof ExecProcessEvents>(event: E, listener: (...args: ExecProcessEvents[E]) => void): this;
  /** Emits `event` to its listeners (the handle emits 'exit' itself). */
  emit<E extends keyof ExecProcessEvents>(event: E, ...args: ExecProcessEvents[E]): boolean;
}

/**
 * A process started in a running container by {@link Container.exec}: a
 * child of this process, held through a pidfd (so kill() never signals a
 * recycled pid). Emits 'exit' ({@link ExecProcessEvents}); `await using`
 * kills and reaps it at the end of the scope.
 */
export class ExecProcess extends EventEmitter implements AsyncDisposable {
  /** Host pid of the process. */
  readonly pid: number;
  private pidfd: number;
  private exit?: Promise<ExitStatus>;
  /** Its stdin with stdio 'pipe' (as ChildProcess#stdin), else null. */
  readonly stdin: Writable | null;
  /** Its stdout with 'pipe': ends when every copy of the process's end is closed; else null. */
  readonly stdout: Readable | null;
  /** Its stderr with 'pipe', as stdout; else null. */
  readonly stderr: Readable | null;
  /** With process.terminal and no consoleSocket: the pty master, with resize(columns, rows). */
  readonly terminal: TerminalStream | null;

  /** `io`: our ends of its piped stdio and its pty master (execInContainer's). */
  constructor(pid: number, pidfd: number, io?: { stdio?: PipedStdio; terminal?: number }) {
    super();
    this.pid = pid;
    this.pidfd = pidfd;
    this.stdin = io?.stdio?.stdin ?? null;
    this.stdout = io?.stdio?.stdout ?? null;
    this.stderr = io?.stdio?.stderr ?? null;
    // Loaded only for a terminal: TerminalStream is a node:stream Duplex, and
    // node:stream (~20 modules outside Node's start-up snapshot) would
    // otherwise load in every CLI call that loads this module.
    this.terminal =
      io?.terminal !== undefined ? new (require('./stdio-terminal') as typeof import('./stdio-terminal')).TerminalStream(io.terminal) : null;
    pidfdReleaser.register(this, pidfd, this);
    (this as EventEmitter).on('newListener', (event: string | symbol) => {
      if (event === 'exit') void this.wait().catch(() => undefined);
    });
  }

  /** Resolves with the exit code, or the signal that killed it, once the process has exited (it is reaped). */
  wait(options: { signal?: AbortSignal } = {}): Promise<ExitStatus> {
    // A bad argument rejects, as it does from the async methods.
    try {
      checkArgs([options, 'options', SIGNAL_OPTIONS]);
    } catch (err) {
      return Promise.reject(err);
    }
    const signal = checkSignal(options.signal);
    if (!this.exit) {
      if (this.pidfd < 0) return Promise.reject(new KapselError('ERR_INVALID_STATE', `exec'd process ${this.pid} was detached: it cannot be waited for`));
      const pidfd = this.pidfd;
      this.exit = reapThroughPidfd(this, pidfd)
        .then(exitStatusOf)
        .finally(() => {
          this.pidfd = -1;
        });
      this.exit.then((status) => this.emit('exit', status)).catch(() => undefined);
    }
    // Given up on, not stopped: the process runs on, and a later wait() still gets its status.
    return raceAbort(this.exit, signal);
  }

  /**
   * Sends a signal (a name like "SIGTERM" or "TERM", or a number) to the process,
   * through its pidfd. Rejects with InvalidArgumentError for a signal that
   * does not exist, and ERR_INVALID_STATE once the process was reaped or
   * detached (its pid may name another process by then).
   */
  async kill(signal: Signal = 'SIGTERM'): Promise<void> {
    checkArgs([signal, 'signal', signalArg]);
    const signo = parseSignal(signal);
    if (this.pidfd < 0) throw new KapselError('ERR_INVALID_STATE', `exec'd process ${this.pid} has exited or was detached`);
    processCalls.pidfdSendSignal(this.pidfd, signo);
  }

  /**
   * `await using`: kills the process (SIGKILL) and reaps it. One that
   * exited already is only reaped; a detached one is not this handle's.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.pidfd < 0 && !this.exit) return; // detached
    if (this.pidfd >= 0) {
      try {
        processCalls.pidfdSendSignal(this.pidfd, 9);
      } catch (err) {
        // Exited on its own (a zombie until reaped below): nothing to kill.
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    }
    await this.wait();
  }

  /** Lets the process go on without this handle (it stays a child: the caller's subreaper or wait reaps it). */
  detach(): void {
    if (this.pidfd >= 0 && !this.exit) {
      pidfdReleaser.unregister(this);
      fs.closeSync(this.pidfd);
      this.pidfd = -1;
    }
  }
}

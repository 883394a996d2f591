/**
 * A simulated process: no host process, only its script (script.ts)
 * played on the runtime's clock. It ends on its own, on a signal, or when
 * the container is destroyed; while frozen (a paused container) it does
 * nothing: its own exit waits and signals other than SIGKILL wait for the
 * thaw, as for a process in a frozen cgroup.
 */
import { EventEmitter } from 'node:events';
import * as os from 'node:os';
import { checkArgs, signal as signalArg } from '../../args';
import { KapselError } from '../../errors';
import { SIGNAL_OPTIONS } from '../../container/option-guards';
import { parseSignal, type Signal } from '../../signals';
import { checkSignal, raceAbort } from '../../container/abort';
import type { ExecProcessEvents } from '../../container/exec-process';
import type { ExitStatus } from '../../container/exit-status';
import type { RuntimeProcess } from '../../container/runtime';
import type { Clock } from './clock';
import type { ProcessScript, ScriptedExit } from './script';

const SIGKILL = 9;

const SIGNAL_NAMES = new Map(Object.entries(os.constants.signals as Record<string, number>).map(([name, n]) => [n, name as NodeJS.Signals]));

/** Signals whose default action is not to end the process (signal(7): Ign, Cont, Stop). */
const NOT_FATAL_BY_DEFAULT = new Set(['SIGCHLD', 'SIGCONT', 'SIGURG', 'SIGWINCH', 'SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU']);

/** A signal's name ("SIGTERM"; "SIG35" for a realtime one, as the addon names it). */
export function signalName(signo: number): NodeJS.Signals {
  return SIGNAL_NAMES.get(signo) ?? (`SIG${signo}` as NodeJS.Signals);
}

/** A pending end: when it is due, or how much was left when the process froze. */
interface PendingEnd {
  status: ExitStatus;
  timer?: unknown;
  due: number;
}

/** The process itself, shared by every handle on it. */
export class ScriptedProcess {
  private ended = false;
  private frozen = false;
  private readonly pending = new Set<PendingEnd>();
  /** Signals that arrived while frozen, delivered at the thaw. */
  private readonly queued: number[] = [];
  private endWith!: (status: ExitStatus) => void;
  /** Resolves with how it ended. */
  readonly exited: Promise<ExitStatus>;

  /**
   * @param pid its made-up pid
   * @param namespaceInit pid 1 of a pid namespace: the kernel delivers it only the signals it handles
   */
  constructor(
    readonly pid: number,
    private readonly clock: Clock,
    private script: ProcessScript = {},
    private readonly namespaceInit = false,
  ) {
    this.exited = new Promise((resolve) => {
      this.endWith = resolve;
    });
  }

  /** It has not ended. */
  get alive(): boolean {
    return !this.ended;
  }

  /** Plays `script` from now (a container's process once started; an exec'd one at once). */
  run(script: ProcessScript = this.script): void {
    this.script = script;
    if (script.exit) this.endAfter(script.exit);
  }

  /** Delivers a signal as the kernel would to a process with the script's handlers. */
  signal(signo: number): void {
    if (this.ended) return;
    if (signo === SIGKILL) {
      // Frozen or not (a paused container's SIGKILL thaws it); on the next
      // turn, as schedule() explains.
      setImmediate(() => this.end({ exitCode: null, signal: 'SIGKILL' }));
      return;
    }
    if (this.frozen) {
      this.queued.push(signo);
      return;
    }
    const name = signalName(signo);
    const response = this.script.signals?.[name];
    if (response === 'ignore') return;
    if (response) {
      this.endAfter(response);
      return;
    }
    if (this.namespaceInit || NOT_FATAL_BY_DEFAULT.has(name)) return;
    this.endAfter({ signal: name });
  }

  /** Stops its time: pending ends wait for thaw(), keeping what was left of their delay. */
  freeze(): void {
    if (this.frozen || this.ended) return;
    this.frozen = true;
    const now = this.clock.now();
    for (const p of this.pending) {
      if (p.timer !== undefined) this.clock.clearTimeout(p.timer);
      p.timer = undefined;
      p.due = Math.max(0, p.due - now);
    }
  }

  /** Lets its time go on, then delivers the signals that came meanwhile. */
  thaw(): void {
    if (!this.frozen) return;
    this.frozen = false;
    for (const p of this.pending) this.schedule(p, p.due);
    for (const signo of this.queued.splice(0)) this.signal(signo);
  }

  private endAfter(exit: ScriptedExit): void {
    const status: ExitStatus = exit.signal ? { exitCode: null, signal: exit.signal } : { exitCode: exit.exitCode ?? 0, signal: null };
    const p: PendingEnd = { status, due: exit.afterMs ?? 0 };
    this.pending.add(p);
    if (!this.frozen) this.schedule(p, p.due);
  }

  /**
   * Ends after `ms` on the clock; 0 ends on the next turn of the event
   * loop, never within the call that caused it: a real process dies after
   * kill() returned, and a test must not pass only because the
   * simulation is quicker than the kernel.
   */
  private schedule(p: PendingEnd, ms: number): void {
    p.due = this.clock.now() + ms;
    const fire = (): void => {
      if (this.frozen) return; // frozen meanwhile: rescheduled by thaw()
      this.end(p.status);
    };
    if (ms === 0) {
      p.timer = undefined;
      setImmediate(fire);
    } else {
      p.timer = this.clock.setTimeout(fire, ms);
    }
  }

  /** Ends it now (SIGKILL, an OOM kill, or its scripted end). */
  end(status: ExitStatus): void {
    if (this.ended) return;
    this.ended = true;
    this.frozen = false;
    for (const p of this.pending) if (p.timer !== undefined) this.clock.clearTimeout(p.timer);
    this.pending.clear();
    this.queued.length = 0;
    this.endWith(status);
  }
}

/** The events of a SimulatedProcess (as ExecProcess's). */
export type SimulatedProcessEvents = ExecProcessEvents;

export interface SimulatedProcess {
  /** Adds a listener for an ExecProcessEvents event. */
  on<E extends keyof ExecProcessEvents>(event: E, listener: (...args: ExecProcessEvents[E]) => void): this;
  /** As on(), for one event. */
  once<E extends keyof ExecProcessEvents>(event: E, listener: (...args: ExecProcessEvents[E]) => void): this;
  /** Removes a listener. */
  off<E extends keyof ExecProcessEvents>(event: E, listener: (...args: ExecProcessEvents[E]) => void): this;
}

/** A process exec'd in a simulated container: ExecProcess's surface (pid, wait, kill, 'exit'). */
export class SimulatedProcess extends EventEmitter implements RuntimeProcess {
  /** Its made-up pid. */
  readonly pid: number;
  private waited = false;

  /** @internal made by SimulatedContainer#exec. */
  constructor(private readonly process: ScriptedProcess) {
    super();
    this.pid = process.pid;
    (this as EventEmitter).on('newListener', (event: string | symbol) => {
      if (event === 'exit') void this.wait().catch(() => undefined);
    });
  }

  /** Resolves with its ExitStatus once it ended; an aborted `signal` rejects with AbortError. */
  wait(options: { signal?: AbortSignal } = {}): Promise<ExitStatus> {
    // A rejection, as ExecProcess#wait gives: callers chain on the promise.
    try {
      checkArgs([options, 'options', SIGNAL_OPTIONS]);
    } catch (err) {
      return Promise.reject(err);
    }
    const signal = checkSignal(options.signal);
    if (!this.waited) {
      this.waited = true;
      void this.process.exited.then((status) => this.emit('exit', status));
    }
    return raceAbort(this.process.exited, signal);
  }

  /** Sends a signal; ERR_INVALID_STATE once it has ended (as for a reaped ExecProcess). */
  async kill(signal: Signal = 'SIGTERM'): Promise<void> {
    checkArgs([signal, 'signal', signalArg]);
    const signo = parseSignal(signal);
    if (!this.process.alive) throw new KapselError('ERR_INVALID_STATE', `exec'd process ${this.pid} has exited or was detached`);
    this.process.signal(signo);
  }

  /** `await using`: SIGKILL, then waits for it. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.process.signal(SIGKILL);
    await this.wait();
  }
}

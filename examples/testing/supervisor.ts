// An orchestrator's logic, written against kapsel's Runtime interface so
// that production passes `Container` and the unit tests
// (supervisor.test.ts) pass a SimulatedRuntime from kapsel/testing:
//
//   const supervisor = new Supervisor({ runtime: Container, id: 'web', bundle: '/srv/web' });
//
// It keeps one container running: a crash (non-zero exit, a signal, an
// OOM kill) is followed by a fresh container after a growing back-off, up
// to `maxRestarts`; stop() asks with SIGTERM and insists with SIGKILL
// after a grace period. Timers are injected too, so the tests run the
// back-off and the grace period on the simulation's clock.
//
// In a package that depends on kapsel, import from 'kapsel'.
import type { ExitStatus, Runtime, RuntimeContainer } from '../../lib';

/** setTimeout and clearTimeout (default: the process's; tests pass the SimulatedRuntime's clock). */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
}

export interface SupervisorOptions {
  runtime: Runtime;
  id: string;
  bundle: string;
  /** Restarts after a crash before giving up (default 3). */
  maxRestarts?: number;
  /** Back-off before restart number `n` (1, 2, ...), in ms (default 1000 * 2^(n-1)). */
  backoffMs?: (n: number) => number;
  /** How long stop() waits after SIGTERM before SIGKILL (default 10 s). */
  stopGraceMs?: number;
  timers?: Timers;
}

/** How supervise() ended. */
export interface Outcome {
  /** The last run's exit status. */
  status: ExitStatus;
  restarts: number;
  /** It crashed more often than maxRestarts allows. */
  gaveUp: boolean;
  /** stop() ended it. */
  stopped: boolean;
}

/** What the supervisor did, in order (for logs, and for the tests). */
export type SupervisorEvent = { type: 'started'; attempt: number } | { type: 'exited'; status: ExitStatus } | { type: 'oom' } | { type: 'sigkill' };

/** The container exists and is not stopped: kapsel's errors have stable codes to tell "gone" by. */
function isRunning(c: RuntimeContainer): boolean {
  try {
    return c.state().status !== 'stopped';
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_CONTAINER_NOT_FOUND') return false;
    throw err;
  }
}

const processTimers: Timers = { setTimeout: (cb, ms) => setTimeout(cb, ms), clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout) };

export class Supervisor {
  readonly events: SupervisorEvent[] = [];
  private current?: RuntimeContainer;
  private stopping = false;
  private readonly timers: Timers;

  constructor(private readonly options: SupervisorOptions) {
    this.timers = options.timers ?? processTimers;
  }

  /** Runs the container until it exits cleanly, stop() is called, or it crashed too often. */
  async supervise(): Promise<Outcome> {
    const max = this.options.maxRestarts ?? 3;
    const backoff = this.options.backoffMs ?? ((n) => 1000 * 2 ** (n - 1));
    for (let restarts = 0; ; restarts++) {
      const status = await this.runOnce(restarts);
      const crashed = status.exitCode !== 0;
      if (this.stopping || !crashed || restarts >= max) {
        return { status, restarts, gaveUp: crashed && !this.stopping, stopped: this.stopping };
      }
      await this.sleep(backoff(restarts + 1));
      if (this.stopping) return { status, restarts, gaveUp: false, stopped: true };
    }
  }

  /** SIGTERM, then SIGKILL if it is still running after the grace period. */
  async stop(): Promise<void> {
    this.stopping = true;
    const c = this.current;
    // Between runs (in a back-off) there is no container to stop: the
    // loop sees `stopping` when the back-off ends. (The OOM test below
    // found this: stop() used to fail with ERR_CONTAINER_NOT_FOUND here.)
    if (!c || !isRunning(c)) return;
    const exited = c.wait();
    await c.kill('SIGTERM');
    const timer = this.timers.setTimeout(() => {
      this.events.push({ type: 'sigkill' });
      void c.kill('SIGKILL').catch(() => undefined); // exited meanwhile
    }, this.options.stopGraceMs ?? 10_000);
    await exited;
    this.timers.clearTimeout(timer);
  }

  private async runOnce(attempt: number): Promise<ExitStatus> {
    // A leftover of an earlier run of ours (a crash of this process) goes first.
    await this.options.runtime.load(this.options.id).then(
      (old) => old.delete({ force: true }),
      () => undefined,
    );
    const c = await this.options.runtime.create({ id: this.options.id, bundle: this.options.bundle });
    this.current = c;
    try {
      c.on('oom', () => this.events.push({ type: 'oom' }));
      await c.start();
      this.events.push({ type: 'started', attempt });
      const status = await c.wait();
      this.events.push({ type: 'exited', status });
      return status;
    } finally {
      await c.delete({ force: true });
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.timers.setTimeout(resolve, ms));
  }
}

/**
 * Time for the simulated runtime: real time by default, or a ManualClock
 * that only moves when the test says so. Everything the simulation waits
 * for goes through it: a scripted process's exit delay, an OOM event's
 * delay, a hook's timeout (run.ts takes these timers), so a test of a
 * timeout advances the clock instead of sleeping.
 */
import { AssertionError } from 'node:assert';
import { checkArgs, func, instance, number, optional, type Guard } from '../../args';
import type { HookTimers } from '../../hooks/run';

/** A source of time and timers (milliseconds). */
export interface Clock extends HookTimers {
  /** The current time in milliseconds. */
  now(): number;
  /** Runs `callback` once `ms` milliseconds have passed on this clock; returns a handle for clearTimeout. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a timer of this clock (a handle that already fired or was cleared is ignored). */
  clearTimeout(timer: unknown): void;
}

/**
 * Milliseconds on a clock: fractions are fine (a script's afterMs), NaN
 * is not (a timer due at NaN never fires, and a clock moved by NaN shows
 * NaN from then on). Negative delays are refused rather than taken as 0.
 */
const MS: Guard = number(0, Number.MAX_SAFE_INTEGER);
/** run()'s limit: milliseconds, Infinity (the default) for none. */
const LIMIT_MS: Guard = optional(number(0, Infinity));
const TIMER_ARGS = (callback: unknown, ms: unknown): void => checkArgs([callback, 'callback', func], [ms, 'ms', MS]);

/** The process's own time (Date.now and setTimeout): the default clock. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    TIMER_ARGS(callback, ms);
    return setTimeout(callback, ms);
  },
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

interface ManualTimer {
  due: number;
  /** Creation order: timers due at the same time fire in the order they were set. */
  seq: number;
  callback: () => void;
}

/**
 * Turns of the event loop after each fired timer: enough for the chains
 * of promises and immediates a timer sets off in the simulation (a
 * process ends, wait() resolves, the caller deletes and creates again).
 * What waits on I/O (a hook run for real) is not covered: run() waits
 * for that.
 */
const SETTLE_TURNS = 20;

/** Lets the promise chains a timer's callback started run before the next timer fires. */
async function settle(): Promise<void> {
  for (let i = 0; i < SETTLE_TURNS; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * A clock that stands still until advance() moves it. Timers fire in due
 * order, each followed by a turn of the event loop, so what a fired timer
 * sets off (a process ends, a wait resolves, the next hook starts) happens
 * before the next one fires, as it would in real time.
 */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly timers = new Set<ManualTimer>();
  private readonly waiters: Array<() => void> = [];

  /** @param start the time it shows at first (ms; default 0). */
  constructor(start = 0) {
    checkArgs([start, 'start', number(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)]);
    this.time = start;
  }

  /** The clock's time in milliseconds. */
  now(): number {
    return this.time;
  }

  /** Sets a timer that fires when advance() reaches now() + ms. */
  setTimeout(callback: () => void, ms: number): unknown {
    TIMER_ARGS(callback, ms);
    const timer: ManualTimer = { due: this.time + Math.max(0, ms), seq: this.seq++, callback };
    this.timers.add(timer);
    for (const wake of this.waiters.splice(0)) wake();
    return timer;
  }

  /** Cancels a timer set on this clock. */
  clearTimeout(timer: unknown): void {
    this.timers.delete(timer as ManualTimer);
  }

  /** How many timers are waiting to fire. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /**
   * Resolves once at least one timer is waiting (at once if one is): for
   * "advance once the hook has started and its timeout is set".
   */
  whenTimerSet(): Promise<void> {
    if (this.timers.size > 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * Moves the clock `ms` forward, firing every timer due on the way in
   * order (also those set by a callback, while still due within the
   * step), then lets the event loop turn once more. Resolves when done.
   */
  async advance(ms: number): Promise<void> {
    checkArgs([ms, 'ms', MS]);
    const target = this.time + Math.max(0, ms);
    for (;;) {
      const next = this.nextDue();
      if (!next || next.due > target) break;
      this.timers.delete(next);
      this.time = next.due;
      next.callback();
      await settle();
    }
    this.time = target;
    await settle();
  }

  /**
   * Moves the clock from timer to timer until `until` settles, and
   * returns its outcome: "let the program run until it is done, however
   * long that takes on the clock", without a real wait. Between timers it
   * waits for the program to set the next one (a hook running for real,
   * for example), so it never skips ahead of work in progress. Rejects
   * when the next timer lies more than `limitMs` past the start (default:
   * no limit), so a program that would wait forever fails the test.
   */
  async run<T>(until: Promise<T>, limitMs = Infinity): Promise<T> {
    checkArgs([until, 'until', instance(Promise)], [limitMs, 'limitMs', LIMIT_MS]);
    let done = false;
    const finished = until.then(
      () => {
        done = true;
      },
      () => {
        done = true;
      },
    );
    const start = this.time;
    for (;;) {
      await settle();
      if (done) return until;
      const next = this.nextDue();
      if (!next) {
        await Promise.race([finished, this.whenTimerSet()]);
        continue;
      }
      if (next.due - start > limitMs) {
        // A test failure, as node:assert reports one.
        throw new AssertionError({ message: `ManualClock.run: still not done ${limitMs} ms on (the next timer is due at +${next.due - start} ms)` });
      }
      await this.advance(next.due - this.time);
    }
  }

  private nextDue(): ManualTimer | undefined {
    let next: ManualTimer | undefined;
    for (const t of this.timers) {
      if (!next || t.due < next.due || (t.due === next.due && t.seq < next.seq)) next = t;
    }
    return next;
  }
}

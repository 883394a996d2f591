/**
 * The simulated runtime's hooks: each hook list goes through the real
 * runner's loops (lib/hooks/run.ts runHooks: the first failure stops the
 * list; runHooksWarnOnly: every poststop hook runs, failures are
 * warnings), and each hook either runs for real (a child process, the
 * state JSON on stdin, killed at its timeout on the runtime's clock) or
 * is only recorded. Either way it is logged, and an injected fault
 * (script.ts HookFault) replaces it with the failure a real hook would
 * cause: the same HookFailedError, worded by the same function.
 */
import type { Hook, HookName } from '../../config/types';
import { hookArgs, hookFailure, runHook, runHooks, runHooksWarnOnly, type HookRunOptions } from '../../hooks/run';
import type { Logger } from '../../logger';
import type { Clock } from './clock';
import type { HookFault } from './script';

/** Whether hooks run as child processes ('run') or are only recorded ('record'). */
export type HookMode = 'run' | 'record';

/** One hook the simulated runtime ran, recorded or failed on purpose, in order. */
export interface HookCall {
  /** The container's id. */
  id: string;
  /** The hook list ("prestart"). */
  hook: HookName;
  /** The entry's index in that list. */
  index: number;
  /** The hook's path as configured. */
  path: string;
  /** Its argv: `args` as configured, or the path alone. */
  args: string[];
  /** The state JSON it got (or would have got) on its stdin. */
  state: object;
  /** 'ran' (a child process, succeeded or not), 'recorded' (not run), or 'faulted' (an injected failure). */
  outcome: 'ran' | 'recorded' | 'faulted';
}

/** What a hook list needs to know of its container. */
export interface HookContext {
  id: string;
  hooks: Partial<Record<HookName, Hook[]>> | undefined;
  faults: readonly HookFault[];
}

/** Runs (or records) the hooks of the simulated runtime's containers, logging each in `calls`. */
export class SimulatedHooks {
  /** Every hook in the order it was called. */
  readonly calls: HookCall[] = [];

  /** @param mode run hooks as child processes, or only record them; @param clock the timeouts' clock */
  constructor(
    private readonly mode: HookMode,
    private readonly clock: Clock,
  ) {}

  /** Runs the `kind` list: the first failure rejects (HookFailedError) and the rest do not run. */
  run(ctx: HookContext, kind: HookName, state: object, abort?: AbortSignal): Promise<void> {
    return runHooks(kind, ctx.hooks?.[kind], state, abort, this.how(ctx));
  }

  /** Runs the whole `kind` list; failures go to `logger` as warnings (poststop). */
  runWarnOnly(ctx: HookContext, kind: HookName, state: object, logger: Logger): Promise<void> {
    return runHooksWarnOnly(kind, ctx.hooks?.[kind], state, logger, this.how(ctx));
  }

  private how(ctx: HookContext): HookRunOptions {
    return {
      timers: this.clock,
      runOne: (kind, hook, state, abort) => this.runOne(ctx, kind, hook, state, abort),
    };
  }

  private runOne(ctx: HookContext, kind: HookName, hook: Hook, state: object, abort?: AbortSignal): Promise<void> {
    // The config's own entry: its position is the index faults name.
    const index = ctx.hooks?.[kind]?.indexOf(hook) ?? -1;
    const fault = ctx.faults.find((f) => f.hook === kind && (f.index ?? 0) === index);
    const outcome = fault ? 'faulted' : this.mode === 'run' ? 'ran' : 'recorded';
    this.calls.push({ id: ctx.id, hook: kind, index, path: hook.path, args: hookArgs(hook), state: JSON.parse(JSON.stringify(state)) as object, outcome });
    if (fault) return this.fail(kind, hook, fault, abort);
    if (this.mode === 'record') return Promise.resolve();
    return runHook(kind, hook, state, abort, this.clock);
  }

  /** The injected failure: at once, or (timeout) once the hook's timeout passed on the clock, or when aborted. */
  private fail(kind: HookName, hook: Hook, fault: HookFault, abort?: AbortSignal): Promise<void> {
    const stderr = fault.stderr ?? '';
    if (!fault.timeout) {
      const outcome = fault.signal
        ? { exitCode: null, signal: fault.signal, timedOut: false, stderr }
        : { exitCode: fault.exitCode ?? 1, signal: null, timedOut: false, stderr };
      return Promise.reject(hookFailure(kind, hook, outcome, { output: stderr }));
    }
    return new Promise((_resolve, reject) => {
      const killed = { exitCode: null, signal: 'SIGKILL' as const, stderr };
      let timer: unknown;
      const onAbort = (): void => {
        if (timer !== undefined) this.clock.clearTimeout(timer);
        reject(hookFailure(kind, hook, { ...killed, timedOut: false }, { output: stderr, aborted: true }));
      };
      if (abort?.aborted) return onAbort();
      abort?.addEventListener('abort', onAbort, { once: true });
      // No timeout configured: it hangs as a real hook would, until an abort.
      if (hook.timeout && hook.timeout > 0) {
        timer = this.clock.setTimeout(() => {
          abort?.removeEventListener('abort', onAbort);
          reject(hookFailure(kind, hook, { ...killed, timedOut: true }, { output: stderr }));
        }, hook.timeout * 1000);
      }
    });
  }
}

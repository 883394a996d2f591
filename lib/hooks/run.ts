/**
 * Runs the hooks that execute in the runtime namespace (prestart,
 * createRuntime, poststart, poststop): the container state JSON on stdin,
 * the hook's args and env as configured (no env: the runtime's own, as
 * runc and crun do), killed at its timeout.
 * (createContainer and startContainer run inside the container, from the
 * init helper: native/init/hooks.cc.)
 */
import { spawn } from 'node:child_process';
import type { Hook, HookName } from '../config/types';
import { HOOK_STDERR_LIMIT, HookFailedError, type HookOutcome } from '../errors';
import type { Logger } from '../logger';

const OUTPUT_LIMIT = 4096;

/**
 * The timer a hook's timeout runs on: the process's own by default; the
 * simulated runtime (lib/testing/simulated) passes its test clock, so a
 * test of a hook timeout needs no real sleep.
 */
export interface HookTimers {
  /** Runs `callback` after `ms` milliseconds; returns a handle for clearTimeout. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a timer set by setTimeout. */
  clearTimeout(timer: unknown): void;
}

/** The longest delay Node's setTimeout keeps (a longer one fires after 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

const realTimers: HookTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

/** How runHooks and runHooksWarnOnly run each hook. */
export interface HookRunOptions {
  /** The timeout's timer (default: real time). */
  timers?: HookTimers;
  /** Runs one hook (default runHook): the simulated runtime records or fails hooks here, keeping the list's rules. */
  runOne?: typeof runHook;
}

/** The hook's environment: its `env`, or the runtime's own when it has none (runc, crun). */
function hookEnv(hook: Hook): NodeJS.ProcessEnv {
  if (!hook.env) return { ...process.env };
  const env: Record<string, string> = {};
  for (const kv of hook.env) {
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return env;
}

/** The hook's argv: its `args`, or its path alone when it has none. */
export function hookArgs(hook: Hook): string[] {
  return hook.args && hook.args.length > 0 ? [...hook.args] : [hook.path];
}

/**
 * The last `limit` bytes of a stream, kept as it goes (a hook may write
 * without end until its timeout: memory stays bounded).
 */
function tailCollector(limit: number): { add(chunk: Buffer): void; text(): string } {
  let tail = Buffer.alloc(0);
  return {
    add(chunk) {
      tail = Buffer.concat([tail, chunk]);
      if (tail.length > limit) tail = tail.subarray(tail.length - limit);
    },
    text: () => tail.toString('utf8').trim(),
  };
}

/**
 * Runs one hook; rejects with HookFailedError (exit status, signal,
 * timeout, spawn error). `abort` kills it with its process group (SIGKILL:
 * a hanging hook must not keep an aborted create pending).
 */
export function runHook(kind: HookName, hook: Hook, state: object, abort?: AbortSignal, timers: HookTimers = realTimers): Promise<void> {
  const args = hookArgs(hook);
  const env = hookEnv(hook);
  const entry = { path: hook.path, args };
  return new Promise((resolve, reject) => {
    let output = '';
    const stderr = tailCollector(HOOK_STDERR_LIMIT);
    let timedOut = false;
    let settled = false;
    // A process group of its own, so that a timeout aborts the hook with
    // everything it started: a child left running would keep the hook's
    // stdout open, and the runtime (waiting for it to close) would hang
    // past the timeout the config asked for (config.md, Hooks: timeout).
    const child = spawn(hook.path, args.slice(1), { argv0: args[0], env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    // The message quotes the start of both streams (as before); the error's `stderr` keeps stderr's end.
    const collect = (chunk: Buffer): void => {
      if (output.length < OUTPUT_LIMIT) output += chunk.toString('utf8');
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', (chunk: Buffer) => {
      collect(chunk);
      stderr.add(chunk);
    });
    // A hook that never reads stdin must not fail the write.
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(JSON.stringify(state));
    // Node fires a timer longer than 2^31-1 ms (24.8 days) after 1 ms: a
    // timeout beyond that is no limit within any runtime's life, so none is
    // set, rather than one that kills the hook at once.
    const timer =
      hook.timeout && hook.timeout > 0 && hook.timeout * 1000 <= MAX_TIMER_MS
        ? timers.setTimeout(() => {
            timedOut = true;
            killGroup(child.pid);
          }, hook.timeout * 1000)
        : undefined;
    let aborted = false;
    const onAbort = (): void => {
      aborted = true;
      killGroup(child.pid);
    };
    if (abort?.aborted) onAbort();
    else abort?.addEventListener('abort', onAbort, { once: true });
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      abort?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const failed = (exitCode: number | null, signal: NodeJS.Signals | null, aborted = false): HookFailedError =>
      hookFailure(kind, hook, { exitCode, signal, timedOut, stderr: stderr.text() }, { output, aborted });
    child.on('error', (err) => finish(new HookFailedError(kind, entry, err.message, { timedOut, stderr: stderr.text() })));
    // Timed out: done once the hook itself is gone, whoever (a process
    // that left the group) still holds its output open.
    child.on('exit', (code, signal) => {
      if (!timedOut && !aborted) return;
      child.stdout!.destroy();
      child.stderr!.destroy();
      finish(failed(code, signal, !timedOut));
    });
    child.on('close', (code, signal) => {
      if (timedOut) finish(failed(code, signal));
      else if (code === 0) finish();
      else if (signal) finish(failed(null, signal));
      else finish(failed(code, null));
    });
  });
}

/**
 * The error of a hook that ended as `outcome` says, worded as runHook
 * words it ("timed out after 5s", "exit status 3", "killed by SIGTERM"),
 * with the start of its output: the simulated runtime's injected hook
 * failures are the same errors as real ones.
 */
export function hookFailure(
  kind: HookName,
  hook: Hook,
  outcome: HookOutcome,
  extra: { output?: string; aborted?: boolean } = {},
): HookFailedError {
  const output = extra.output?.trim() ?? '';
  const tail = output ? `: ${output}` : '';
  let reason: string;
  if (outcome.timedOut) reason = `timed out after ${hook.timeout}s`;
  else if (extra.aborted) reason = 'aborted';
  else if (outcome.signal) reason = `killed by ${outcome.signal}`;
  else reason = `exit status ${outcome.exitCode}`;
  return new HookFailedError(kind, { path: hook.path, args: hookArgs(hook) }, reason + tail, outcome);
}

/** SIGKILL to the hook's process group (the hook leads it: spawned detached). */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone, with its whole group.
  }
}

/** Runs hooks in order; the first failure rejects (the rest do not run). */
export async function runHooks(kind: HookName, hooks: readonly Hook[] | undefined, state: object, abort?: AbortSignal, how: HookRunOptions = {}): Promise<void> {
  const runOne = how.runOne ?? runHook;
  for (const hook of hooks ?? []) await runOne(kind, hook, state, abort, how.timers);
}

/** Runs every hook; failures become warnings (poststop). */
export async function runHooksWarnOnly(
  kind: HookName,
  hooks: readonly Hook[] | undefined,
  state: object,
  logger: Logger,
  how: HookRunOptions = {},
): Promise<void> {
  const runOne = how.runOne ?? runHook;
  for (const hook of hooks ?? []) {
    try {
      await runOne(kind, hook, state, undefined, how.timers);
    } catch (err) {
      logger.warn((err as Error).message);
    }
  }
}

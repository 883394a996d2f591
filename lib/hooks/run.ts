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
import { HookFailedError } from '../errors';
import type { Logger } from '../logger';

const OUTPUT_LIMIT = 4096;

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

/**
 * Runs one hook; rejects with HookFailedError (exit status, signal,
 * timeout, spawn error). `signal` kills it (SIGKILL: a hanging hook must
 * not keep an aborted create pending).
 */
export function runHook(kind: HookName, hook: Hook, state: object, signal?: AbortSignal): Promise<void> {
  const args = hook.args && hook.args.length > 0 ? hook.args : [hook.path];
  const env = hookEnv(hook);
  return new Promise((resolve, reject) => {
    let output = '';
    let timedOut = false;
    let settled = false;
    const child = spawn(hook.path, args.slice(1), { argv0: args[0], env, stdio: ['pipe', 'pipe', 'pipe'], signal, killSignal: 'SIGKILL' });
    const collect = (chunk: Buffer): void => {
      if (output.length < OUTPUT_LIMIT) output += chunk.toString('utf8');
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    // A hook that never reads stdin must not fail the write.
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(JSON.stringify(state));
    const timer =
      hook.timeout && hook.timeout > 0
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, hook.timeout * 1000)
        : undefined;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    const tail = (): string => (output.trim() ? `: ${output.trim()}` : '');
    child.on('error', (err) => finish(new HookFailedError(kind, hook.path, err.message)));
    child.on('close', (code, signal) => {
      if (timedOut) finish(new HookFailedError(kind, hook.path, `timed out after ${hook.timeout}s${tail()}`));
      else if (code === 0) finish();
      else if (signal) finish(new HookFailedError(kind, hook.path, `killed by ${signal}${tail()}`));
      else finish(new HookFailedError(kind, hook.path, `exit status ${code}${tail()}`));
    });
  });
}

/** Runs hooks in order; the first failure rejects (the rest do not run). */
export async function runHooks(kind: HookName, hooks: readonly Hook[] | undefined, state: object, signal?: AbortSignal): Promise<void> {
  for (const hook of hooks ?? []) await runHook(kind, hook, state, signal);
}

/** Runs every hook; failures become warnings (poststop). */
export async function runHooksWarnOnly(
  kind: HookName,
  hooks: readonly Hook[] | undefined,
  state: object,
  logger: Logger,
): Promise<void> {
  for (const hook of hooks ?? []) {
    try {
      await runHook(kind, hook, state);
    } catch (err) {
      logger.warn((err as Error).message);
    }
  }
}

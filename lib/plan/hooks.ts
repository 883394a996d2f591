/**
 * The config's hooks as the plan shows them: every hook of the six lists
 * in the order the lifecycle runs them (runtime.md "Lifecycle", config.md
 * "POSIX-platform Hooks"), with where each runs (the runtime's namespaces,
 * or the container's through the init's "hook" steps), the status of the
 * state it reads on stdin, the operation that runs it and what its
 * failure does. create, start and delete run them in this order
 * (container/create.ts, start.ts, delete.ts; the conformance kit checks
 * the order against the spec).
 *
 * A hook without `env` gets the runtime's own environment when it runs
 * (runc and crun give it so). The plan says so and never holds the
 * values: a plan is printed, logged, kept as a test snapshot and cached,
 * and the caller's environment (tokens, CI secrets) must be in none of
 * them. The values are filled in at launch (plan/encode.ts, from the
 * environment the launching runtime has).
 */
import type { Hook, Hooks } from '../config/types';
import type { PlannedHook, Step } from './steps';

/** How each list runs, in the lifecycle's order (runtime.md, Lifecycle steps 4-6, 8-10, 12-13). */
export const HOOK_LIFECYCLE: ReadonlyArray<Pick<PlannedHook, 'kind' | 'namespace' | 'operation' | 'status' | 'onFailure'>> = [
  { kind: 'prestart', namespace: 'runtime', operation: 'create', status: 'creating', onFailure: 'fails' },
  { kind: 'createRuntime', namespace: 'runtime', operation: 'create', status: 'creating', onFailure: 'fails' },
  { kind: 'createContainer', namespace: 'container', operation: 'create', status: 'creating', onFailure: 'fails' },
  { kind: 'startContainer', namespace: 'container', operation: 'start', status: 'created', onFailure: 'fails' },
  { kind: 'poststart', namespace: 'runtime', operation: 'start', status: 'running', onFailure: 'fails' },
  { kind: 'poststop', namespace: 'runtime', operation: 'delete', status: 'stopped', onFailure: 'warns' },
];

/**
 * What of a hook both the plan's list and the init's step carry: argv
 * defaulted, env only when the config gives one (`env: []` stays an empty
 * environment; only an absent one inherits the runtime's).
 */
function hookFields(h: Hook): { path: string; args: string[]; timeout: number; env?: string[] } {
  return { path: h.path, args: h.args ?? [h.path], timeout: h.timeout ?? 0, ...(h.env ? { env: [...h.env] } : {}) };
}

/** Every hook of `hooks`, in the order the lifecycle runs them. */
export function planHooks(hooks: Hooks | undefined): PlannedHook[] {
  return HOOK_LIFECYCLE.flatMap((how) => (hooks?.[how.kind] ?? []).map((h, index): PlannedHook => ({ ...how, index, ...hookFields(h) })));
}

/** The init's steps for the hooks it runs in the container's namespaces (no env: the runtime's, filled in at launch). */
export function hookSteps(kind: 'createContainer' | 'startContainer', hooks: readonly Hook[] | undefined): Step[] {
  return (hooks ?? []).map((h): Step => ({ op: 'hook', kind, ...hookFields(h) }));
}

/** Whether a step inherits the runtime's environment (a hook step without `env`). */
export function inheritsRuntimeEnv(step: Step): boolean {
  return step.op === 'hook' && step.env === undefined;
}

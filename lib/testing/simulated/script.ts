/**
 * What a test tells the simulated runtime a container does: how its
 * process and exec'd processes behave (exit codes, signals, delays), and
 * which faults to inject (a failing create step, a failing or hanging
 * hook, an OOM kill). Plain data, checked when given (checkScript), so a
 * typo fails the test that wrote it rather than silently doing nothing.
 */
import type { HookName } from '../../config/types';
import { InvalidArgumentError } from '../../errors';

/** How a scripted process ends: with an exit code, or killed by a signal. */
export interface ScriptedExit {
  /** Milliseconds on the runtime's clock until it ends (default 0: at once, on the next turn of the event loop). */
  afterMs?: number;
  /** Its exit code (default 0, unless `signal` is given). */
  exitCode?: number;
  /** The signal it dies of ("SIGSEGV"); then exitCode is null. */
  signal?: NodeJS.Signals;
}

/** What a signal does to a scripted process: nothing ('ignore'), or end it as ScriptedExit says. */
export type SignalResponse = 'ignore' | ScriptedExit;

/**
 * A process's behaviour. Without `exit` it runs until a signal ends it.
 * Signals not listed in `signals` act as the kernel's defaults do for a
 * process without handlers: SIGKILL always kills (it cannot be scripted);
 * SIGCHLD, SIGCONT, SIGURG and SIGWINCH are ignored; the stop signals are
 * ignored too (the simulation has no stopped processes); every other
 * signal kills. A container's init in a pid namespace of its own is pid 1
 * there, and the kernel delivers it only the signals it has a handler for
 * (pid_namespaces(7)): there, every signal but SIGKILL is ignored unless
 * `signals` lists it, as a real container's unhandled SIGTERM is.
 */
export interface ProcessScript {
  /** Ends on its own this long after it starts. */
  exit?: ScriptedExit;
  /** Responses to signals, by name ("SIGTERM"). */
  signals?: Partial<Record<NodeJS.Signals, SignalResponse>>;
}

/**
 * The named steps of create, in their order (lib/container/create.ts):
 * the state directory, the cgroups, spawning the init, the init's own
 * steps before the runtime hooks (namespaces, mounts), then the hooks,
 * then "ready" (the init reports it is set up and state.json is written).
 */
export const CREATE_STEPS = ['state-directory', 'cgroups', 'spawn', 'init', 'ready'] as const;

/** One of CREATE_STEPS. */
export type CreateStep = (typeof CREATE_STEPS)[number];

/** A create that fails at `step`, with `error` (default: the error the real step would give, see SimulatedRuntime). */
export interface CreateFault {
  /** The step that fails. */
  step: CreateStep;
  /** What create rejects with (default: the real step's error). */
  error?: Error;
}

/**
 * A hook that fails instead of running (in either hook mode): `hook` is
 * the list, `index` the entry in it (default 0). It exits with `exitCode`
 * (default 1) or dies of `signal`; with `timeout`, it hangs until its
 * configured timeout passes on the runtime's clock and is then killed, as
 * runHook kills a real one (a hook without a timeout hangs until the
 * operation is aborted, as a real one would).
 */
export interface HookFault {
  /** The hook list ("prestart"). */
  hook: HookName;
  /** The entry in that list (default 0). */
  index?: number;
  /** Its exit status (default 1). */
  exitCode?: number;
  /** The signal it dies of instead of exiting. */
  signal?: NodeJS.Signals;
  /** It hangs until its configured timeout (on the runtime's clock) and is killed then. */
  timeout?: boolean;
  /** What it wrote to stderr (HookFailedError#stderr). */
  stderr?: string;
}

/** An OOM kill in the container's cgroup, this long after start. */
export interface OomFault {
  /** Milliseconds on the runtime's clock after start (default 0). */
  afterMs?: number;
  /** The number the 'oom' event reports (default 1). */
  kills?: number;
  /** The kernel killed the container's process (SIGKILL) rather than another of its processes (default true). */
  killsProcess?: boolean;
}

/** Everything scripted for one container (SimulatedRuntime#script). */
export interface ContainerScript {
  /** The container's process, once started (default: runs until a signal ends it). */
  process?: ProcessScript;
  /** The behaviour of each exec'd process, from its args (default: exits 0 at once). */
  exec?: (args: readonly string[]) => ProcessScript;
  /** create fails at this step. */
  failCreate?: CreateStep | CreateFault;
  /** Hooks that fail or hang instead of running. */
  hookFaults?: readonly HookFault[];
  /** An OOM kill after start. */
  oom?: OomFault;
}

/** Throws InvalidArgumentError (naming the field) for a script the simulation could not honour. */
export function checkScript(script: ContainerScript): void {
  const where = 'script';
  checkProcessScript(script.process, `${where}.process`);
  const fault = typeof script.failCreate === 'string' ? { step: script.failCreate } : script.failCreate;
  if (fault && !(CREATE_STEPS as readonly string[]).includes(fault.step)) {
    throw new InvalidArgumentError(`${where}.failCreate: unknown create step "${fault.step}" (one of ${CREATE_STEPS.join(', ')})`);
  }
  for (const [i, h] of (script.hookFaults ?? []).entries()) {
    if (h.index !== undefined && !(Number.isInteger(h.index) && h.index >= 0)) {
      throw new InvalidArgumentError(`${where}.hookFaults[${i}].index must be a non-negative integer`);
    }
  }
  if (script.oom?.afterMs !== undefined) checkDelay(script.oom.afterMs, `${where}.oom.afterMs`);
}

/** As checkScript, for one process's script. */
export function checkProcessScript(script: ProcessScript | undefined, where: string): void {
  if (!script) return;
  if (script.exit) checkExit(script.exit, `${where}.exit`);
  for (const [name, response] of Object.entries(script.signals ?? {})) {
    if (name === 'SIGKILL') throw new InvalidArgumentError(`${where}.signals.SIGKILL: SIGKILL cannot be caught or ignored`);
    if (response !== 'ignore') checkExit(response, `${where}.signals.${name}`);
  }
}

function checkExit(exit: ScriptedExit, where: string): void {
  if (exit.afterMs !== undefined) checkDelay(exit.afterMs, `${where}.afterMs`);
  if (exit.exitCode !== undefined && !(Number.isInteger(exit.exitCode) && exit.exitCode >= 0 && exit.exitCode <= 255)) {
    throw new InvalidArgumentError(`${where}.exitCode must be an integer from 0 to 255`);
  }
}

function checkDelay(ms: number, where: string): void {
  if (!(Number.isFinite(ms) && ms >= 0)) throw new InvalidArgumentError(`${where} must be a non-negative number of milliseconds`);
}

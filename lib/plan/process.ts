/**
 * The process part of a plan: oom score, rlimits, credentials, capabilities,
 * umask, cwd, the check that the binary can be executed, and the exec of
 * process.args with HOME filled in — in the order runc applies them
 * (bounding set and groups while still privileged, then the uid, then the
 * final capability sets).
 *
 * processPlan takes a validated `process` object and the facts it needs,
 * not a whole config: `create` and `exec` build the same steps from it.
 * Nothing here validates (config/checks.ts did) or reads a file (lib/host/facts.ts
 * did).
 */
import type { LinuxCapabilities, Process } from '../config/types';
import type { ValidProcess } from '../config/valid';
import { InternalError, InvalidConfigError } from '../errors';
import * as C from '../native/constants';
import type { ImageFacts } from './plan-facts';
import { schedulingSteps } from './scheduling';
import type { Step } from './steps';
import { boolean, checkArgs, object } from '../args';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The CAP_* bit of a validated capability name. */
function capabilityBit(name: string): number {
  const bit = C.CAPABILITIES[name];
  // Validation (config/checks.ts) rejects unknown names: reaching this is a bug, not a config error.
  if (bit === undefined) throw new InternalError(`capability "${name}" was not validated`);
  return bit;
}

/** Bit mask of capability names. */
export function capabilityMask(names: readonly string[] | undefined): bigint {
  let mask = 0n;
  for (const name of names ?? []) mask |= 1n << BigInt(capabilityBit(name));
  return mask;
}

/**
 * The ambient capabilities the kernel lets us raise: PR_CAP_AMBIENT_RAISE
 * needs each in both the permitted and the inheritable set. runc's and
 * crun's default configs (`runc spec`, `crun spec`) list the default
 * capabilities in ambient but not in inheritable. Decision: runc's way —
 * such a capability is left out of ambient, with a warning naming it —
 * not crun's, because adding it to the inheritable set would give the
 * container more than the config asks for (runc dropped default
 * inheritable capabilities for that reason, CVE-2022-29162), while leaving
 * ambient short only means what the kernel would refuse anyway.
 */
export function raisableAmbient(caps: LinuxCapabilities, jsonPath = '/process'): { names: string[]; warnings: string[] } {
  const inheritable = new Set(caps.inheritable ?? []);
  const permitted = new Set(caps.permitted ?? []);
  const names: string[] = [];
  const warnings: string[] = [];
  for (const name of caps.ambient ?? []) {
    const missing = [inheritable.has(name) ? '' : 'inheritable', permitted.has(name) ? '' : 'permitted'].filter(Boolean);
    if (missing.length === 0) names.push(name);
    else {
      warnings.push(
        `${jsonPath}/capabilities/ambient: ${name} is not raised: an ambient capability must also be in ${missing.join(' and ')} (as runc, it is skipped)`,
      );
    }
  }
  return { names, warnings };
}

export function capabilitySteps(caps: LinuxCapabilities, ambient: readonly string[] = caps.ambient ?? []): { before: Step[]; after: Step[] } {
  return {
    before: [{ op: 'bounding', keep: capabilityMask(caps.bounding).toString() }],
    after: [
      {
        op: 'capset',
        effective: capabilityMask(caps.effective).toString(),
        permitted: capabilityMask(caps.permitted).toString(),
        inheritable: capabilityMask(caps.inheritable).toString(),
      },
      { op: 'ambient', raise: capabilityMask(ambient).toString() },
    ],
  };
}

/** The home directory of `uid` in the image's /etc/passwd, or "/" (as runc sets HOME). */
export function containerHome(image: ImageFacts, uid: number): string {
  return image.passwd.find((e) => e.uid === uid && e.home !== '')?.home ?? '/';
}

/** process.env with HOME added when missing, as runc does (PATH is left as the config has it). */
export function processEnv(proc: Process, image: ImageFacts): string[] {
  const env = [...(proc.env ?? [])];
  if (!env.some((kv) => kv.startsWith('HOME='))) env.push(`HOME=${containerHome(image, proc.user?.uid ?? 0)}`);
  return env;
}

/**
 * JSON numbers lose precision above 2^53: RLIM_INFINITY (2^64-1) arrives as
 * 2^64, and anything that large (or negative, as -1 in some configs) means
 * unlimited.
 */
export function rlimitValue(n: number): bigint {
  if (n < 0 || n >= 2 ** 64 - 1) return C.RLIM_INFINITY;
  return BigInt(Math.floor(n));
}

export function rlimitSteps(proc: Process): Step[] {
  return (proc.rlimits ?? []).map((r): Step => {
    const resource = C.RLIMIT[r.type];
    // Validation rejects unknown types: reaching this is a bug, not a config error.
    if (resource === undefined) throw new InternalError(`rlimit "${r.type}" was not validated`);
    return { op: 'rlimit', type: r.type, resource, soft: rlimitValue(r.soft).toString(), hard: rlimitValue(r.hard).toString() };
  });
}

/** What {@link processPlan} needs besides the process: the image, the user namespace and the runtime's settings. */
export interface ProcessPlanContext {
  /** What the image says (HOME comes from its /etc/passwd). */
  image: ImageFacts;
  /** setgroups(2) is denied in the process's user namespace (a rootless runtime's new one). */
  setgroupsDenied: boolean;
  /** JSON pointer of the process object in error messages: "/process" (default) in a config, "" for `exec --process`. */
  jsonPath?: string;
  /** The runtime's socket activation, passed on (container/socket-activation.ts). */
  socketActivation?: {
    /** How many fds are passed (LISTEN_FDS). */
    count: number;
    /** Their names (LISTEN_FDNAMES), colon-separated. */
    names?: string;
    /** The process is pid 1 of a pid namespace of its own (so LISTEN_PID=1 is true). */
    ownPidNamespace: boolean;
  };
  /** NOTIFY_SOCKET=... of the socket the runtime bound into the container (plan/notify-socket.ts). */
  notifySocketEnv?: string;
  /** HostFacts.runtimeBoundingSet: capabilities outside it are left out, with a warning. */
  runtimeBoundingSet?: string;
}

const SOCKET_ACTIVATION_VARS = ['LISTEN_FDS=', 'LISTEN_PID=', 'LISTEN_FDNAMES='];

/**
 * The socket activation variables of the container's process, replacing
 * any the config has (getenv takes the first). LISTEN_PID is 1: the
 * process is pid 1 of its own pid namespace; without one its pid is not
 * known before it runs, so LISTEN_PID is left out (and sd_listen_fds
 * ignores the fds), with a warning.
 */
function socketActivationEnv(env: string[], activation: NonNullable<ProcessPlanContext['socketActivation']>, warnings: string[]): string[] {
  const out = env.filter((kv) => !SOCKET_ACTIVATION_VARS.some((prefix) => kv.startsWith(prefix)));
  out.push(`LISTEN_FDS=${activation.count}`);
  if (activation.ownPidNamespace) out.push('LISTEN_PID=1');
  else warnings.push('socket activation: the container has no pid namespace of its own, so LISTEN_PID cannot be set; its process will not see the LISTEN_FDS fds as its own');
  if (activation.names !== undefined) out.push(`LISTEN_FDNAMES=${activation.names}`);
  return out;
}

/** The process's steps: `setup` runs before the wait for `start`, `check` right after it, `exec` last. */
export interface ProcessPlan {
  /** rlimits, bounding set, groups and ids, capabilities, no_new_privs, umask, chdir. */
  setup: Step[];
  /** The part of `setup` before the credentials (scheduling, rlimits): a seccomp filter without no_new_privs goes after it. */
  limits: Step[];
  /** The rest of `setup`: bounding set, groups and ids, capabilities, no_new_privs, umask, chdir. */
  credentials: Step[];
  /** Fails create rather than start when args[0] cannot be executed. */
  check: Step;
  /** The exec of process.args, last. */
  exec: Step;
  /** process.oomScoreAdj: set by the spawner, not a step (LaunchPlan.oomScoreAdj says why). */
  oomScoreAdj?: number;
  /** What the plan leaves out of the config, for the caller to log (ambient capabilities). */
  warnings: string[];
}

/**
 * The capability sets of a process without `capabilities`: none at all, as
 * runc and crun give it. The runtime's own sets (CAP_SYS_ADMIN among
 * them) must never reach a process that did not ask for them; an exec'd
 * process without them gets the container's, as create recorded them
 * (exec-plan.ts), before it gets here.
 */
export const NO_CAPABILITIES: Readonly<Required<LinuxCapabilities>> = Object.freeze({
  bounding: [],
  effective: [],
  inheritable: [],
  permitted: [],
  ambient: [],
});

/**
 * `caps` without the capabilities the runtime cannot grant (outside its
 * own bounding set, ctx.runtimeBoundingSet), each named once in a warning.
 * runc and crun fail create at capset instead; the spec asks runtimes not
 * to fail there and to log what they could not grant (config.md, Linux
 * Process: capabilities), so a runtime in a restricted environment (a
 * container, a systemd unit with CapabilityBoundingSet=) still runs
 * configs written for full root.
 */
function grantableOnly(caps: LinuxCapabilities, ctx: ProcessPlanContext, warnings: string[]): LinuxCapabilities {
  if (ctx.runtimeBoundingSet === undefined) return caps;
  const bound = BigInt(`0x${ctx.runtimeBoundingSet}`);
  const grantable = (name: string): boolean => (bound & (1n << BigInt(capabilityBit(name)))) !== 0n;
  const dropped = new Set<string>();
  const kept: LinuxCapabilities = {};
  for (const set of ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'] as const) {
    const names = caps[set];
    if (names === undefined) continue;
    kept[set] = names.filter((name) => grantable(name) || (dropped.add(name), false));
  }
  if (dropped.size === 0) return caps;
  warnings.push(
    `${ctx.jsonPath ?? '/process'}/capabilities: ${[...dropped].join(', ')} cannot be granted: not in the runtime's own bounding set (left out; the container runs without ${dropped.size === 1 ? 'it' : 'them'})`,
  );
  return kept;
}

/** Credentials and capabilities: the part of the setup that changes who the process is. */
function credentialSteps(proc: ValidProcess, ctx: ProcessPlanContext, warnings: string[]): Step[] {
  const steps: Step[] = [];
  // Always planned: a missing `capabilities` is the empty sets, not the runtime's (NO_CAPABILITIES).
  const capabilities = grantableOnly(proc.capabilities ?? NO_CAPABILITIES, ctx, warnings);
  const ambient = raisableAmbient(capabilities, ctx.jsonPath ?? '/process');
  warnings.push(...ambient.warnings);
  const caps = capabilitySteps(capabilities, ambient.names);
  steps.push(...caps.before);
  const user = proc.user ?? { uid: 0, gid: 0 };
  // Keep the permitted set across the uid change; capset trims it after.
  steps.push({ op: 'keep-caps', keep: true });
  const gids = user.additionalGids ?? [];
  if (!ctx.setgroupsDenied) {
    steps.push({ op: 'setgroups', gids });
  } else if (gids.length > 0) {
    // The one config error that depends on the host: it is known only once the facts are.
    throw new InvalidConfigError(
      `${ctx.jsonPath ?? '/process'}/user/additionalGids`,
      'additional groups cannot be set in a rootless user namespace (setgroups is denied)',
    );
  }
  steps.push({ op: 'setresgid', gid: user.gid });
  steps.push({ op: 'setresuid', uid: user.uid });
  steps.push({ op: 'keep-caps', keep: false });
  steps.push(...caps.after);
  return steps;
}

/** The process part of a plan, from a validated process and the facts it needs. */
export function processPlan(proc: ValidProcess, ctx: ProcessPlanContext): ProcessPlan {
  checkArgs([proc, 'proc', object()], [ctx, 'ctx', object({ image: object(), setgroupsDenied: boolean })]);
  const limits: Step[] = [...schedulingSteps(proc, ctx.jsonPath ?? '/process')];
  const warnings: string[] = [];
  limits.push(...rlimitSteps(proc));
  const credentials = credentialSteps(proc, ctx, warnings);
  if (proc.noNewPrivileges) credentials.push({ op: 'no-new-privs' });
  credentials.push({ op: 'umask', mask: proc.user?.umask ?? 0o022 });
  credentials.push({ op: 'chdir', path: proc.cwd });
  const setup = [...limits, ...credentials];
  const baseEnv = processEnv(proc, ctx.image);
  let env = ctx.socketActivation ? socketActivationEnv(baseEnv, ctx.socketActivation, warnings) : baseEnv;
  if (ctx.notifySocketEnv) env = [...env.filter((kv) => !kv.startsWith('NOTIFY_SOCKET=')), ctx.notifySocketEnv];
  // args has at least one entry: the schema requires it.
  const searchPath = searchPathOf(env);
  return {
    setup,
    limits,
    credentials,
    check: { op: 'check-exec', file: proc.args[0], env, searchPath },
    exec: { op: 'exec', args: proc.args, env, searchPath },
    ...(proc.oomScoreAdj !== undefined ? { oomScoreAdj: proc.oomScoreAdj } : {}),
    warnings,
  };
}

/** Where the init looks up a program name: the container's PATH, else DEFAULT_PATH. */
export function searchPathOf(env: readonly string[]): string {
  const entry = env.find((kv) => kv.startsWith('PATH='));
  return entry !== undefined && entry.length > 'PATH='.length ? entry.slice('PATH='.length) : DEFAULT_PATH;
}

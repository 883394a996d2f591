/**
 * linux.seccomp in the plan: the profile compiled into a BPF program in
 * the runtime, carried by one `seccomp` step that the init installs with
 * seccomp(2), and placed where runc places it, for runc's reasons:
 *
 * - noNewPrivileges: as late as possible, so that the set-up's own
 *   syscalls (mounts, setuid, capset, hooks) need not be in the profile —
 *   right before the final execve. With a notify listener, before the wait
 *   for `start` instead: the listener fd must reach the agent while create
 *   runs, so that create fails when the agent is missing.
 * - without noNewPrivileges: loading a filter needs CAP_SYS_ADMIN, so while
 *   the init still has it — before the user and capability changes.
 *
 * Before the wait for `start`, the init gives memory back
 * (native/init/idle_memory.cc) with syscalls a container's profile may
 * forbid or trap. The step says whether this filter plainly allows them
 * (`allowsIdleRelease`, decided here, where the profile is at hand): then
 * the init releases right before the wait, under the filter; otherwise
 * before installing a filter that goes in before the wait, and the steps
 * between fault part of the program back in (README, "Memory of a created
 * container").
 */
import type { ValidSpec } from '../config/valid';
import { InvalidConfigError } from '../errors';
import { FLAGS, type ActionName } from '../config/seccomp/names';
import { normalizeSeccomp, profileToJSON, usesNotify, type NormalizedProfile, type NormalizedProfileJSON } from '../config/seccomp/normalize';
import { allowsPlainly } from '../config/seccomp/plain-allow';
import type { SeccompSummary } from '../seccomp/summary';
import type { SeccompFacts } from './plan-facts';
import type { LaunchPlan, Step } from './steps';

/**
 * The syscalls of the init's release before the wait and of the blocking
 * open that follows it (native/init/idle_memory.cc): madvise
 * (MADV_DONTNEED on its read-only segments, and in glibc's malloc_trim on
 * free heap pages), brk (malloc_trim shrinking the heap), openat (the exec
 * fifo; made with or without the release). munmap is not called by
 * malloc_trim in a single-threaded process (only a thread arena's trim
 * unmaps), and is required all the same, so that a libc that does stays
 * covered.
 */
export const IDLE_RELEASE_SYSCALLS = ['madvise', 'brk', 'munmap', 'openat'] as const;

export type SeccompPlacement = 'before-credentials' | 'before-wait-start' | 'before-exec';

/** A config's linux.seccomp, as validateConfig accepted it. */
export type SeccompProfile = NonNullable<NonNullable<ValidSpec['linux']>['seccomp']>;

/** What a seccomp compiler makes of a profile: the BPF program, and what the plan shows of it. */
export interface CompiledSeccomp {
  /** struct sock_filter[], native byte order, ready for SECCOMP_SET_MODE_FILTER. */
  program: Uint8Array;
  /** What the program does, for `kapsel plan` (compilers for tests may leave it out). */
  summary?: SeccompSummary;
}

/**
 * Compiles a validated profile into a program: libseccomp's
 * (lib/seccomp/compile.ts) for create and `kapsel plan`, a fake in tests.
 * It runs in the preparation phase, with the gathering of the host facts,
 * never inside compilePlan: the plan takes its result as an input, so
 * that the plan compiler loads no library and probes no kernel.
 * `basePath`: the JSON path of the profile, for errors.
 */
export type SeccompCompiler = (profile: SeccompProfile, options: { basePath?: string }) => CompiledSeccomp;

/** The compiled programs a plan takes as inputs (compilePlan's `programs`). */
export interface PlanPrograms {
  /**
   * linux.seccomp compiled. Absent for a config with a profile: the plan
   * is one to look at, not to run (Container.plan with made-up facts and
   * no compiler): its seccomp step has an empty program and shows the
   * normalized profile instead, placed where the filter would go.
   */
  seccomp?: CompiledSeccomp;
}

/**
 * linux.seccomp compiled: what the init installs, wherever it goes. Create
 * records it (container/create-record.ts), and an exec'd process gets this
 * very filter, never one compiled again from a config.json that may have
 * changed since (runc keeps the create-time filter too).
 */
export interface SeccompFilter {
  program: Uint8Array;
  /**
   * SECCOMP_FILTER_FLAG_* bits for seccomp(2). Never includes NEW_LISTENER:
   * the init adds it when the filter has a listener.
   */
  flags: number;
  allowsIdleRelease: boolean;
  summary?: SeccompSummary;
  /** Set instead of a program when none was compiled (PlanPrograms.seccomp). */
  profile?: NormalizedProfileJSON;
  listener?: NonNullable<LaunchPlan['seccompListener']>;
}

export interface SeccompPlan {
  step: Extract<Step, { op: 'seccomp' }>;
  placement: SeccompPlacement;
  listener?: NonNullable<LaunchPlan['seccompListener']>;
}

/**
 * The actions of the profile that the kernel lacks are refused, naming the
 * field, as runc refuses them (libseccomp's API level check there): a
 * filter would otherwise fail to load in the init, after the set-up.
 */
function checkActions(profile: SeccompProfile, normalized: NormalizedProfile, host: SeccompFacts, base: string): void {
  const lacking = (action: ActionName): boolean => !host.actions.includes(action);
  if (lacking(normalized.defaultAction)) throw new InvalidConfigError(`${base}/defaultAction`, `${normalized.defaultAction} is not supported by this kernel`);
  (profile.syscalls ?? []).forEach((rule, i) => {
    const action = rule.action as ActionName;
    if (lacking(action)) throw new InvalidConfigError(`${base}/syscalls/${i}/action`, `${action} is not supported by this kernel`);
  });
}

/**
 * SECCOMP_FILTER_FLAG_* bits of the profile's flags. A flag the kernel lacks
 * (host facts) is an error, as in runc. TSYNC is accepted and not passed on
 * (as runc does): the init is single-threaded, and the kernel refuses TSYNC
 * together with NEW_LISTENER. WAIT_KILLABLE_RECV only changes how a notify
 * listener waits; the kernel refuses it without one, so it is passed on
 * only with one.
 */
function filterFlags(profile: SeccompProfile, normalized: NormalizedProfile, host: SeccompFacts | undefined, base: string): number {
  const notify = usesNotify(normalized);
  let bits = 0;
  for (const name of normalized.flags) {
    if (host && !host.flags.includes(name)) {
      throw new InvalidConfigError(`${base}/flags/${(profile.flags ?? []).indexOf(name)}`, `${name} is not supported by this kernel`);
    }
    if (name === 'SECCOMP_FILTER_FLAG_TSYNC') continue;
    if (name === 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV' && !notify) continue;
    bits |= FLAGS[name];
  }
  return bits;
}

/**
 * The filter of a validated profile: `compiled`'s program with the flags,
 * listener and idle-release answer decided here from the profile and the
 * host's facts (`host` absent: nothing checked). Without `compiled`, a
 * filter to look at (PlanPrograms.seccomp).
 */
export function seccompFilter(profile: SeccompProfile, compiled: CompiledSeccomp | undefined, host: SeccompFacts | undefined, base = '/linux/seccomp'): SeccompFilter {
  const normalized = normalizeSeccomp(profile);
  if (host) checkActions(profile, normalized, host, base);
  const flags = filterFlags(profile, normalized, host, base);
  return {
    program: compiled?.program ?? new Uint8Array(0),
    flags,
    allowsIdleRelease: allowsPlainly(normalized, IDLE_RELEASE_SYSCALLS),
    ...(compiled?.summary && { summary: compiled.summary }),
    ...(!compiled && { profile: profileToJSON(normalized) }),
    // config-linux.md: listenerPath "is ignored" when SCMP_ACT_NOTIFY is not used.
    ...(usesNotify(normalized) && { listener: { path: profile.listenerPath!, metadata: profile.listenerMetadata } }),
  };
}

/** Where `filter` goes for a process with or without `noNewPrivileges`, as its step. `listenerFd`: helperFdLayout's. */
export function placeSeccomp(filter: SeccompFilter, noNewPrivileges: boolean, listenerFd: number): SeccompPlan {
  const listener = filter.listener;
  const placement: SeccompPlacement = !noNewPrivileges ? 'before-credentials' : listener ? 'before-wait-start' : 'before-exec';
  return {
    step: {
      op: 'seccomp',
      program: filter.program,
      flags: filter.flags,
      listenerFd: listener ? listenerFd : -1,
      allowsIdleRelease: filter.allowsIdleRelease,
      summary: filter.summary,
      ...(filter.profile && { profile: filter.profile }),
    },
    placement,
    listener,
  };
}

/**
 * The seccomp step for `spec`, or undefined without linux.seccomp.
 * `listenerFd`: helperFdLayout's; `compiled`: the profile's program
 * (PlanPrograms.seccomp); `host`: HostFacts.seccomp.
 */
export function seccompPlan(spec: ValidSpec, listenerFd: number, compiled?: CompiledSeccomp, host?: SeccompFacts): SeccompPlan | undefined {
  const profile = spec.linux?.seccomp;
  if (!profile) return undefined;
  return placeSeccomp(seccompFilter(profile, compiled, host), spec.process?.noNewPrivileges === true, listenerFd);
}

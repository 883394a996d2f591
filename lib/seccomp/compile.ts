/**
 * `linux.seccomp` -> a finished BPF program for the init helper to install
 * with seccomp(2): validate, normalize, resolve names (unknown ones skipped
 * with a debug line, as runc and crun do), compile with libseccomp, put the
 * ENOSYS prefix in front (./enosys.ts), turn the flags into
 * SECCOMP_FILTER_FLAG_* bits after checking the kernel has them.
 *
 * Compiled programs are cached by the hash of the normalized profile: a
 * Node process that creates many containers with one profile compiles it
 * once (engines put the same ~350-name profile in every config).
 */
import { InvalidConfigError, SyscallError } from '../errors';
import type { Seccomp } from '../config/types';
import type { Logger } from '../logger';
import { native } from '../native/addon';
import { BPF_INSTRUCTION_SIZE, BPF_MAX_INSTRUCTIONS } from './bpf';
import { diskCacheKey, readDiskCache, writeDiskCache, type CachedProgram } from './disk-cache';
import { withEnosysPrefix } from './enosys';
import { archToken, compileFilter, libseccompResolver, libseccompVersionString, nativeArchToken } from './library';
import { ARCHITECTURES, FLAGS, SECCOMP_FILTER_FLAG_NEW_LISTENER, type ArchitectureName, type FlagName } from './names';
import { normalizeSeccomp, profileHash, usesNotify, type NormalizedProfile } from './normalize';
import { buildRuleSet, defaultAllows, maxNamedSyscalls } from './rules';
import type { SeccompSummary } from './summary';
import { validateSeccomp } from './validate';

export type { SeccompSummary } from './summary';

/** A compiled profile: what the launch plan carries to the init helper. */
export interface SeccompProgram {
  /** struct sock_filter[], native byte order, ready for SECCOMP_SET_MODE_FILTER. */
  program: Buffer;
  /**
   * SECCOMP_FILTER_FLAG_* bits for seccomp(2). Never includes NEW_LISTENER:
   * the init adds it when `listenerPath` is set.
   */
  flags: number;
  /** Set when the profile uses SCMP_ACT_NOTIFY: where the listener fd goes. */
  listenerPath?: string;
  /** The `metadata` of the state sent to the agent. */
  listenerMetadata?: string;
  summary: SeccompSummary;
}

export interface CompileSeccompOptions {
  /** Receives one debug line per skipped syscall name. */
  logger?: Logger;
  /** JSON path of the seccomp object, for errors. */
  basePath?: string;
}

type CacheEntry = CachedProgram;

/** Enough for every profile a process realistically uses; the oldest goes first. */
const CACHE_LIMIT = 32;
const cache = new Map<string, CacheEntry>();
const stats = { hits: 0, diskHits: 0, compiles: 0 };

/** How often the cache answered and how often libseccomp compiled (tests, bench). */
export function seccompCacheStats(): { entries: number; hits: number; diskHits: number; compiles: number } {
  return { entries: cache.size, ...stats };
}

/** Empties the program cache (tests). */
export function clearSeccompCache(): void {
  cache.clear();
  stats.hits = 0;
  stats.diskHits = 0;
  stats.compiles = 0;
}

const flagSupport = new Map<number, boolean>();
function kernelHasFlag(bits: number): boolean {
  let ok = flagSupport.get(bits);
  if (ok === undefined) {
    ok = native().seccompKernelFlagSupported(bits);
    flagSupport.set(bits, ok);
  }
  return ok;
}

/** Native arch name and the tokens of the profile's arches (an arch libseccomp lacks is a config error). */
function resolveArchitectures(seccomp: Seccomp, profile: NormalizedProfile, base: string): { names: ArchitectureName[]; tokens: number[] } {
  const native = nativeArchToken();
  const names = new Set<ArchitectureName>();
  const tokens = new Set<number>([native]);
  for (const name of Object.keys(ARCHITECTURES) as ArchitectureName[]) {
    if (archToken(ARCHITECTURES[name]) === native) names.add(name);
  }
  for (const name of profile.architectures) {
    const token = archToken(ARCHITECTURES[name]);
    if (token === 0) {
      const index = (seccomp.architectures ?? []).indexOf(name);
      throw new InvalidConfigError(`${base}/architectures/${index}`, `${name} is not supported by libseccomp ${libseccompVersionString()}`);
    }
    tokens.add(token);
    names.add(name);
  }
  return { names: [...names].sort(), tokens: [...tokens] };
}

/**
 * SECCOMP_FILTER_FLAG_* bits of the profile's flags. A flag the kernel lacks
 * is an error, as in runc. TSYNC is accepted and not passed on (as runc
 * does): the init is single-threaded, and the kernel refuses TSYNC together
 * with NEW_LISTENER. WAIT_KILLABLE_RECV only changes how a notify listener
 * waits; the kernel refuses it without one, so it is passed on only with one.
 */
function filterFlags(seccomp: Seccomp, profile: NormalizedProfile, notify: boolean, base: string): number {
  let bits = 0;
  for (const name of profile.flags) {
    const index = (seccomp.flags ?? []).indexOf(name);
    const probe: Record<FlagName, number> = {
      SECCOMP_FILTER_FLAG_TSYNC: FLAGS.SECCOMP_FILTER_FLAG_TSYNC,
      SECCOMP_FILTER_FLAG_LOG: FLAGS.SECCOMP_FILTER_FLAG_LOG,
      SECCOMP_FILTER_FLAG_SPEC_ALLOW: FLAGS.SECCOMP_FILTER_FLAG_SPEC_ALLOW,
      SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: FLAGS.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV | SECCOMP_FILTER_FLAG_NEW_LISTENER,
    };
    if (!kernelHasFlag(probe[name])) throw new InvalidConfigError(`${base}/flags/${index}`, `${name} is not supported by this kernel`);
    if (name === 'SECCOMP_FILTER_FLAG_TSYNC') continue;
    if (name === 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV' && !notify) continue;
    bits |= FLAGS[name];
  }
  return bits;
}

function compileProfile(seccomp: Seccomp, profile: NormalizedProfile, hash: string, base: string): CacheEntry {
  const resolver = libseccompResolver();
  const arches = resolveArchitectures(seccomp, profile, base);
  const flags = filterFlags(seccomp, profile, usesNotify(profile), base);
  const set = buildRuleSet(profile, resolver);
  let program: Buffer;
  try {
    program = compileFilter({ defaultAction: set.defaultAction, arches: arches.tokens, rules: set.rules, optimize: set.rules.length > 32 });
  } catch (err) {
    const ruleIndex = (err as { ruleIndex?: unknown }).ruleIndex;
    if (typeof ruleIndex === 'number') {
      const source = set.sources[ruleIndex];
      const code = (err as { code?: string }).code ?? 'error';
      throw new InvalidConfigError(`${base}/syscalls/${source}`, `libseccomp refused this rule (${code})`);
    }
    throw SyscallError.from(err);
  }
  const enosys = !defaultAllows(profile.defaultAction);
  if (enosys) program = withEnosysPrefix(program, maxNamedSyscalls(profile, arches.tokens, resolver));
  const instructions = program.length / BPF_INSTRUCTION_SIZE;
  if (instructions > BPF_MAX_INSTRUCTIONS) {
    throw new InvalidConfigError(base, `the compiled program has ${instructions} instructions, more than the kernel's ${BPF_MAX_INSTRUCTIONS}`);
  }
  return {
    program,
    flags,
    summary: {
      defaultAction: profile.defaultAction,
      instructions,
      actions: set.actionCounts,
      architectures: arches.names,
      skipped: set.skipped,
      enosys,
      hash,
    },
  };
}

/**
 * Compiles `seccomp` (the config's `linux.seccomp`) into a program, from the
 * cache when this profile was compiled before in this process. Throws
 * InvalidConfigError for a bad profile (naming the field), NotSupportedError
 * when libseccomp.so.2 cannot be loaded.
 */
export function compileSeccomp(seccomp: Seccomp, options: CompileSeccompOptions = {}): SeccompProgram {
  const base = options.basePath ?? '/linux/seccomp';
  validateSeccomp(seccomp, base);
  const profile = normalizeSeccomp(seccomp);
  const hash = profileHash(profile);
  let entry = cache.get(hash);
  if (entry) {
    stats.hits++;
  } else {
    // A process that creates one container (the CLI) may find it on disk (./disk-cache.ts).
    const key = diskCacheKey(hash, libseccompVersionString);
    entry = key === undefined ? undefined : readDiskCache(key);
    if (entry) {
      stats.diskHits++;
    } else {
      entry = compileProfile(seccomp, profile, hash, base);
      stats.compiles++;
      if (key !== undefined) writeDiskCache(key, entry);
    }
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(hash, entry);
  }
  for (const name of entry.summary.skipped) options.logger?.debug?.(`seccomp: skipping syscall ${name}: unknown to libseccomp on this machine`);
  const result: SeccompProgram = {
    // A copy: callers own their buffer, the cached one stays pristine.
    program: Buffer.from(entry.program),
    flags: entry.flags,
    summary: { ...entry.summary, actions: { ...entry.summary.actions }, skipped: [...entry.summary.skipped] },
  };
  // config-linux.md: listenerPath "is ignored" when SCMP_ACT_NOTIFY is not used.
  if (usesNotify(profile)) {
    result.listenerPath = seccomp.listenerPath;
    if (seccomp.listenerMetadata !== undefined) result.listenerMetadata = seccomp.listenerMetadata;
  }
  return result;
}

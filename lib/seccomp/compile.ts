/**
 * A validated `linux.seccomp` -> a finished BPF program for the init helper
 * to install with seccomp(2): normalize, resolve names (unknown ones skipped
 * with a debug line, as runc and crun do), compile with libseccomp, put the
 * ENOSYS prefix in front (./enosys.ts).
 *
 * The default SeccompCompiler (lib/plan/seccomp.ts) of create and of
 * `kapsel plan`: it runs where they gather the host facts, before the plan
 * compiler, which takes the program as an input. The profile was validated
 * once, by validateConfig; what the kernel supports (flags, actions) is
 * a host fact the plan checks, and the listener is the plan's business.
 *
 * Compiled programs are cached by the hash of the normalized profile: a
 * Node process that creates many containers with one profile compiles it
 * once (engines put the same ~350-name profile in every config).
 */
import { InvalidConfigError, SyscallError } from '../errors';
import type { Seccomp } from '../config/types';
import type { Logger } from '../logger';
import { BPF_INSTRUCTION_SIZE, BPF_MAX_INSTRUCTIONS } from './bpf';
import { diskCacheKey, readDiskCache, writeDiskCache, type CachedProgram } from './disk-cache';
import { withEnosysPrefix } from './enosys';
import { archToken, compileFilter, libseccompResolver, libseccompVersionString, nativeArchToken } from './library';
import { ARCHITECTURES, type ArchitectureName } from '../config/seccomp/names';
import { normalizeSeccomp, profileHash, type NormalizedProfile } from '../config/seccomp/normalize';
import { buildRuleSet, defaultAllows, maxNamedSyscalls } from './rules';
import type { SeccompSummary } from './summary';
import { checkArgs, object, optional, string, logger as loggerArg } from '../args';

export type { SeccompSummary } from './summary';

/** A compiled profile: what the launch plan carries to the init helper. */
export interface SeccompProgram {
  /** struct sock_filter[], native byte order, ready for SECCOMP_SET_MODE_FILTER. */
  program: Buffer;
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

function compileProfile(seccomp: Seccomp, profile: NormalizedProfile, hash: string, base: string): CacheEntry {
  const resolver = libseccompResolver();
  const arches = resolveArchitectures(seccomp, profile, base);
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
 * Compiles `seccomp` (the config's `linux.seccomp`, as validateConfig
 * accepted it) into a program, from the cache when this profile was
 * compiled before in this process. Throws InvalidConfigError for what
 * this libseccomp refuses (naming the field), NotSupportedError when
 * libseccomp.so.2 cannot be loaded.
 */
export function compileSeccomp(seccomp: Seccomp, options: CompileSeccompOptions = {}): SeccompProgram {
  // The profile's own fields are validated with JSON paths (normalizeSeccomp).
  checkArgs([seccomp, 'seccomp', object()], [options, 'options', object({ logger: optional(loggerArg), basePath: optional(string) })]);
  const base = options.basePath ?? '/linux/seccomp';
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
  return {
    // A copy: callers own their buffer, the cached one stays pristine.
    program: Buffer.from(entry.program),
    summary: { ...entry.summary, actions: { ...entry.summary.actions }, skipped: [...entry.summary.skipped] },
  };
}

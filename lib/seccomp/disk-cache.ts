/**
 * Compiled seccomp programs kept on disk, for processes that live for one
 * container: every `kapsel create` of an engine carries the same ~350-name
 * profile, and compiling it with libseccomp costs ~20 ms of the call. The
 * in-process cache (./compile.ts) cannot help a process that compiles once.
 *
 * Off unless a process turns it on (the CLI does; a library user may):
 * an entry is as trusted as the runtime's own state, so it lives in a
 * directory only the runtime's user can write — /run/kapsel-cache for real
 * root, $XDG_RUNTIME_DIR/kapsel-cache when rootless, or $KAPSEL_CACHE_DIR
 * ("" turns it off) — and is used only when that directory and the file belong to
 * our euid and nobody else may write them (a directory someone else made
 * first just means no caching). Both are on tmpfs on a normal host, so
 * the cache is per boot.
 *
 * An entry's name is a hash of everything its bytes depend on: the
 * normalized profile, the libseccomp version (name resolution, code
 * generation), the kernel release, the machine,
 * and kapsel's own code (its version and this file's mtime). Entries are
 * written whole (a temporary file renamed into place), hold their own
 * name, are reached through an fd of the checked directory and checked
 * when read; anything wrong is a miss, never an error: the profile is
 * compiled.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ACCESSIBLE_BY_OTHERS, fdPath, openOwnedDir, ownershipProblem } from '../state/owned-dir';
import { replaceFile } from '../state/replace-file';
import { isRootless } from '../state/root';
import { BPF_INSTRUCTION_SIZE, BPF_MAX_INSTRUCTIONS } from './bpf';
import type { SeccompSummary } from './summary';

/** What a cache entry holds: the compiled program and what the plan shows of it. */
export interface CachedProgram {
  program: Buffer;
  summary: SeccompSummary;
}

/** Bumped when the entry format or what goes into a program changes (3: no flags, the plan decides them). */
const FORMAT = 3;

let directory: string | undefined;

/**
 * The default directory for this process: $KAPSEL_CACHE_DIR when set ("" is
 * off); else beside the default state root, decided the same way
 * (lib/state/root.ts): /run/kapsel-cache for real root,
 * $XDG_RUNTIME_DIR/kapsel-cache for an unprivileged user or uid 0 in a
 * user namespace (rootless podman); undefined (off) when there is none.
 */
export function defaultSeccompCacheDir(env: NodeJS.ProcessEnv = process.env, rootless: boolean = isRootless()): string | undefined {
  if (env.KAPSEL_CACHE_DIR !== undefined) return env.KAPSEL_CACHE_DIR === '' ? undefined : path.resolve(env.KAPSEL_CACHE_DIR);
  if (!rootless) return '/run/kapsel-cache';
  return env.XDG_RUNTIME_DIR ? path.join(env.XDG_RUNTIME_DIR, 'kapsel-cache') : undefined;
}

/** Turns the disk cache on in `dir` (its `seccomp` subdirectory), or off with undefined. */
export function useSeccompDiskCache(dir: string | undefined): void {
  directory = dir === undefined ? undefined : path.join(dir, 'seccomp');
}

/** The entry name for a profile hash, or undefined when the cache is off. `libseccompVersion` is called only then. */
export function diskCacheKey(profileHash: string, libseccompVersion: () => string): string | undefined {
  if (directory === undefined) return undefined;
  // The code that compiled: our version and this module's file (a rebuild changes its mtime).
  let code = '';
  try {
    code = String(fs.statSync(__filename).mtimeMs);
  } catch {
    return undefined;
  }
  const parts = [FORMAT, profileHash, libseccompVersion(), os.release(), process.arch, code];
  return createHash('sha256').update(parts.join('\0')).digest('hex');
}

function isSummary(x: unknown): x is SeccompSummary {
  const s = x as Partial<SeccompSummary> | null;
  return (
    typeof s === 'object' && s !== null && typeof s.defaultAction === 'string' && typeof s.instructions === 'number' &&
    typeof s.actions === 'object' && Array.isArray(s.architectures) && Array.isArray(s.skipped) && typeof s.enosys === 'boolean' &&
    typeof s.hash === 'string'
  );
}

/**
 * Runs `use` with the path of the cache directory as an fd of it, when the
 * directory is ours alone (not even readable by others; checked on that
 * fd as the state root is, lib/state/owned-dir.ts), else throws. Every
 * entry is reached through /proc/self/fd/N: the directory checked is the
 * one used, even when its parent is another user's (a KAPSEL_CACHE_DIR
 * below /tmp) and `seccomp` is swapped for a symlink to a directory of
 * theirs between a check by path and the use.
 */
function inOwnDirectory<T>(use: (dir: string) => T): T | undefined {
  if (directory === undefined) return undefined;
  const fd = openOwnedDir(directory, 'seccomp cache directory', ACCESSIBLE_BY_OTHERS);
  try {
    return use(fdPath(fd));
  } finally {
    fs.closeSync(fd);
  }
}

/** The entry `key`, or undefined (a miss) when there is none or anything about it is wrong. */
export function readDiskCache(key: string): CachedProgram | undefined {
  try {
    return inOwnDirectory((dir) => readEntry(dir, key));
  } catch {
    return undefined;
  }
}

function readEntry(dir: string, key: string): CachedProgram | undefined {
  const fd = fs.openSync(path.join(dir, key), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || ownershipProblem(st) !== undefined || st.size > 4 * 1024 * 1024) return undefined;
    const entry = JSON.parse(fs.readFileSync(fd, 'utf8')) as { key?: unknown; program?: unknown; summary?: unknown };
    // An entry names its key: one found under another name (moved there) is not this profile's program.
    if (entry.key !== key) return undefined;
    if (typeof entry.program !== 'string' || !isSummary(entry.summary)) return undefined;
    const program = Buffer.from(entry.program, 'base64');
    const instructions = program.length / BPF_INSTRUCTION_SIZE;
    if (!Number.isInteger(instructions) || instructions === 0 || instructions > BPF_MAX_INSTRUCTIONS || instructions !== entry.summary.instructions) {
      return undefined;
    }
    return { program, summary: entry.summary };
  } finally {
    fs.closeSync(fd);
  }
}

/** Stores `entry` as `key`; best effort (a failure only means the next process compiles again). */
export function writeDiskCache(key: string, entry: CachedProgram): void {
  if (directory === undefined) return;
  try {
    fs.mkdirSync(directory, { recursive: true, mode: 0o700 });
    inOwnDirectory((dir) => {
      const body = JSON.stringify({ key, program: entry.program.toString('base64'), summary: entry.summary });
      replaceFile(path.join(dir, key), body, 0o600);
    });
  } catch {
    // no directory of our own: no caching
  }
}

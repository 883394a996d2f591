/**
 * Directories whose contents kapsel trusts as its own: the state root (a
 * state.json there names the hooks that delete runs) and the seccomp disk
 * cache (its programs are loaded into containers). Whoever can write such
 * a directory can make kapsel run code as its user, so trust comes from
 * the directory itself, checked on an fd of it (as ssh checks ~/.ssh):
 * owned by our euid and writable by nobody else (a POSIX ACL granting
 * others write shows as the group write bit, its mask). Then only we, or
 * root, can have put anything in it.
 *
 * The last component is opened O_NOFOLLOW: a symlink there (planted by
 * whoever can write the parent, /tmp for one) is refused, not followed.
 * Parents are not checked: whatever a parent or a symlink on the way
 * leads to, it ends in a directory that is ours alone. The caller then
 * reaches everything below through the fd (/proc/self/fd/N, fdPath), so
 * the directory checked is the one used even when another user, who can
 * write a parent, renames it away and puts their own in its place after
 * the check.
 */
import * as fs from 'node:fs';
import { UntrustedPathError } from '../errors';

/** Group and other write: nobody but the owner may change the directory. */
export const WRITABLE_BY_OTHERS = 0o022;
/** Group and other anything: nobody but the owner may even read it. */
export const ACCESSIBLE_BY_OTHERS = 0o077;

/** Why `st` is not ours alone (owned by our euid, none of `forbiddenBits` set), or undefined when it is. */
export function ownershipProblem(st: Pick<fs.Stats, 'uid' | 'mode'>, forbiddenBits: number = WRITABLE_BY_OTHERS): string | undefined {
  const euid = process.geteuid!();
  if (st.uid !== euid) return `it is owned by uid ${st.uid}, not by uid ${euid} (the user running kapsel)`;
  const bad = st.mode & forbiddenBits;
  if (bad === 0) return undefined;
  const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
  const writers = [bad & 0o020 ? 'its group' : '', bad & 0o002 ? 'others' : ''].filter(Boolean);
  if (writers.length > 0) return `it is writable by ${writers.join(' and ')} (mode ${mode})`;
  return `it is accessible by its group or others (mode ${mode})`;
}

/** The path through which an fd's file is reached: the kernel resolves it to that very file, whatever its path names now. */
export function fdPath(fd: number): string {
  return `/proc/self/fd/${fd}`;
}

/**
 * Opens `dir` (O_DIRECTORY, O_NOFOLLOW) and checks that it is ours alone;
 * returns the fd (close-on-exec, as every fd Node opens). Throws
 * UntrustedPathError naming `what` ("state root"), the path and what is
 * wrong, or the open's own error (ENOENT, EACCES, ...).
 */
export function openOwnedDir(dir: string, what: string, forbiddenBits: number = WRITABLE_BY_OTHERS): number {
  let fd: number;
  try {
    fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP' || isSymlink(dir)) {
      throw new UntrustedPathError(dir, 'it is a symbolic link (whoever made it chooses where it leads)', what);
    }
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') throw new UntrustedPathError(dir, 'it is not a directory', what);
    throw err;
  }
  try {
    const problem = ownershipProblem(fs.fstatSync(fd), forbiddenBits);
    if (problem) throw new UntrustedPathError(dir, problem, what);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  return fd;
}

function isSymlink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

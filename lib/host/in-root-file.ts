/**
 * Reads a file of the container image the way every other rootfs path is
 * resolved: openat2(RESOLVE_IN_ROOT) from an fd of the rootfs, so ".." and
 * symlinks — absolute ones included — stay inside the image. Reading
 * `<rootfs>/etc/passwd` through the host's path resolution would follow an
 * image's `/etc/passwd -> /etc/shadow` to the host's file (the class of
 * CVE-2019-16884 / CVE-2021-30465: a path in the image naming a host file).
 *
 * The image is not trusted to hold a readable file there either: exec
 * reads the passwd of a running container, whose processes may have put
 * anything at that path (issue 16). The last component is opened O_PATH |
 * O_NOFOLLOW, which opens nothing (no device driver's open, no FIFO wait,
 * no symlink followed, so a symlink loop is no ELOOP), and only a regular
 * file is then opened for reading, through that very inode. Whatever else
 * is there, or whatever the image's paths do to the lookup (a loop of
 * symlinks, a rename race), is "no such file": HOME falls back to "/",
 * as runc's does without a passwd entry, and the exec goes on.
 */
import * as fs from 'node:fs';
import { native } from '../native/addon';

// <linux/openat2.h>
const RESOLVE_NO_MAGICLINKS = 0x02;
const RESOLVE_IN_ROOT = 0x10;
const O_PATH = 0o10000000;

/** More than any passwd file; the reader stops there rather than trust the image's size. */
const DEFAULT_MAX_BYTES = 4 << 20;

/**
 * Failures an image can cause in the lookup: a missing path, a symlink
 * loop or chain too long on the way (ELOOP), a name too long, a
 * directory it may not search, and EAGAIN, which openat2 returns under
 * RESOLVE_IN_ROOT when a rename raced the lookup (a container can keep
 * renaming; a few tries, then the file counts as absent).
 */
const IMAGE_FAILURES = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG', 'EACCES', 'EAGAIN', 'EXDEV']);
const EAGAIN_TRIES = 4;

function imageFailure(err: unknown): boolean {
  return IMAGE_FAILURES.has((err as NodeJS.ErrnoException).code ?? '');
}

/** An O_PATH fd of `file` below `root` (the last component not followed), or undefined. */
function openPathInRoot(root: number, file: string): number | undefined {
  const name = file.replace(/^\/+/, '') || '.';
  for (let attempt = 1; ; attempt++) {
    try {
      return native().openat2(root, name, O_PATH | fs.constants.O_NOFOLLOW, 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN' && attempt < EAGAIN_TRIES) continue;
      if (imageFailure(err)) return undefined;
      throw err;
    }
  }
}

/**
 * A read fd of the regular file `pathFd` is, or undefined for anything
 * else. The reopen goes through /proc/self/fd: it opens the inode the
 * O_PATH fd holds, not a path the image could change in between, and
 * is checked to be that inode. (O_NOFOLLOW cannot be added there: the fd
 * link is itself a symlink, O_NOFOLLOW would refuse it with ELOOP.)
 */
function reopenRegular(pathFd: number): number | undefined {
  const held = fs.fstatSync(pathFd);
  if (!held.isFile()) return undefined;
  const fd = fs.openSync(`/proc/self/fd/${pathFd}`, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  const opened = fs.fstatSync(fd);
  if (!opened.isFile() || opened.dev !== held.dev || opened.ino !== held.ino) {
    fs.closeSync(fd);
    return undefined;
  }
  return fd;
}

function readAtMost(fd: number, maxBytes: number): string {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < maxBytes) {
    const chunk = Buffer.alloc(Math.min(64 << 10, maxBytes - length));
    const n = fs.readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    chunks.push(chunk.subarray(0, n));
    length += n;
  }
  return Buffer.concat(chunks, length).toString('utf8');
}

/**
 * The contents of `file` (a path inside the image, e.g. "/etc/passwd") of
 * the rootfs at host path `rootfs`, or undefined when the rootfs or the
 * file does not exist, the file is not a regular file (a symlink, FIFO,
 * device or socket is never opened), or the image's paths make the lookup
 * fail (IMAGE_FAILURES). Reads at most `maxBytes`.
 *
 * @throws the native error (code, syscall, path) for any other failure.
 */
export function readFileInRoot(rootfs: string, file: string, maxBytes = DEFAULT_MAX_BYTES): string | undefined {
  let root: number;
  try {
    root = fs.openSync(rootfs, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch (err) {
    if (imageFailure(err)) return undefined;
    throw err;
  }
  try {
    const pathFd = openPathInRoot(root, file);
    if (pathFd === undefined) return undefined;
    let fd: number | undefined;
    try {
      fd = reopenRegular(pathFd);
      return fd === undefined ? undefined : readAtMost(fd, maxBytes);
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
      fs.closeSync(pathFd);
    }
  } finally {
    fs.closeSync(root);
  }
}

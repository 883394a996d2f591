/**
 * Reads a file of the container image the way every other rootfs path is
 * resolved: openat2(RESOLVE_IN_ROOT) from an fd of the rootfs, so ".." and
 * symlinks — absolute ones included — stay inside the image. Reading
 * `<rootfs>/etc/passwd` through the host's path resolution would follow an
 * image's `/etc/passwd -> /etc/shadow` to the host's file (the class of
 * CVE-2019-16884 / CVE-2021-30465: a path in the image naming a host file).
 */
import * as fs from 'node:fs';
import { native } from '../native/addon';

// <linux/openat2.h>
const RESOLVE_NO_MAGICLINKS = 0x02;
const RESOLVE_IN_ROOT = 0x10;

/** More than any passwd file; the reader stops there rather than trust the image's size. */
const DEFAULT_MAX_BYTES = 4 << 20;

const ABSENT = new Set(['ENOENT', 'ENOTDIR']);

/**
 * The contents of `file` (a path inside the image, e.g. "/etc/passwd") of
 * the rootfs at host path `rootfs`, or undefined when the rootfs or the file
 * does not exist or the file is not a regular file (a FIFO must not block
 * the runtime). Reads at most `maxBytes`.
 *
 * @throws the native error (code, syscall, path) for any other failure.
 */
export function readFileInRoot(rootfs: string, file: string, maxBytes = DEFAULT_MAX_BYTES): string | undefined {
  let root: number;
  try {
    root = fs.openSync(rootfs, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch (err) {
    if (ABSENT.has((err as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw err;
  }
  try {
    let fd: number;
    try {
      const flags = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY;
      fd = native().openat2(root, file.replace(/^\/+/, '') || '.', flags, 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    } catch (err) {
      if (ABSENT.has((err as NodeJS.ErrnoException).code ?? '')) return undefined;
      throw err;
    }
    try {
      if (!fs.fstatSync(fd).isFile()) return undefined;
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
    } finally {
      fs.closeSync(fd);
    }
  } finally {
    fs.closeSync(root);
  }
}

/**
 * Writes a file by replacing it: the content goes into a new file, created
 * O_CREAT|O_EXCL|O_NOFOLLOW under an unpredictable name beside the target,
 * which is then renamed over the target. For every file kapsel writes
 * where it cannot be sure nobody else writes (a --pid-file's directory,
 * /tmp for one; its own state directories too, at no cost):
 * - the file written is a fresh one of ours: O_EXCL fails on anything
 *   already at the name, a symlink included (runc creates its pid file's
 *   temporary the same way), so a link planted there cannot steer the
 *   write into someone else's file (a root-owned 0600 file received the
 *   pid through `writeFileSync` on a predictable name);
 * - nobody can take the name first to make the write fail: it holds 64
 *   random bits;
 * - rename replaces whatever is at the target, a symlink included, and
 *   never writes through it;
 * - readers see the old file or the whole new one, never half of it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const CREATE_FRESH = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

/**
 * 64 random bits in hex, from /dev/urandom: node:crypto would do, but it is
 * ~20 modules outside Node's start-up snapshot, loaded in every CLI call
 * that writes state (a few ms of each `create`). crypto only where there
 * is no /dev/urandom.
 */
function randomName(): string {
  const bytes = Buffer.alloc(8);
  let fd: number | undefined;
  try {
    fd = fs.openSync('/dev/urandom', 'r');
    if (fs.readSync(fd, bytes, 0, bytes.length, null) === bytes.length) return bytes.toString('hex');
  } catch {
    // Below.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  return (require('node:crypto') as typeof import('node:crypto')).randomBytes(8).toString('hex');
}

/** Replaces `target` (absolute) by a new file of `mode` (the umask applies) holding `content`. */
export function replaceFile(target: string, content: string | Buffer, mode: number): void {
  const tmp = path.join(path.dirname(target), `.${path.basename(target).slice(0, 200)}.${randomName()}.tmp`);
  // Close-on-exec, as every fd Node opens: a hook spawned meanwhile never holds it.
  const fd = fs.openSync(tmp, CREATE_FRESH, mode);
  try {
    try {
      fs.writeFileSync(fd, content);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, target);
  } catch (err) {
    // Ours (O_EXCL made it); in a directory others can write, a name they
    // cannot guess, so this removes nothing of theirs.
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

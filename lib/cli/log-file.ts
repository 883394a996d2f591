/**
 * Appending to a --log file that may sit where others can write (/tmp).
 * runc opens it O_CREATE|O_APPEND and follows whatever is there; kapsel
 * keeps what engines rely on (the file is created when missing, and an
 * existing log is appended to, never truncated: containerd and podman
 * read it after each call) and refuses what only another user's plant
 * would be:
 * - a symlink at the path (O_NOFOLLOW): it would send the lines, as root,
 *   into any file it names. The log goes to stderr without --log, so
 *   `--log /dev/stderr` is never needed;
 * - a regular file owned by another user (who made it first, or whose it
 *   is) or with more than one link (a hard link to someone's file, where
 *   fs.protected_hardlinks is off): ours alone is appended to;
 * - anything but a regular file or a character device (/dev/null is one):
 *   a fifo (opened O_NONBLOCK, so it cannot stall the call either), a
 *   socket, a directory.
 * The checks are made on the opened fd: what is checked is what is written.
 */
import * as fs from 'node:fs';
import { UntrustedPathError } from '../errors';

const APPEND = fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

/** Why the opened log file `st` must not be written, or undefined. */
function logFileProblem(st: fs.Stats): string | undefined {
  if (st.nlink > 1) return `it has ${st.nlink} links (a hard link to another file)`;
  if (st.isCharacterDevice()) return undefined;
  if (!st.isFile()) return 'it is not a regular file';
  const euid = process.geteuid!();
  if (st.uid !== euid) return `it is owned by uid ${st.uid}, not by uid ${euid} (the user running kapsel)`;
  return undefined;
}

/** Appends `text` to the log file `file` (made 0644 when missing), in one write (O_APPEND: several kapsel processes may share the file). */
export function appendToLogFile(file: string, text: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, APPEND, 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') {
      throw new UntrustedPathError(file, 'it is a symbolic link (leave out --log to log to stderr)', 'log file');
    }
    throw err;
  }
  try {
    const problem = logFileProblem(fs.fstatSync(fd));
    if (problem) throw new UntrustedPathError(file, problem, 'log file');
    if (text !== '') fs.writeSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
}

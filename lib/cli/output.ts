/**
 * Synchronous writes to the CLI's stdout and stderr.
 *
 * The CLI never touches process.stdout/process.stderr: for a pipe, Node
 * switches the file description to O_NONBLOCK, and fds 0-2 are shared with
 * the container (`create` hands them over), whose writes would then fail
 * with EAGAIN. Plain write(2) on the fd leaves the description alone, and
 * being synchronous nothing is lost when the CLI exits right after.
 */
import * as fs from 'node:fs';

/** A text sink: stdout, stderr, or a buffer in tests. */
export type Write = (text: string) => void;

/** Waits a little without spinning (fd opened non-blocking by someone else). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Writes all of `text` to `fd`. A closed reader (EPIPE: `kapsel list |
 * head -1`) ends the output quietly, as it does for runc.
 */
export function writeAll(fd: number, text: string): void {
  let buffer = Buffer.from(text, 'utf8');
  while (buffer.length > 0) {
    try {
      const n = fs.writeSync(fd, buffer);
      buffer = buffer.subarray(n);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        pause(1);
        continue;
      }
      if (code === 'EPIPE' || code === 'EBADF') return;
      throw err;
    }
  }
}

/** The process's standard output. */
export const stdout: Write = (text) => writeAll(1, text);

/** The process's standard error. */
export const stderr: Write = (text) => writeAll(2, text);

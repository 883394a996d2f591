/**
 * The pty master of a terminal container as a Duplex (c.terminal): what
 * the container writes to its terminal is read, what is written goes to
 * its input, and resize() sets the window size it sees (TIOCSWINSZ, so
 * the container gets SIGWINCH). It ends when every fd of the container's
 * side is closed (the master then reads EIO).
 *
 * The master stays a blocking fd read through libuv's thread pool, as
 * `kapsel run` relays it (cli/terminal.ts): libuv's tty handle cannot
 * open a pty master for both directions, and net.Socket refuses ttys.
 */
import * as fs from 'node:fs';
import { Duplex } from 'node:stream';
import { InvalidArgumentError, KapselError } from '../errors';
import { processCalls } from './syscalls';

/**
 * A terminal container's (or exec'd process's) pty master as a Duplex:
 * read what the container writes to its terminal, write its input,
 * resize() its window. It ends when the container's side is closed.
 */
export class TerminalStream extends Duplex {
  private fd: number;
  private reading = false;
  private closeWhenRead = false;

  /** @param master the pty master fd; the stream owns it and closes it */
  constructor(master: number) {
    // The output's end (EIO) is the terminal's: the input side ends with it, and the master is closed.
    super({ allowHalfOpen: false });
    this.fd = master;
  }

  /** Sets the terminal's window size (columns x rows), as a terminal emulator does on resize. */
  resize(columns: number, rows: number): void {
    for (const [name, v] of [['columns', columns], ['rows', rows]] as const) {
      if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new InvalidArgumentError(`terminal.resize: ${name} must be an integer from 0 to 65535`);
    }
    if (this.fd < 0) throw new InvalidArgumentError('terminal.resize: the terminal is closed');
    processCalls.setWindowSize(this.fd, rows, columns);
  }

  /** The Readable side's implementation (stream internals, not to be called): reads the master. */
  override _read(size: number): void {
    if (this.fd < 0 || this.reading) return;
    this.reading = true;
    const buffer = Buffer.allocUnsafe(Math.max(size, 4096));
    fs.read(this.fd, buffer, 0, buffer.length, null, (err, n) => {
      this.reading = false;
      if (this.closeWhenRead) return this.closeFd();
      // EIO: the container's side is closed, the terminal's output is over.
      if ((err && (err as NodeJS.ErrnoException).code === 'EIO') || (!err && n === 0)) return void this.push(null);
      if (err) return void this.destroy(err);
      this.push(buffer.subarray(0, n));
    });
  }

  /** The Writable side's implementation (stream internals, not to be called): writes to the master. */
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const writeFrom = (offset: number): void => {
      if (this.fd < 0) return callback(new KapselError('ERR_INVALID_STATE', 'the terminal is closed'));
      fs.write(this.fd, chunk, offset, chunk.length - offset, null, (err, n) => {
        if (err) return callback(err);
        if (offset + n < chunk.length) writeFrom(offset + n);
        else callback();
      });
    };
    writeFrom(0);
  }

  /** Destroying the stream closes the master (stream internals, not to be called). */
  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    // A read in flight still uses the fd: it is closed when the read returns, never reused under it.
    if (this.reading) this.closeWhenRead = true;
    else this.closeFd();
    callback(err);
  }

  private closeFd(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    fs.closeSync(fd);
  }
}

/**
 * The receiving end of a console socket that this process makes itself:
 * create and exec of a terminal config without a consoleSocket (the
 * library's `c.terminal`), and the CLI's `kapsel run`, get the pty master
 * from the container's init through it.
 */
import * as fs from 'node:fs';
import { processCalls } from './syscalls';

/** One end of the socket pair that the container's init sends the master on. */
export class ConsoleReceiver {
  private readonly ours: number;
  /** Give this fd to Container.create as `consoleSocket`; close it after. */
  readonly theirs: number;

  constructor() {
    [this.ours, this.theirs] = processCalls.streamPair();
  }

  /** The pty master (create has sent it by the time it resolved). */
  receive(): number {
    try {
      return processCalls.receiveFd(this.ours);
    } finally {
      this.close();
    }
  }

  private closed = false;

  /** Closes both ends, once: a second call must not close fds that took their numbers since. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fd of [this.ours, this.theirs]) {
      try {
        fs.closeSync(fd);
      } catch {
        // closed already
      }
    }
  }
}

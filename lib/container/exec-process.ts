/**
 * ExecProcess: the library's handle on a process exec'd in a container
 * (Container#exec). The process is a child of this process; the handle
 * holds its pidfd, so waiting and signalling cannot reach another process
 * that got its pid. Emits 'exit' with the ExitStatus once it has exited
 * (listening for 'exit' starts waiting, as wait() does).
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import { KapselError } from '../errors';
import type { WaitResult } from '../native/addon';
import { processCalls } from './syscalls';
import { parseSignal } from '../signals';
import { pidfdReleaser, reapThroughPidfd } from './fds';

export class ExecProcess extends EventEmitter {
  /** Host pid of the process. */
  readonly pid: number;
  private pidfd: number;
  private exit?: Promise<WaitResult>;

  constructor(pid: number, pidfd: number) {
    super();
    this.pid = pid;
    this.pidfd = pidfd;
    pidfdReleaser.register(this, pidfd, this);
    this.on('newListener', (event: string) => {
      if (event === 'exit') void this.wait().catch(() => undefined);
    });
  }

  /** Resolves with the exit code, or the signal that killed it, once the process has exited (it is reaped). */
  wait(): Promise<WaitResult> {
    if (!this.exit) {
      if (this.pidfd < 0) return Promise.reject(new KapselError('ERR_INVALID_STATE', `exec'd process ${this.pid} was detached: it cannot be waited for`));
      const pidfd = this.pidfd;
      this.exit = reapThroughPidfd(this, pidfd).finally(() => {
        this.pidfd = -1;
      });
      this.exit.then((status) => this.emit('exit', status)).catch(() => undefined);
    }
    return this.exit;
  }

  /** Sends a signal (a name like "TERM"/"SIGTERM" or a number) to the process. */
  kill(signal: string | number = 'SIGTERM'): void {
    if (this.pidfd < 0) throw new KapselError('ERR_INVALID_STATE', `exec'd process ${this.pid} has exited or was detached`);
    processCalls.pidfdSendSignal(this.pidfd, parseSignal(signal));
  }

  /** Lets the process go on without this handle (it stays a child: the caller's subreaper or wait reaps it). */
  detach(): void {
    if (this.pidfd >= 0 && !this.exit) {
      pidfdReleaser.unregister(this);
      fs.closeSync(this.pidfd);
      this.pidfd = -1;
    }
  }
}

/**
 * The runtime's side of the conversation with the init helper over the
 * SOCK_SEQPACKET socketpair: typed messages (lib/plan/protocol.ts), and the
 * errors that the init's failure messages become.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { describeErrno, HookFailedError, KapselError, SyscallError } from '../errors';
import { decodeMessage, encodeMessage, type InitMessage } from '../plan/protocol';
import { encodeRecord, flattenFields } from '../plan/record';
import { initFailureWords } from './init-failure';
import { nativeSyscalls, processCalls } from './syscalls';

/**
 * A message larger than this goes in a memfd rather than in one datagram:
 * a SOCK_SEQPACKET datagram must fit the socket's send buffer (about
 * 200 KiB by default), and the "go" message carries the state JSON twice,
 * annotations included (a 300 KiB annotation set is real).
 */
export const DATAGRAM_LIMIT = 64 * 1024;
/** The largest message the init accepts (native/init/protocol.h kMaxMessageBytes). */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** The datagram that says "the record is in the attached memfd" (protocol.h, message "memfd"). */
const SPILLED = encodeRecord(flattenFields(['memfd']));

const ERRNO_NAMES = new Map<number, string>(
  Object.entries(os.constants.errno).map(([name, value]) => [value as number, name]),
);

const SIGNAL_NAMES = new Map<number, string>(
  Object.entries(os.constants.signals).map(([name, value]) => [value as number, name]),
);

export type InitFailure = Extract<InitMessage, { type: 'error' | 'hook-failed' }>;

/** The words of a hook failure, the same as for hooks run by the runtime (lib/hooks/run.ts). */
export function hookFailureReason(m: Extract<InitMessage, { type: 'hook-failed' }>): string {
  const output = m.output.trim();
  const tail = output ? `: ${output}` : '';
  switch (m.reason) {
    case 'timeout': return `timed out after ${m.timeoutSeconds}s${tail}`;
    case 'signal': return `killed by ${SIGNAL_NAMES.get(m.signal) ?? `signal ${m.signal}`}${tail}`;
    case 'exit': return `exit status ${m.exitStatus}${tail}`;
  }
}

/**
 * The init's own words for a failure, completed so that every message
 * names the syscall, the path and the errno ("prctl PR_CAP_AMBIENT_RAISE
 * 13: operation not permitted (EPERM)", not "PR_CAP_AMBIENT_RAISE 13").
 * Messages that already say it (exec's runc-worded "executable file not
 * found", the plan decoder's) are left as they are. `message` is the
 * worded reason (init-failure.ts).
 */
function explainedMessage(syscall: string, message: string, failedPath: string, errnoName: string): string {
  if (syscall === 'exec' || syscall === 'plan') return `${message}${failedPath && !message.includes(failedPath) ? ` (${failedPath})` : ''}`;
  const what = message.startsWith(syscall) ? message : `${syscall} ${message}`;
  const where = failedPath && !message.includes(failedPath) ? ` (${failedPath})` : '';
  const text = describeErrno(errnoName);
  if (message.includes(text) || message.includes(errnoName)) return `${what}${where}`;
  return `${what}${where}: ${text}${text.includes(errnoName) ? '' : ` (${errnoName})`}`;
}

/** Turns a failure message of the init helper into the error create/start throws. */
export function failureToError(m: InitFailure): Error {
  if (m.type === 'hook-failed') {
    return new HookFailedError(m.kind, { path: m.path }, hookFailureReason(m), {
      exitCode: m.reason === 'exit' ? m.exitStatus : null,
      signal: m.reason === 'signal' ? ((SIGNAL_NAMES.get(m.signal) ?? null) as NodeJS.Signals | null) : m.reason === 'timeout' ? 'SIGKILL' : null,
      timedOut: m.reason === 'timeout',
      stderr: m.output.trim(),
    });
  }
  const { errno, path: failedPath, step, op } = m;
  const errnoName = ERRNO_NAMES.get(errno) ?? (errno ? `E${errno}` : 'EINVAL');
  const message = initFailureWords(m, errnoName);
  return new SyscallError({
    errnoName,
    errno,
    syscall: m.syscall,
    path: failedPath || undefined,
    step: { index: step, op },
    message: message ? `${explainedMessage(m.syscall, message, failedPath, errnoName)} (plan step ${step}: ${op})` : undefined,
  });
}

export function isFailure(m: InitMessage): m is InitFailure {
  return m.type === 'error' || m.type === 'hook-failed';
}

/**
 * One receive buffer for every channel of the process: a datagram is read
 * into it and copied out synchronously, so no two reads ever share it. (A
 * megabyte zeroed per container was a good part of a create's garbage.)
 */
let receiveBuffer: Buffer | undefined;

export class InitChannel {
  private waiting?: Promise<number>;
  private closeWhenDone = false;
  private closed = false;
  constructor(private readonly fd: number) {}

  send(message: InitMessage): void {
    const bytes = encodeMessage(message);
    if (bytes.length <= DATAGRAM_LIMIT) {
      fs.writeSync(this.fd, bytes);
      return;
    }
    if (bytes.length > MAX_MESSAGE_BYTES) {
      throw new KapselError(
        'ERR_INVALID_ARGUMENT',
        `the "${message.type}" message to the container init is ${bytes.length} bytes, over the limit of ${MAX_MESSAGE_BYTES} bytes (64 MiB): are the annotations that large?`,
      );
    }
    const memfd = nativeSyscalls.memfdWith(`kapsel-${message.type}`, bytes);
    try {
      // The record bytes are all below 0x80: latin1 keeps them as they are.
      processCalls.sendFd(this.fd, memfd, SPILLED.toString('latin1'));
    } finally {
      fs.closeSync(memfd);
    }
  }

  /**
   * The next message, or undefined when the helper closed its end (exited).
   * The wait is a uv_poll on the event loop, not a read on libuv's thread
   * pool: an init may take long (hooks), and many creates wait at once.
   */
  async receive(): Promise<InitMessage | undefined> {
    this.waiting = processCalls.waitReadable(this.fd);
    try {
      await this.waiting;
    } finally {
      this.waiting = undefined;
      if (this.closeWhenDone) this.close();
    }
    if (this.closed) return undefined;
    let n: number;
    try {
      // Readable: one datagram (or the end) is there, this does not block.
      receiveBuffer ??= Buffer.alloc(1 << 20);
      n = fs.readSync(this.fd, receiveBuffer, 0, receiveBuffer.length, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ECONNRESET') return undefined;
      throw err;
    }
    return n === 0 ? undefined : decodeMessage(Buffer.from(receiveBuffer.subarray(0, n)));
  }

  /** Closes the runtime's end; during a receive, once that wait is over (the poll still watches the fd). */
  close(): void {
    if (this.closed) return;
    if (this.waiting) {
      this.closeWhenDone = true;
      return;
    }
    this.closed = true;
    fs.closeSync(this.fd);
  }
}

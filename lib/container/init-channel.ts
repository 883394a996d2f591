/**
 * The runtime's side of the conversation with the init helper over the
 * SOCK_SEQPACKET socketpair (protocol in native/init/parent_channel.h), and
 * the decoding of the helper's failure records (native/init/fail.h).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { HookFailedError, SyscallError } from '../errors';

const ERRNO_NAMES = new Map<number, string>(
  Object.entries(os.constants.errno).map(([name, value]) => [value as number, name]),
);

/** Turns a helper failure record ("error", index, op, syscall, errno, path, message) into an error. */
export function failureToError(fields: string[]): Error {
  const [, index, op, syscall, errnoText, failedPath, message] = fields;
  const errno = Number(errnoText) || 0;
  if (syscall === 'hook') {
    const kind = message.split(' ')[0] || 'hook';
    const reason = message.replace(/^.*? failed: /, '');
    return new HookFailedError(kind, failedPath, reason);
  }
  return new SyscallError({
    errnoName: ERRNO_NAMES.get(errno) ?? (errno ? `E${errno}` : 'EINVAL'),
    errno,
    syscall,
    path: failedPath || undefined,
    step: { index: Number(index), op },
    message: message ? `${message}${failedPath && !message.includes(failedPath) ? ` (${failedPath})` : ''} (plan step ${index}: ${op})` : undefined,
  });
}

export class InitChannel {
  private readonly buffer = Buffer.alloc(1 << 20);
  constructor(private readonly fd: number) {}

  send(fields: string[]): void {
    fs.writeSync(this.fd, Buffer.from(fields.join('\0')));
  }

  /** The next message, or undefined when the helper closed its end (exited). */
  receive(): Promise<string[] | undefined> {
    return new Promise((resolve, reject) => {
      fs.read(this.fd, this.buffer, 0, this.buffer.length, null, (err, n) => {
        if (err) {
          if ((err as NodeJS.ErrnoException).code === 'ECONNRESET') resolve(undefined);
          else reject(err);
        } else if (n === 0) {
          resolve(undefined);
        } else {
          resolve(this.buffer.subarray(0, n).toString('utf8').split('\0'));
        }
      });
    });
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

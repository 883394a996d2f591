/**
 * A container's (or exec'd process's) stdio as child_process.spawn takes
 * it: each of fds 0, 1, 2 is 'pipe', 'inherit', 'ignore', an fd of this
 * process, or a stream that has one (net.Socket, an opened fs stream); a
 * bare 'pipe' / 'inherit' / 'ignore' stands for all three.
 *
 * Everything is checked before anything is opened or created: a wrong
 * value is an InvalidArgumentError (ArgumentTypeError, ArgumentValueError,
 * ArgumentRangeError: lib/errors.ts) naming `options.stdio[N]`, never a crash of
 * the addon (which gets plain fds only) and never a half-made container.
 *
 * 'pipe' is a socketpair(AF_UNIX, SOCK_STREAM), as libuv makes for
 * child_process: the container's end is a blocking fd, ours a net.Socket
 * (non-blocking, back-pressure through the stream), and our end reads EOF
 * once every copy of the container's end is closed.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import type { Readable, Stream, Writable } from 'node:stream';
import { ArgumentRangeError, ArgumentTypeError, ArgumentValueError } from '../errors';
import { isOpenFd } from './fds';
import { processCalls } from './syscalls';
import { checkArgs, type Guard } from '../args';

/** An object with an fd: a net.Socket (its handle's fd), an opened fs.ReadStream / fs.WriteStream. */
export interface StreamWithFd {
  /** The open fd the container gets (a dup of it); null or missing is refused. */
  readonly fd?: number | null;
}

/** A Stream must have an fd (checked at run time): a net.Socket, an fs stream after 'open'. */
export type StdioValue = 'pipe' | 'inherit' | 'ignore' | number | Stream | StreamWithFd;
/**
 * The `stdio` option of create and exec, as child_process.spawn takes it:
 * one value for all three of fds 0-2, or one per fd
 * ({@link StdioValue}). Default 'inherit'.
 */
export type StdioOption = 'pipe' | 'inherit' | 'ignore' | readonly [StdioValue, StdioValue, StdioValue] | readonly StdioValue[];

/** The streams of the 'pipe' ones (null for the others), as ChildProcess has them. */
export interface PipedStdio {
  /** Our end of the container's fd 0 with 'pipe'. */
  stdin: Writable | null;
  /** Our end of its fd 1 with 'pipe'. */
  stdout: Readable | null;
  /** Our end of its fd 2 with 'pipe'. */
  stderr: Readable | null;
}

type Checked = { kind: 'fd'; fd: number } | { kind: 'pipe' } | { kind: 'ignore' };

function isOpenFdNumber(fd: unknown): fd is number {
  return typeof fd === 'number' && Number.isSafeInteger(fd) && fd >= 0 && fd <= 0x7fffffff && isOpenFd(fd);
}

/** The fd behind a stream: fs streams have `fd`, sockets and pipes their handle's. */
function fdOfStream(value: object): unknown {
  const direct = (value as { fd?: unknown }).fd;
  if (typeof direct === 'number') return direct;
  return (value as { _handle?: { fd?: unknown } | null })._handle?.fd;
}

function checkOne(value: unknown, i: number, field: string): Checked {
  const where = `${field}[${i}]`;
  if (value === 'pipe') return { kind: 'pipe' };
  if (value === 'ignore') return { kind: 'ignore' };
  if (value === 'inherit' || value === undefined || value === null) return { kind: 'fd', fd: i };
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) throw new ArgumentRangeError(where, 'a file descriptor (an integer >= 0 and <= 2147483647)', value);
    if (!isOpenFdNumber(value)) throw new ArgumentValueError(where, 'an open file descriptor of this process', value);
    return { kind: 'fd', fd: value };
  }
  if (typeof value === 'object') {
    const fd = fdOfStream(value);
    if (!isOpenFdNumber(fd)) {
      throw new ArgumentValueError(where, "a stream with an open file descriptor (not an fs stream before 'open', a socket not connected, or a stream without an fd)", value);
    }
    return { kind: 'fd', fd };
  }
  const expected = "'pipe', 'inherit', 'ignore', a file descriptor or a stream with one";
  if (typeof value === 'string') throw new ArgumentValueError(where, expected, value);
  throw new ArgumentTypeError(where, expected, value);
}

/** `stdio` checked (no side effects): what each of 0, 1, 2 gets. Default: this process's 0, 1, 2 (as runc). */
export function checkStdio(stdio: unknown, field = 'options.stdio'): Checked[] {
  if (stdio === undefined) return [0, 1, 2].map((fd) => ({ kind: 'fd', fd }));
  if (typeof stdio === 'string') {
    if (stdio !== 'pipe' && stdio !== 'inherit' && stdio !== 'ignore') throw new ArgumentValueError(field, "'pipe', 'inherit', 'ignore' or an array of three", stdio);
    return [0, 1, 2].map((i) => checkOne(stdio, i, field));
  }
  if (!Array.isArray(stdio)) throw new ArgumentTypeError(field, "'pipe', 'inherit', 'ignore' or an array of three", stdio);
  if (stdio.length > 3) throw new ArgumentValueError(field, 'at most three entries: only stdin, stdout and stderr are taken (preserveFds passes more)', stdio);
  return [0, 1, 2].map((i) => checkOne(stdio[i], i, field));
}

/**
 * The fds a launch gives the container, opened from a checked stdio:
 * the container's ends are ours to close once the init has its copies
 * (closeChildEnds), our ends of the pipes become streams (streams()).
 */
export class OpenedStdio {
  readonly fds: [number, number, number];
  private childEnds: number[] = [];
  private ours: Array<number | undefined> = [undefined, undefined, undefined];

  constructor(checked: readonly Checked[]) {
    const fds: number[] = [];
    try {
      checked.forEach((c, i) => {
        if (c.kind === 'fd') {
          fds.push(c.fd);
        } else if (c.kind === 'ignore') {
          const fd = fs.openSync('/dev/null', i === 0 ? fs.constants.O_RDONLY : fs.constants.O_WRONLY);
          this.childEnds.push(fd);
          fds.push(fd);
        } else {
          const [mine, theirs] = processCalls.streamPair();
          this.ours[i] = mine;
          this.childEnds.push(theirs);
          fds.push(theirs);
        }
      });
    } catch (err) {
      this.closeAll();
      throw err;
    }
    this.fds = fds as [number, number, number];
  }

  /** Whether any of the three is piped (the caller then owns streams to read or write). */
  get piped(): boolean {
    return this.ours.some((fd) => fd !== undefined);
  }

  /** Closes the container's ends (after the launch: the init holds copies of them). */
  closeChildEnds(): void {
    for (const fd of this.childEnds.splice(0)) fs.closeSync(fd);
  }

  /** Closes every fd opened here (a failed launch). */
  closeAll(): void {
    this.closeChildEnds();
    for (const fd of this.ours.splice(0, 3, undefined, undefined, undefined)) if (fd !== undefined) fs.closeSync(fd);
  }

  /** Our ends of the pipes as streams, which own them from now on. */
  streams(): PipedStdio {
    const [stdin, stdout, stderr] = this.ours.map((fd, i) => (fd === undefined ? null : pipeStream(fd, i === 0)));
    this.ours = [undefined, undefined, undefined];
    return { stdin: stdin as Writable | null, stdout, stderr };
  }
}

/** Opens what `checked` asks for. */
export function openStdio(checked: readonly Checked[]): OpenedStdio {
  return new OpenedStdio(checked);
}

/** A net.Socket on our end: stdin only written, stdout and stderr only read. */
function pipeStream(fd: number, forWriting: boolean): net.Socket {
  return new net.Socket({ fd, readable: !forWriting, writable: forWriting });
}

/** A stream to read to its end: anything `for await` reads. */
const asyncIterable: Guard = (value, name) => {
  if (typeof (value as { [Symbol.asyncIterator]?: unknown } | null | undefined)?.[Symbol.asyncIterator] !== 'function') {
    throw new ArgumentTypeError(name, 'a readable stream (an async iterable)', value);
  }
};

/** All of a piped output, once it ends (for a run that collects stdout and stderr). */
export async function collectOutput(stream: Readable): Promise<Buffer> {
  checkArgs([stream, 'stream', asyncIterable]);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

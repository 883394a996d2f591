/**
 * The cgroup drivers' file calls off the JS thread: a list of small calls
 * (mkdir, rmdir, write, read, exists, subdirs) runs in order as one job on
 * libuv's pool (native/addon/file_batch.cc), in the slots the clones use
 * (native/pool.ts), so a burst of creates never queues ahead of the
 * process's own file I/O. A failure comes back as the error Node's fs
 * would have thrown for the same call (code, errno, syscall, path and
 * message), so the drivers name the file as they always did.
 */
import { getSystemErrorMap } from 'node:util';
import { native, type FileOp, type FileOpFailure, type FileOpResult } from '../native/addon';
import { poolSlots } from '../native/pool';

export type { FileOp, FileOpFailure, FileOpResult } from '../native/addon';

/** Runs `ops` on the pool; an empty list costs nothing. */
export async function runFileBatch(ops: readonly FileOp[]): Promise<FileOpResult[]> {
  if (ops.length === 0) return [];
  return poolSlots.run(() => native().fileBatchAsync(ops));
}

export function isFailure(result: FileOpResult): result is FileOpFailure {
  return typeof result === 'object' && result !== null && !Array.isArray(result);
}

/** Calls whose Node error names no path (they act on an fd). */
const FD_CALLS = new Set(['read', 'write', 'close']);

/**
 * The error fs would throw for this failure ("EBUSY: resource busy or
 * locked, rmdir '/sys/fs/cgroup/...'").
 */
export function failureError(failure: FileOpFailure, path: string): NodeJS.ErrnoException {
  const description = getSystemErrorMap().get(-failure.errno)?.[1] ?? `errno ${failure.errno}`;
  const withPath = !FD_CALLS.has(failure.syscall);
  const err: NodeJS.ErrnoException = new Error(`${failure.code}: ${description}, ${failure.syscall}${withPath ? ` '${path}'` : ''}`);
  err.code = failure.code;
  err.errno = -failure.errno;
  err.syscall = failure.syscall;
  if (withPath) err.path = path;
  return err;
}

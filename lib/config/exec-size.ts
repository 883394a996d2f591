/**
 * What execve can take at all. The kernel refuses (E2BIG) when the args and
 * env strings, with their NULs and one pointer each, exceed 3/4 of the
 * 8 MiB _STK_LIM (fs/exec.c bprm_stack_limits), whatever the stack rlimit.
 * A process over that can never start; without this check create would
 * carry it through the whole setup first (a million env entries cost tens
 * of seconds and a gigabyte in the runtime) only for start to fail.
 */
import { InvalidConfigError } from '../errors';
import type { Process } from './types';

export const MAX_EXEC_BYTES = ((8 * 1024 * 1024) / 4) * 3;
const POINTER_BYTES = 8;

/** Throws InvalidConfigError naming `${base}/env` (or `/args`) when the process could never be exec'd. */
export function checkExecSize(proc: Pick<Process, 'args' | 'env'>, base: string): void {
  let bytes = 0;
  for (const [field, list] of [['args', proc.args ?? []], ['env', proc.env ?? []]] as const) {
    for (const s of list) bytes += Buffer.byteLength(s) + 1 + POINTER_BYTES;
    if (bytes > MAX_EXEC_BYTES) {
      throw new InvalidConfigError(`${base}/${field}`, `args and env take more than the ${MAX_EXEC_BYTES} bytes execve accepts (${list.length} entries in ${field})`);
    }
  }
}

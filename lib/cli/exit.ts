/** Exit statuses of the CLI. */
import * as os from 'node:os';
import type { ExitStatus } from '../container/container';

/** Any error: runc exits 1 whatever went wrong. */
export const EXIT_FAILURE = 1;

/**
 * The status `run` exits with for a container process that ended: its exit
 * code, or 128 + the signal number when a signal killed it (as a shell and
 * runc report it).
 */
export function exitCodeOf(status: ExitStatus): number {
  if (status.exitCode !== null) return status.exitCode;
  if (status.signal !== null) {
    const number = (os.constants.signals as Record<string, number>)[status.signal];
    if (number !== undefined) return 128 + number;
  }
  // Gone without a status we can read (not our child): nothing better to say.
  return 255;
}

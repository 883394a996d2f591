/** Ending a child process that a test spawned, whatever became of the spawn. */
import type { ChildProcess } from 'node:child_process';

/**
 * SIGKILLs `child` if it was started and has not ended. A child whose spawn
 * failed (its program missing, say) has no pid, and until node has emitted
 * its 'error' event child.kill() still reaches libuv with pid 0, that is
 * kill(0, SIGKILL): the whole process group, the test runner and whatever
 * ran it included. So a child without a pid is never signalled.
 */
export function killChild(child: ChildProcess): void {
  if (child.pid === undefined) return;
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGKILL');
}

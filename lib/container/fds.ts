/** The caller's fds a container operation takes, and the pidfds it holds. */
import * as fs from 'node:fs';
import { InvalidArgumentError } from '../errors';
import type { WaitResult } from '../native/addon';
import { processCalls } from './syscalls';

/** Whether `fd` is open in this process. */
export function isOpenFd(fd: number): boolean {
  try {
    fs.fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

/**
 * Every fd that preserveFds passes (3 .. 3+n-1) must be open here: a gap
 * would otherwise surface as an EBADF deep in the spawner, naming nothing.
 * (exec; create skips gaps instead, preservedFdGaps.)
 */
export function assertPreservedFdsOpen(count: number): void {
  for (let fd = 3; fd < 3 + count; fd++) {
    if (!isOpenFd(fd)) throw new InvalidArgumentError(`preserve-fds ${count} passes fds 3 to ${2 + count}, but fd ${fd} is not open`);
  }
}

/**
 * The gaps in fds 3 .. 3+count-1 that create passes: fds closed here, and
 * those in `notPassed` (the CLI's: fds its caller did not give it, where
 * Node may have opened one of its own). As crun does, a gap is skipped,
 * not an error: the container gets no fd at that number, and every fd
 * that is passed keeps its number.
 */
export function preservedFdGaps(count: number, notPassed: readonly number[] = []): number[] {
  const gaps: number[] = [];
  for (let fd = 3; fd < 3 + count; fd++) if (notPassed.includes(fd) || !isOpenFd(fd)) gaps.push(fd);
  return gaps;
}

/**
 * Waits for (and reaps) the child behind `pidfd`, then closes the pidfd and
 * takes it off the releaser for `owner`, the handle that held it.
 */
export function reapThroughPidfd(owner: object, pidfd: number): Promise<WaitResult> {
  return processCalls
    .pidfdWait(pidfd, true)
    .finally(() => {
      pidfdReleaser.unregister(owner);
      fs.closeSync(pidfd);
    });
}

/**
 * Closes the pidfd of a handle (Container, ExecProcess) dropped without
 * wait(), delete() or detach(), so that it does not leak.
 */
export const pidfdReleaser = new FinalizationRegistry<number>((pidfd) => {
  try {
    fs.closeSync(pidfd);
  } catch {
    // closed already
  }
});

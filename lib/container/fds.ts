/** The caller's fds a container operation takes, and the pidfds it holds. */
import * as fs from 'node:fs';
import { InvalidArgumentError } from '../errors';
import { native, type WaitResult } from '../native/addon';

/**
 * Every fd that preserveFds passes (3 .. 3+n-1) must be open here: a gap
 * would otherwise surface as an EBADF deep in the spawner, naming nothing.
 */
export function assertPreservedFdsOpen(count: number): void {
  for (let fd = 3; fd < 3 + count; fd++) {
    try {
      fs.fstatSync(fd);
    } catch {
      throw new InvalidArgumentError(`preserve-fds ${count} passes fds 3 to ${2 + count}, but fd ${fd} is not open`);
    }
  }
}

/**
 * Waits for (and reaps) the child behind `pidfd`, then closes the pidfd and
 * takes it off the releaser for `owner`, the handle that held it.
 */
export function reapThroughPidfd(owner: object, pidfd: number): Promise<WaitResult> {
  return native()
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

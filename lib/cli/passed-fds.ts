/**
 * --preserve-fds names fds the caller gave kapsel. Node opens its own
 * (epoll, eventfd, pipes) at start-up at the lowest free numbers, so a gap
 * in what the caller passed is filled by one of Node's, which would then
 * silently reach the container. bin/kapsel lists the fds it was started
 * with in KAPSEL_PASSED_FDS before Node runs; without it (main.js run
 * directly) only "is it open" can be checked.
 */
import { isOpenFd } from '../container/fds';
import { InvalidArgumentError } from '../errors';

let passed: ReadonlySet<number> | undefined;

/** Takes KAPSEL_PASSED_FDS out of the environment (it must reach no hook or container). */
export function recordPassedFds(env: NodeJS.ProcessEnv = process.env): void {
  const list = env.KAPSEL_PASSED_FDS;
  delete env.KAPSEL_PASSED_FDS;
  if (list === undefined) return;
  passed = new Set(list.split(' ').filter((fd) => /^\d+$/.test(fd)).map(Number));
}

/** Those of fds 3 .. 2+count that the caller did not pass (create skips them, Container.create's skipFds). */
export function unpassedFds(count: number): number[] {
  const gaps: number[] = [];
  for (let fd = 3; fd < 3 + count; fd++) if (passed ? !passed.has(fd) : !isOpenFd(fd)) gaps.push(fd);
  return gaps;
}

/** Throws naming the first of fds 3 .. 2+count that the caller did not pass (exec). */
export function assertPassedFds(count: number): void {
  const fd = unpassedFds(count)[0];
  if (fd !== undefined) {
    throw new InvalidArgumentError(`--preserve-fds ${count} passes fds 3 to ${2 + count}, but fd ${fd} was not passed to kapsel`);
  }
}

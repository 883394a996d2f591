/**
 * The shared frame of a rootless system test file: skipped unless root
 * (root creates the unprivileged user and switches to it), the user, a
 * copy of the runtime that user can reach, the runner script inside it,
 * and the snapshot for the final leak check.
 */
import { after, before } from 'node:test';
import * as path from 'node:path';
import { snapshotSystem, type SystemSnapshot } from './leaks';
import { releaseAllRoots } from './tmp';
import { ensureTestUser, userReadableRepo } from './user';

export interface RootlessSuite {
  readonly skip: string | false;
  /** The unprivileged test user (set once `before` ran). */
  readonly owner: { uid: number; gid: number };
  /** The runner script (dist/test/helpers/NAME.js) in the user-readable copy. */
  readonly runner: string;
  /** bin/kapsel in the user-readable copy. */
  readonly bin: string;
  readonly snapshot: SystemSnapshot;
}

export function rootlessSuite(runnerName = 'rootless-runner'): RootlessSuite {
  const skip = process.getuid!() !== 0 ? 'needs root' : false;
  let snapshot: SystemSnapshot | undefined;
  let owner: { uid: number; gid: number } | undefined;
  let repo: ReturnType<typeof userReadableRepo> | undefined;
  before(() => {
    snapshot = snapshotSystem();
    if (skip) return;
    owner = ensureTestUser();
    repo = userReadableRepo();
  });
  after(() => {
    repo?.release();
    releaseAllRoots();
  });
  return {
    skip,
    get owner() {
      return owner!;
    },
    get runner() {
      return path.join(repo!.dir, 'dist', 'test', 'helpers', `${runnerName}.js`);
    },
    get bin() {
      return path.join(repo!.dir, 'bin', 'kapsel');
    },
    get snapshot() {
      return snapshot!;
    },
  };
}

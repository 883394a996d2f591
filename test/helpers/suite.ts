/**
 * The shared frame of a system test file: skipped unless root, one state
 * root, bundles removed at the end, and a final check that nothing leaked
 * (mounts, processes, state directories, fds).
 */
import { after, before } from 'node:test';
import { makeBundle, type Bundle, type BundleOptions } from './bundle';
import { assertNoLeaks, snapshotSystem, type SystemSnapshot } from './leaks';
import { tempRoot, TMP_PREFIX } from './tmp';

export interface SystemSuite {
  /** The `skip` option for every test of the file. */
  readonly skip: string | false;
  /** The state root of this file's containers (set once `before` ran). */
  readonly root: string;
  /** A bundle removed when the file ends. */
  bundle(options?: BundleOptions): Bundle;
}

export function systemSuite(): SystemSuite {
  const skip = process.getuid!() !== 0 ? 'needs root' : false;
  let snapshot: SystemSnapshot | undefined;
  let root = '';
  const bundles: Bundle[] = [];
  before(() => {
    if (skip) return;
    snapshot = snapshotSystem();
    root = tempRoot();
  });
  after(() => {
    if (skip || !snapshot) return;
    for (const b of bundles.splice(0)) b.cleanup();
    assertNoLeaks(snapshot, TMP_PREFIX);
  });
  return {
    skip,
    get root() {
      return root;
    },
    bundle(options?: BundleOptions) {
      const b = makeBundle(options);
      bundles.push(b);
      return b;
    },
  };
}

/**
 * The CLI's process entry (bin/kapsel runs this file). Engines call the
 * runtime several times per container, so start-up counts: the command
 * line runs from one bundled file (dist/lib/cli-bundle/kapsel.js, made by
 * scripts/build-cli-bundle.js) compiled with its V8 code cache
 * (./code-cache.ts), instead of ~40 modules each resolved, read and
 * compiled on its own. Without the bundle (a tsc-only build) main.js and
 * its modules load as usual; behaviour is the same either way.
 */
import path = require('node:path');
import { requireBundle } from './code-cache';
import type * as Main from './main';

/**
 * The bundle sits in a sibling of this directory, at the depth of the
 * modules it holds: the two that find files from their own __dirname
 * (native/addon.ts, cli/version.ts: "../../..") find them from there too.
 */
export const BUNDLE = path.join(__dirname, '..', 'cli-bundle', 'kapsel.js');

/** main() from the bundle, or from main.js when there is no bundle. */
export function loadMain(bundle: string = BUNDLE): typeof Main.main {
  try {
    return (requireBundle(bundle, require) as typeof Main).main;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || (err as NodeJS.ErrnoException).path !== bundle) throw err;
    return (require('./main') as typeof Main).main;
  }
}

if (require.main === module) {
  // As main.js: exit as soon as the answer is known (a created container
  // must not keep this process alive).
  void loadMain()(process.argv.slice(2)).then((code) => process.exit(code));
}

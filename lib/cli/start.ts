/**
 * The CLI's process entry (bin/kapsel runs this file). Engines call the
 * runtime several times per container, so start-up counts: the command
 * line runs from one bundled file (dist/lib/cli-bundle/kapsel.js, made by
 * scripts/build-cli-bundle.js) compiled with its V8 code cache
 * (./code-cache.ts), instead of ~40 modules each resolved, read and
 * compiled on its own. Without a current bundle (a tsc-only build, or tsc
 * run after the bundle was made: ./build-stamp.ts) main.js and its modules load as usual;
 * behaviour is the same either way.
 */
import fs = require('node:fs');
import path = require('node:path');
import { BUILD_STAMP } from './build-stamp';
import { cachePath, requireBundle } from './code-cache';
import type * as Main from './main';

/**
 * The bundle sits in a sibling of this directory, at the depth of the
 * modules it holds: the two that find files from their own __dirname
 * (native/addon.ts, cli/version.ts: "../../..") find them from there too.
 */
export const BUNDLE = path.join(__dirname, '..', 'cli-bundle', 'kapsel.js');

/**
 * The commands that load, validate and plan a bundle (or exec a process):
 * most of the bundle's code. Their calls read the bundle's larger code
 * cache, the warm-up of which ran that code too
 * (scripts/build-cli-cache.js); the others (state, kill, delete, list:
 * what engines call most) read the smaller one, which holds only what
 * they run, and so deserialize a third as much.
 */
export const CREATING_COMMANDS: ReadonlySet<string> = new Set(['create', 'run', 'plan', 'validate', 'exec', 'update']);

/** The name of the larger cache ("kapsel.js.create.cache"). */
export const CREATING_CACHE = 'create';

/**
 * The code cache for a command line. Only a guess from the words, before
 * the flags are parsed: a word that only looks like such a command (an id
 * called "run") costs a little speed, never a different behaviour.
 */
export function cacheFor(bundle: string, argv: readonly string[]): string {
  return cachePath(bundle, argv.some((word) => CREATING_COMMANDS.has(word)) ? CREATING_CACHE : undefined);
}

/**
 * Whether the bundle is the one made with the modules beside this file:
 * its first line carries the stamp that the bundle build wrote into
 * ./build-stamp.js. tsc run after the bundle was made (`npx tsc` while
 * working on lib/) writes the placeholder back, and the bundle, which would
 * run yesterday's code, is not used. A stamp, not file times: an npm
 * install or a copy of the tree gives files times in any order.
 */
function bundleCurrent(bundle: string, stamp: string): boolean {
  if (stamp === 'unbundled') return false;
  // The first line of the bundle the build stamped (scripts/build-cli-bundle.js).
  const STAMP_LINE = `// kapsel-build ${stamp}\n`;
  let fd: number;
  try {
    fd = fs.openSync(bundle, 'r');
  } catch {
    return false;
  }
  try {
    const head = Buffer.alloc(STAMP_LINE.length);
    return fs.readSync(fd, head, 0, head.length, 0) === head.length && head.toString('latin1') === STAMP_LINE;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * main() from the bundle, or from main.js when there is no current bundle.
 * `stamp` is the build stamp the bundle must carry (tests pass their own).
 */
export function loadMain(bundle: string = BUNDLE, argv: readonly string[] = process.argv.slice(2), stamp: string = BUILD_STAMP): typeof Main.main {
  if (!bundleCurrent(bundle, stamp)) return (require('./main') as typeof Main).main;
  return (requireBundle(bundle, require, cacheFor(bundle, argv)) as typeof Main).main;
}

if (require.main === module) {
  // As main.js: exit as soon as the answer is known (a created container
  // must not keep this process alive).
  const argv = process.argv.slice(2);
  void loadMain(BUNDLE, argv)(argv).then((code) => process.exit(code));
}

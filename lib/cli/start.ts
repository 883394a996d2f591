/**
 * The CLI's process entry (bin/kapsel runs this file). Engines call the
 * runtime several times per container, so start-up counts: the command
 * line runs from one bundled file (dist/lib/cli-bundle/kapsel.js, made by
 * scripts/build-cli-bundle.js) compiled with its V8 code cache
 * (./code-cache.ts), instead of ~40 modules each resolved, read and
 * compiled on its own. Without a current bundle (a tsc-only build, or tsc
 * run after the bundle was made) main.js and its modules load as usual;
 * behaviour is the same either way.
 */
import fs = require('node:fs');
import path = require('node:path');
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

/** The module the bundle is made from (dist/lib/cli/main.js). */
const MAIN = path.join(__dirname, 'main.js');

/**
 * Whether the bundle is missing or older than main.js: tsc was run after
 * the bundle was made (`npx tsc` while working on lib/), so the bundle
 * would run yesterday's code. The build writes the bundle after tsc, and
 * a packed install gives every file the same mtime.
 */
function bundleOutdated(bundle: string): boolean {
  const bundleStat = fs.statSync(bundle, { throwIfNoEntry: false });
  if (!bundleStat) return true;
  const mainStat = fs.statSync(MAIN, { throwIfNoEntry: false });
  return mainStat !== undefined && mainStat.mtimeMs > bundleStat.mtimeMs;
}

/** main() from the bundle, or from main.js when there is no current bundle. */
export function loadMain(bundle: string = BUNDLE, argv: readonly string[] = process.argv.slice(2)): typeof Main.main {
  if (bundleOutdated(bundle)) return (require('./main') as typeof Main).main;
  return (requireBundle(bundle, require, cacheFor(bundle, argv)) as typeof Main).main;
}

if (require.main === module) {
  // As main.js: exit as soon as the answer is known (a created container
  // must not keep this process alive).
  const argv = process.argv.slice(2);
  void loadMain(BUNDLE, argv)(argv).then((code) => process.exit(code));
}

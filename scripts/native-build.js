// The native part's build, shared by scripts/install.js (install time) and
// scripts/prebuild.js (`npm run prebuild`, before packing): where the
// prebuild for this machine lives, whether one loads here, and running
// node-gyp. Plain CommonJS with no dependency: it runs at install time in a
// package installed with --omit=dev, where none of the devDependencies are.
'use strict';
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
/** binding.gyp's two targets, as lib/native/addon.ts looks for them. */
const FILES = ['kapsel_native.node', 'kapsel-init'];
const PLATFORM = `${process.platform}-${process.arch}`;
const PREBUILD_DIR = path.join(ROOT, 'prebuilds', PLATFORM);
/**
 * What the prebuild was made from (sourcesHash), next to the prebuild's
 * directory and not in it: the package's `files` leave it out.
 */
const STAMP = path.join(ROOT, 'prebuilds', `${PLATFORM}.sources`);
/** The same for build/Release, written by buildFromSource (node-gyp alone does not). */
const BUILD_STAMP = path.join(ROOT, 'build', 'kapsel.sources');

const NEEDS =
  'a C++17 compiler (g++), python3, make and a static libc for the static init helper ' +
  '(glibc-static on Fedora/RHEL, libc6-dev on Debian/Ubuntu)';

/** Every file under `dir`, sorted (a stable order for the hash). */
function filesUnder(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : [path.join(dir, entry.name)]))
    .sort();
}

/**
 * A hash of everything the native build compiles (binding.gyp, native/,
 * and node-addon-api's headers by version): a prebuild made from other
 * sources is stale and is made again before packing.
 */
function sourcesHash() {
  const hash = crypto.createHash('sha256');
  for (const file of [path.join(ROOT, 'binding.gyp'), ...filesUnder(path.join(ROOT, 'native'))]) {
    hash.update(`${path.relative(ROOT, file)}\0`);
    hash.update(fs.readFileSync(file));
  }
  hash.update(`node-addon-api@${require(require.resolve('node-addon-api/package.json', { paths: [ROOT] })).version}`);
  return hash.digest('hex');
}

/**
 * Whether the native part in `dir` works on this machine: the addon loads
 * in a fresh Node (a prebuild for a newer glibc than this one's does not)
 * and the init helper executes. Only then is a prebuild used instead of a
 * build from source.
 */
function nativeLoads(dir) {
  const [addon, init] = FILES.map((name) => path.join(dir, name));
  if (!fs.existsSync(addon) || !fs.existsSync(init)) return false;
  const load = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(addon)})`], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (load.status !== 0) {
    process.stderr.write(`kapsel: ${path.relative(ROOT, addon)} does not load here: ${String(load.stderr).trim().split('\n')[0]}\n`);
    return false;
  }
  // Without arguments it prints its usage and exits: proof that it runs.
  const run = spawnSync(init, [], { stdio: 'ignore' });
  if (run.error || run.signal) {
    process.stderr.write(`kapsel: ${path.relative(ROOT, init)} does not run here: ${run.error ? run.error.message : run.signal}\n`);
    return false;
  }
  return true;
}

/**
 * node-gyp, without being a dependency: npm gives every script it runs
 * the path of its own bundled node-gyp (npm_config_node_gyp); a clone has
 * the devDependency; else one on PATH.
 */
function nodeGypCommand() {
  if (process.env.npm_config_node_gyp && fs.existsSync(process.env.npm_config_node_gyp)) {
    return [process.execPath, process.env.npm_config_node_gyp];
  }
  try {
    return [process.execPath, require.resolve('node-gyp/bin/node-gyp.js', { paths: [ROOT] })];
  } catch {
    return ['node-gyp'];
  }
}

/**
 * Runs `node-gyp rebuild` in the package. Its output goes to stderr, so
 * that a script whose stdout is read (`npm pack --json`) stays clean.
 * Exits the process with advice when the build fails.
 */
function buildFromSource() {
  const [command, ...args] = nodeGypCommand();
  process.stderr.write(`kapsel: building the native part from source (node-gyp rebuild)\n`);
  const res = spawnSync(command, [...args, 'rebuild'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  if (res.status !== 0) {
    process.stderr.write(
      `kapsel: building the native part failed (${res.error ? res.error.message : `node-gyp exited with ${res.status ?? res.signal}`}); ` +
        `it needs ${NEEDS}; install them and run \`npm rebuild kapsel\`\n`,
    );
    process.exit(1);
  }
  fs.writeFileSync(BUILD_STAMP, `${sourcesHash()}\n`);
}

/** Whether `stamp` says that it was made from the sources as they are now. */
function stampCurrent(stamp) {
  return fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === sourcesHash();
}

module.exports = { ROOT, FILES, PLATFORM, PREBUILD_DIR, STAMP, BUILD_STAMP, NEEDS, sourcesHash, stampCurrent, nativeLoads, buildFromSource };

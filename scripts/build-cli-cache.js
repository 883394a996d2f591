#!/usr/bin/env node
// Makes the V8 code caches of the CLI bundle (dist/lib/cli-bundle/kapsel.js,
// see scripts/build-cli-bundle.js): compiles the bundle, runs a warm-up of
// commands that create nothing, and saves the bytecode of every function
// that ran next to the bundle (lib/cli/code-cache.ts). CLI calls then skip
// parsing and compiling those functions.
//
// Two caches of the bundle, each from a warm-up in a process of its own
// (lib/cli/start.ts picks one per command line):
//   kapsel.js.cache         state, kill, delete, list, spec, --version:
//                           what engines call most, and only that;
//   kapsel.js.create.cache  all that, plus plan (bundle load, validation,
//                           planning: what create runs) and create's own
//                           modules; the validators' caches come from it.
// A cache is only valid for this Node binary and this bundle file (its
// header says which; anything else is ignored at run time), so it is made
// on every build and install, by the node that records dist/node-path.
// Needs no devDependency: `npm install` of a packed kapsel runs it too.
// Does nothing when there is no bundle (a tsc-only build).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { createRequire } = require('node:module');

const dist = path.resolve(__dirname, '..', 'dist', 'lib');
const bundleFile = path.join(dist, 'cli-bundle', 'kapsel.js');
const codeCacheModule = path.join(dist, 'cli', 'code-cache.js');
const startModule = path.join(dist, 'cli', 'start.js');

/**
 * Command lines that run the code of the frequent commands without
 * touching anything outside a temporary directory. The creating warm-up
 * adds plan and a create of a missing bundle (create's modules) with a
 * state root that cannot be made (a regular file), so that it could not
 * create anything even if it got further.
 */
function warmUps(tmp, creating) {
  const root = path.join(tmp, 'root');
  const blocked = path.join(tmp, 'not-a-dir');
  fs.writeFileSync(blocked, '');
  const bundle = path.join(tmp, 'bundle');
  fs.mkdirSync(path.join(bundle, 'rootfs'), { recursive: true });
  const light = [
    ['--version'],
    ['--root', root, 'state', 'missing'],
    ['--root', root, 'kill', 'missing', 'KILL'],
    ['--root', root, 'delete', '--force', 'missing'],
    ['--root', root, 'list'],
    ['--root', root, 'list', '--format', 'json'],
    ['spec', '--bundle', bundle],
  ];
  if (!creating) return light;
  return [
    ...light,
    ['--root', root, 'plan', '--bundle', bundle],
    ['--root', path.join(blocked, 'root'), 'create', '--bundle', path.join(tmp, 'missing-bundle'), 'warm-up'],
  ];
}

/** Every file under `dir`. */
function filesUnder(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

/** One warm-up, in this process: runs it and writes the caches of what it loaded. */
async function warmUp(variant) {
  const { cachePath, requireBundle, loadedBundles, writeCodeCache } = require(codeCacheModule);
  const { CREATING_CACHE } = require(startModule);
  const creating = variant === CREATING_CACHE;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-code-cache-'));
  try {
    // The require the bundle gets at run time: that of dist/lib/cli/start.js.
    const { main: cli } = requireBundle(bundleFile, createRequire(startModule), cachePath(bundleFile, creating ? CREATING_CACHE : undefined));
    const quiet = { out: () => undefined, logSinks: { stderr: () => undefined, appendFile: () => undefined, now: () => new Date() } };
    for (const argv of warmUps(tmp, creating)) await cli(argv, quiet);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  for (const bundle of loadedBundles()) {
    // The light warm-up loads no validator; the creating one makes their caches.
    const size = writeCodeCache(bundle);
    console.error(`build-cli-cache: ${path.relative(process.cwd(), bundle.cacheFile)}, ${Math.round(size / 1024)} KiB`);
  }
}

function main() {
  if (!fs.existsSync(bundleFile)) return;
  const { CREATING_CACHE } = require(startModule);
  // Made from scratch: no function comes from an earlier cache.
  for (const file of filesUnder(path.dirname(bundleFile))) {
    if (file.endsWith('.cache')) fs.rmSync(file);
  }
  for (const variant of ['', CREATING_CACHE]) {
    const res = spawnSync(process.execPath, [__filename, '--warm-up', variant], { stdio: 'inherit' });
    if (res.status !== 0) process.exit(res.status ?? 1);
  }
}

const at = process.argv.indexOf('--warm-up');
if (at >= 0) {
  warmUp(process.argv[at + 1]).catch((err) => {
    console.error(`build-cli-cache: ${err.stack || err.message}`);
    process.exit(1);
  });
} else {
  main();
}

#!/usr/bin/env node
// Makes the V8 code cache of the CLI bundle (dist/lib/cli-bundle/kapsel.js,
// see scripts/build-cli-bundle.js): compiles the bundle, runs a warm-up of
// commands that create nothing, and saves the bytecode of every function
// that ran next to the bundle (lib/cli/code-cache.ts). CLI calls then skip
// parsing and compiling those functions.
//
// The cache is only valid for this Node binary and this bundle file (its
// header says which; anything else is ignored at run time), so it is made
// on every build and install, by the node that records dist/node-path.
// Needs no devDependency: `npm install` of a packed kapsel runs it too.
// Does nothing when there is no bundle (a tsc-only build).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { createRequire } = require('node:module');

const dist = path.resolve(__dirname, '..', 'dist', 'lib');
const bundleFile = path.join(dist, 'cli-bundle', 'kapsel.js');
const codeCacheModule = path.join(dist, 'cli', 'code-cache.js');

/**
 * Command lines that run the code of the frequent commands without
 * touching anything outside a temporary directory: engines' state, kill,
 * delete, list; plan (bundle load, validation, planning: what create
 * runs); create of a missing bundle (create's modules), with a state root
 * that cannot be made (a regular file), so that it could not create
 * anything even if it got further.
 */
function warmUps(tmp) {
  const root = path.join(tmp, 'root');
  const blocked = path.join(tmp, 'not-a-dir');
  fs.writeFileSync(blocked, '');
  const bundle = path.join(tmp, 'bundle');
  fs.mkdirSync(path.join(bundle, 'rootfs'), { recursive: true });
  return [
    ['--version'],
    ['--root', root, 'state', 'missing'],
    ['--root', root, 'kill', 'missing', 'KILL'],
    ['--root', root, 'delete', '--force', 'missing'],
    ['--root', root, 'list'],
    ['--root', root, 'list', '--format', 'json'],
    ['spec', '--bundle', bundle],
    ['--root', root, 'plan', '--bundle', bundle],
    ['--root', path.join(blocked, 'root'), 'create', '--bundle', path.join(tmp, 'missing-bundle'), 'warm-up'],
  ];
}

/** Every .js file under the bundle's directory (the bundle, its validators). */
function bundleFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return bundleFiles(full);
    return entry.name.endsWith('.js') ? [full] : [];
  });
}

async function main() {
  if (!fs.existsSync(bundleFile)) return;
  const { cachePath, requireBundle, loadedBundles, writeCodeCache } = require(codeCacheModule);
  // Made from scratch: no function comes from an earlier cache.
  for (const file of bundleFiles(path.dirname(bundleFile))) fs.rmSync(cachePath(file), { force: true });
  // The require the bundle gets at run time: that of dist/lib/cli/start.js.
  const { main: cli } = requireBundle(bundleFile, createRequire(path.join(dist, 'cli', 'start.js')));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-code-cache-'));
  try {
    const quiet = { out: () => undefined, logSinks: { stderr: () => undefined, appendFile: () => undefined, now: () => new Date() } };
    for (const argv of warmUps(tmp)) await cli(argv, quiet);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  for (const bundle of loadedBundles()) {
    const size = writeCodeCache(bundle);
    console.log(`build-cli-cache: ${path.relative(process.cwd(), bundle.file)}.cache, ${Math.round(size / 1024)} KiB`);
  }
}

main().catch((err) => {
  console.error(`build-cli-cache: ${err.stack || err.message}`);
  process.exit(1);
});

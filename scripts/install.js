#!/usr/bin/env node
// The package's install script (`npm install` of kapsel, and `npm rebuild`):
// uses the prebuilt native part when one for this platform loads here
// (prebuilds/<platform>-<arch>/, see scripts/prebuild.js), else builds it
// from source with node-gyp (npm's own, npm_config_node_gyp: node-gyp is no
// dependency of kapsel). `npm install --build-from-source` (or
// KAPSEL_BUILD_FROM_SOURCE=1) builds from source regardless.
//
// Then the machine-local files: dist/node-path (the node bin/kapsel runs
// with, scripts/record-node-path.js) and the CLI's V8 code caches for this
// Node (scripts/build-cli-cache.js). An install with --ignore-scripts skips
// all of this and still works: the prebuild is found at load time, bin/kapsel
// takes node from PATH, and the CLI runs its bundle without a code cache.
//
// Whatever it prints goes to stderr.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { PREBUILD_DIR, ROOT, nativeLoads, buildFromSource } = require('./native-build');

const fromSource = process.env.npm_config_build_from_source === 'true' || process.env.KAPSEL_BUILD_FROM_SOURCE === '1';
if (!fromSource && nativeLoads(PREBUILD_DIR)) {
  process.stderr.write(`kapsel: using the prebuilt native part in ${path.relative(ROOT, PREBUILD_DIR)}\n`);
} else {
  buildFromSource();
}
for (const script of ['record-node-path.js', 'build-cli-cache.js']) {
  const res = spawnSync(process.execPath, [path.join(__dirname, script)], { stdio: ['ignore', 2, 2] });
  if (res.status !== 0) process.exit(res.status ?? 1);
}

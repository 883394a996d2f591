#!/usr/bin/env node
// `npm run prebuild` (also run first by `npm run build`, as its pre-script):
// makes the prebuilt native part the package ships for this platform,
// prebuilds/<platform>-<arch>/ (kapsel_native.node and the static
// kapsel-init), from `node-gyp rebuild`. lib/native/addon.ts loads it when
// there is no local build, so that installing the package with
// --ignore-scripts needs no compiler. One addon serves every Node version:
// it uses N-API only (binding.gyp's NAPI_VERSION).
//
//   node scripts/prebuild.js             always builds
//   node scripts/prebuild.js --if-stale  only when the prebuild is missing or
//                                        was made from other sources (prepack);
//                                        a build/Release that scripts/install.js
//                                        made from these sources is copied
//
// The prebuild records the hash of the sources it was made from next to its
// directory (prebuilds/<platform>-<arch>.sources, not packed).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, FILES, PREBUILD_DIR, STAMP, BUILD_STAMP, stampCurrent, buildFromSource } = require('./native-build');

const release = path.join(ROOT, 'build', 'Release');
const has = (dir) => FILES.every((name) => fs.existsSync(path.join(dir, name)));
const ifStale = process.argv.includes('--if-stale');
if (ifStale && has(PREBUILD_DIR) && stampCurrent(STAMP)) {
  process.stderr.write(`prebuild: ${path.relative(ROOT, PREBUILD_DIR)} is current\n`);
  process.exit(0);
}
if (!(ifStale && has(release) && stampCurrent(BUILD_STAMP))) buildFromSource();
fs.rmSync(PREBUILD_DIR, { recursive: true, force: true });
fs.mkdirSync(PREBUILD_DIR, { recursive: true });
for (const name of FILES) {
  fs.copyFileSync(path.join(release, name), path.join(PREBUILD_DIR, name));
  fs.chmodSync(path.join(PREBUILD_DIR, name), 0o755);
}
fs.copyFileSync(BUILD_STAMP, STAMP);
process.stderr.write(`prebuild: ${path.relative(ROOT, PREBUILD_DIR)}: ${FILES.join(', ')}\n`);

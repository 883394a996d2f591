#!/usr/bin/env node
// Builds the JavaScript side: tsc, the precompiled validators
// (scripts/build-validators.js), the CLI bundle (scripts/build-cli-bundle.js)
// and, for this machine, the CLI's V8 code caches and dist/node-path.
//
//   node scripts/build-ts.js            the working tree's build (`npm run build`,
//                                       prepare on `npm install` in a clone):
//                                       lib/, test/ and examples/, with source maps
//   node scripts/build-ts.js --package  what `npm pack` ships (prepack): dist/lib
//                                       made afresh from lib/ alone (tsconfig.package.json:
//                                       no source maps, which would point to sources
//                                       the package does not hold), no code caches
//                                       (each install makes its own, for its Node)
//
// npm runs prepare after prepack when it packs: prepare then does nothing,
// or it would put the working tree's build back over the package's.
// Everything the steps print goes to stderr: `npm pack --json` prints the
// package's file list on stdout.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const packaging = process.argv.includes('--package');

if (!packaging && process.env.npm_lifecycle_event === 'prepare' && ['pack', 'publish'].includes(process.env.npm_command)) {
  process.exit(0);
}

function run(file, ...args) {
  const res = spawnSync(process.execPath, [file, ...args], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  if (res.status !== 0) {
    process.stderr.write(`build-ts: ${path.relative(ROOT, file)} ${args.join(' ')} failed\n`);
    process.exit(res.status ?? 1);
  }
}

const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
if (packaging) {
  // Afresh: nothing of an earlier build (modules of deleted sources, maps, caches) is packed.
  fs.rmSync(path.join(ROOT, 'dist', 'lib'), { recursive: true, force: true });
  run(tsc, '-p', path.join(ROOT, 'tsconfig.package.json'));
} else {
  run(tsc, '-p', path.join(ROOT, 'tsconfig.json'));
}
run(path.join(__dirname, 'build-validators.js'));
run(path.join(__dirname, 'build-cli-bundle.js'));
if (!packaging) {
  run(path.join(__dirname, 'build-cli-cache.js'));
  run(path.join(__dirname, 'record-node-path.js'));
}

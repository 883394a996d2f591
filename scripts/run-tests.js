#!/usr/bin/env node
// Runs every compiled test file under dist/test with node's built-in test
// runner. Unit tests need nothing; system tests need root and skip
// themselves (with a reason) when they cannot run.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..', 'dist', 'test');
function collect(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...collect(full));
    else if (entry.name.endsWith('.test.js')) out.push(full);
  }
  return out.sort();
}
const only = process.argv.slice(2);
const files = only.length ? only : collect(root);
if (files.length === 0) {
  console.error('no test files under ' + root + ' (did tsc run?)');
  process.exit(1);
}
// System tests share global resources (the state root, /tmp hook files):
// run files one at a time.
// The CLI keeps compiled seccomp programs in /run/kapsel-cache; the tests
// leave nothing on the machine, so it is off for them unless asked for
// (the disk cache's own tests turn it on in a directory they remove).
const env = { ...process.env, KAPSEL_CACHE_DIR: process.env.KAPSEL_CACHE_DIR ?? '' };
const res = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit', env });
process.exit(res.status === null ? 1 : res.status);

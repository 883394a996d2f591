#!/usr/bin/env node
// Compiles the C fixtures of the system tests (test/fixtures/*.c) into
// static binaries under test/fixtures/bin/, which bundles copy into their
// rootfs: static, so that a rootfs needs no libc. `npm test` runs this every
// time; a binary is rebuilt only when it is missing or older than its source.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const fixtures = path.resolve(__dirname, '..', 'test', 'fixtures');
const bin = path.join(fixtures, 'bin');
const cc = process.env.CC || 'gcc';

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

fs.mkdirSync(bin, { recursive: true });
const sources = fs.readdirSync(fixtures).filter((name) => name.endsWith('.c')).sort();
let failed = false;
for (const name of sources) {
  const source = path.join(fixtures, name);
  const output = path.join(bin, name.slice(0, -2));
  if (mtime(output) >= mtime(source)) continue;
  const args = ['-static', '-O2', '-Wall', '-o', output, source];
  const res = spawnSync(cc, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (res.error || res.status !== 0) {
    const why = res.error ? res.error.message : res.signal ? `killed by ${res.signal}` : `exit status ${res.status}`;
    console.error(`build-fixtures: "${cc} ${args.join(' ')}" failed (${why}).`);
    console.error('build-fixtures: the system tests need a C compiler with static libc (Debian: apt-get install gcc libc6-dev).');
    fs.rmSync(output, { force: true });
    failed = true;
    continue;
  }
  console.log(`build-fixtures: built ${path.relative(process.cwd(), output)}`);
}
// The test addon (what tests need from C++ that lib/ never calls): built
// here, with the other things only tests use, never by npm install.
if (!failed) {
  const res = spawnSync(process.execPath, [path.join(__dirname, 'build-test-addon.js')], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (res.status !== 0) {
    console.error('build-fixtures: building the test addon (scripts/build-test-addon.js) failed.');
    failed = true;
  }
}
process.exit(failed ? 1 : 0);

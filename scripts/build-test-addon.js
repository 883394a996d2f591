#!/usr/bin/env node
// Builds the test addon (native/test-addon/binding.gyp) for the tests:
// configured once, then incremental. The library's own build (npm install,
// node-gyp rebuild of binding.gyp) never builds it.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const dir = path.join(__dirname, '..', 'native', 'test-addon');
const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
const gyp = (...args) => execFileSync(process.execPath, [nodeGyp, ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
// The node headers the library's build was configured with (no download).
const configured = path.join(__dirname, '..', 'build', 'config.gypi');
const nodedir = fs.existsSync(configured) ? /"nodedir": "([^"]+)"/.exec(fs.readFileSync(configured, 'utf8'))?.[1] : undefined;
if (!fs.existsSync(path.join(dir, 'build', 'Makefile'))) gyp('configure', ...(nodedir ? [`--nodedir=${nodedir}`] : []));
gyp('build');

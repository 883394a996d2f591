#!/usr/bin/env node
// Records the absolute path of the node binary running this script in
// dist/node-path. bin/kapsel reads it to find node when it runs with no PATH
// (container engines call `kill`, `delete` and `state` with an empty
// environment). Run it after every build and install: the file is local to
// this machine, under dist/ so that git ignores it and npm does not publish it.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const file = path.resolve(__dirname, '..', 'dist', 'node-path');
fs.mkdirSync(path.dirname(file), { recursive: true });
const tmp = `${file}.${process.pid}.tmp`;
fs.writeFileSync(tmp, `${process.execPath}\n`);
fs.renameSync(tmp, file);

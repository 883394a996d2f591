'use strict';
// The bundle every bench times: a static hello world with the memory, pids
// and cpu limits every runtime applies, and optionally a seccomp profile.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const repo = path.resolve(__dirname, '..');

/** Writes the bundle into `dir` (rootfs/hello compiled with gcc -static); returns `dir`. */
function makeHelloBundle(dir, seccomp) {
  const { defaultSpec } = require(path.join(repo, 'dist', 'lib'));
  fs.mkdirSync(path.join(dir, 'rootfs'), { recursive: true });
  const src = path.join(dir, 'hello.c');
  fs.writeFileSync(src, '#include <stdio.h>\nint main(void) { puts("Hello World"); return 0; }\n');
  execFileSync('gcc', ['-static', '-O2', '-o', path.join(dir, 'rootfs', 'hello'), src]);
  const spec = defaultSpec({ rootless: false });
  spec.process.terminal = false;
  spec.process.args = ['/hello'];
  // Every runtime makes the container's cgroups and applies these limits.
  spec.linux.resources = { ...spec.linux.resources, memory: { limit: 256 * 1024 * 1024 }, pids: { limit: 1000 }, cpu: { shares: 1024 } };
  // Debian's crun refuses versions newer than it knows.
  spec.ociVersion = '1.0.2';
  if (seccomp) spec.linux.seccomp = seccomp;
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
  return dir;
}

module.exports = { makeHelloBundle };

#!/usr/bin/env node
// Lifecycle benchmark: the time of a whole container life (create, start,
// wait for exit, delete) for a static hello-world bundle, through
//   - the kapsel library, in-process (no Node start-up per container);
//   - the kapsel CLI (`kapsel run`, one Node start-up per container);
//   - runc and crun, when installed (`RUNTIME run`), measured in the same
//     run for ratios.
// Each is measured twice: for the plain bundle and for the same bundle with
// a seccomp profile of podman's size and shape (~350 names, three
// architectures, argument rules; test/helpers/seccomp-profiles.ts), to show
// what seccomp adds to a container's life (the library compiles a profile
// once per process and caches it; the CLI compiles it on every create).
// Prints the median and p90 of N runs each (default 30) and ratios of the
// medians against runc. Needs root. These machines are noisy: compare runs
// made together, never absolute numbers across machines.
//
//   node bench/lifecycle.js [N]
'use strict';
const { spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const repo = path.resolve(__dirname, '..');
const runs = Number(process.argv[2] || 30);
const { Container, defaultSpec } = require(path.join(repo, 'dist', 'lib'));

function makeBundle(dir, seccomp) {
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

function which(name) {
  const res = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() : undefined;
}

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { median: at(0.5), p90: at(0.9) };
}

function timeCli(bin, root, bundle, devnull) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const id = `bench-${process.pid}-${i}`;
    const t0 = process.hrtime.bigint();
    const res = spawnSync(bin, ['--root', root, 'run', '--bundle', bundle, id], { stdio: ['ignore', devnull, 'pipe'] });
    const t1 = process.hrtime.bigint();
    if (res.status !== 0) throw new Error(`${bin} run failed: ${res.stderr}`);
    samples.push(Number(t1 - t0) / 1e6);
  }
  return stats(samples);
}

async function timeLibrary(root, bundle, devnull) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const c = await Container.create({ id: `bench-lib-${process.pid}-${i}`, bundle, root, stdio: [0, devnull, 2] });
    await c.start();
    await c.wait();
    await c.delete();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return stats(samples);
}

/**
 * The same life without any cgroup (create's environment without its
 * cgroup part, as the unit tests' doubles): the difference to the row
 * above is what the cgroup set-up and removal cost.
 */
async function timeLibraryWithoutCgroups(root, bundle, devnull) {
  const { createContainer, nativeCreateEnv } = require(path.join(repo, 'dist', 'lib', 'container', 'create'));
  const { deleteContainer } = require(path.join(repo, 'dist', 'lib', 'container', 'delete'));
  const { native } = require(path.join(repo, 'dist', 'lib', 'native', 'addon'));
  const { startContainer } = require(path.join(repo, 'dist', 'lib', 'container', 'start'));
  const env = { ...nativeCreateEnv, cgroups: undefined };
  const logger = { warn() {} };
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const id = `bench-nocg-${process.pid}-${i}`;
    const t0 = process.hrtime.bigint();
    const created = await createContainer({ id, bundle, root, stdio: [0, devnull, 2], logger }, env);
    await startContainer({ root, id }, () => undefined);
    await native().pidfdWait(created.pidfd, true);
    fs.closeSync(created.pidfd);
    await deleteContainer({ root, id, force: false, logger });
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return stats(samples);
}

async function main() {
  if (process.getuid() !== 0) throw new Error('the benchmark needs root');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-bench-'));
  const devnull = fs.openSync('/dev/null', 'w');
  try {
    const { podmanSizedProfile } = require(path.join(repo, 'dist', 'test', 'helpers', 'seccomp-profiles'));
    const bundles = [
      ['', makeBundle(path.join(work, 'bundle'))],
      [' +seccomp', makeBundle(path.join(work, 'bundle-seccomp'), podmanSizedProfile())],
    ];
    const results = [];
    for (const [suffix, bundle] of bundles) {
      // Warm-up: the page cache, the memfd copy of the init helper.
      await timeLibraryOnce(path.join(work, `root-warm${suffix.trim()}`), bundle, devnull);
      results.push([`kapsel lib${suffix}`, await timeLibrary(path.join(work, 'root-lib'), bundle, devnull)]);
      if (!suffix) results.push(['kapsel lib, no cgroups', await timeLibraryWithoutCgroups(path.join(work, 'root-nocg'), bundle, devnull)]);
      results.push([`kapsel cli${suffix}`, timeCli(path.join(repo, 'bin', 'kapsel'), path.join(work, 'root-cli'), bundle, devnull)]);
      for (const name of ['runc', 'crun']) {
        const bin = which(name);
        if (!bin) continue;
        try {
          results.push([`${name}${suffix}`, timeCli(bin, path.join(work, `root-${name}`), bundle, devnull)]);
        } catch (err) {
          // crun, for one, refuses hybrid cgroup hosts.
          console.log(`${name}${suffix}: not measured: ${err.message.trim()}`);
        }
      }
    }
    console.log(`container lifecycle (create+start+wait+delete), ${runs} runs each, ms`);
    console.log(`${'runtime'.padEnd(22)}${'median'.padStart(9)}${'p90'.padStart(9)}  vs runc  seccomp adds`);
    for (const [name, s] of results) {
      const plainName = name.replace(' +seccomp', '');
      const runc = results.find(([n]) => n === (name.endsWith(' +seccomp') ? 'runc +seccomp' : 'runc'));
      const ratio = runc ? `${(s.median / runc[1].median).toFixed(2)}x` : '-';
      const plain = name !== plainName ? results.find(([n]) => n === plainName) : undefined;
      const adds = plain ? `${(s.median - plain[1].median).toFixed(1)} ms` : '';
      console.log(`${name.padEnd(22)}${s.median.toFixed(1).padStart(9)}${s.p90.toFixed(1).padStart(9)}  ${ratio.padStart(7)}  ${adds}`);
    }
  } finally {
    fs.closeSync(devnull);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function timeLibraryOnce(root, bundle, devnull) {
  const c = await Container.create({ id: `bench-warm-${process.pid}`, bundle, root, stdio: [0, devnull, 2] });
  await c.start();
  await c.wait();
  await c.delete();
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});

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
// medians against runc and crun.
//
// Then concurrent throughput: L lives (create, start, wait, delete) with at
// most C in flight, for C = 1, 10, 100 and 1,000 (L = max(C, 100)):
//   - the kapsel library, C lives at a time from this one Node process;
//   - `crun run` driven by `xargs -P C` (one crun process per life);
// in containers per second, and the ratio kapsel / crun.
//
// crun 1.8 refuses a hybrid cgroup host whose cgroup2 hierarchy has
// controllers ("cgroups in hybrid mode not supported, drop all controllers
// from cgroupv2"), even with --cgroup-manager=disabled. On such a host crun
// is measured in a private mount namespace (unshare -m) in which
// /sys/fs/cgroup/unified is unmounted: crun then sees a legacy (all v1)
// host and makes and fills the same v1 cgroups as kapsel (kapsel also
// makes the cgroup2 one). The timing loop runs inside that namespace
// (this script again, with --crun-worker), so crun's figures carry no
// unshare or umount cost.
//
// The state roots of every runtime are on a tmpfs (/dev/shm), as /run is
// on production hosts (this VM's /run is on its ext4 disk, mounted with
// discard, where each create's and delete's small files cost ~0.5 ms
// each); the bundles stay in the temp directory.
//
// Every figure goes to bench/results.json too (not committed), so that
// runs can be compared. Needs root. These machines are noisy: compare
// figures measured together (ratios), never absolute numbers across
// machines.
//
//   node bench/lifecycle.js [N] [--only-throughput] [--max-concurrency C]
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { makeHelloBundle } = require('./hello-bundle');

const repo = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const runs = Number(args.find((a) => /^\d+$/.test(a) && args[args.indexOf(a) - 1] !== '--max-concurrency') || 30);
const CONCURRENCY = [1, 10, 100, 1000].filter((c) => c <= Number(option('--max-concurrency', 1000)));
/** Lives per throughput measurement: enough that C = 1 and 10 are not one short burst. */
const livesFor = (c) => Math.max(c, 100);
const RESULTS = path.join(__dirname, 'lifecycle-results.json');
const { Container } = require(path.join(repo, 'dist', 'lib'));


function which(name) {
  const res = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() : undefined;
}

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { median: at(0.5), p90: at(0.9) };
}

function timeCli(bin, root, bundle, devnull, n = runs, globalArgs = []) {
  const samples = [];
  for (let i = 0; i < n; i++) {
    const id = `bench-${process.pid}-${i}`;
    const t0 = process.hrtime.bigint();
    const res = spawnSync(bin, [...globalArgs, '--root', root, 'run', '--bundle', bundle, id], { stdio: ['ignore', devnull, 'pipe'] });
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

/** Raises this process's soft RLIMIT_NOFILE to its hard limit: 1,000 lives in flight hold a few fds each. */
function raiseFdLimit() {
  const { native } = require(path.join(repo, 'dist', 'lib', 'native', 'addon'));
  const { RLIMIT } = require(path.join(repo, 'dist', 'lib', 'native', 'constants'));
  const limit = native().getrlimit(RLIMIT.RLIMIT_NOFILE);
  if (limit.soft < limit.hard) native().setrlimit(RLIMIT.RLIMIT_NOFILE, { soft: limit.hard, hard: limit.hard });
  return native().getrlimit(RLIMIT.RLIMIT_NOFILE).soft;
}

/** `lives` whole lives through the library, at most `concurrency` at once; containers per second. */
async function libraryThroughput(root, bundle, devnull, concurrency, lives) {
  let next = 0;
  let failed = 0;
  let firstError;
  const worker = async () => {
    while (next < lives) {
      const id = `bench-tp-${process.pid}-${next++}`;
      try {
        const c = await Container.create({ id, bundle, root, stdio: [0, devnull, 2] });
        await c.start();
        await c.wait();
        await c.delete();
      } catch (err) {
        failed++;
        firstError ??= err;
      }
    }
  };
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { lives, concurrency, seconds, perSecond: (lives - failed) / seconds, failed, error: firstError && String(firstError.message) };
}

/** `lives` runs of `bin run` through `xargs -P concurrency`; containers per second. */
function xargsThroughput(bin, root, bundle, concurrency, lives) {
  const ids = Array.from({ length: lives }, (_, i) => `bench-x-${process.pid}-${concurrency}-${i}`).join('\n');
  const t0 = process.hrtime.bigint();
  const res = spawnSync('xargs', ['-P', String(concurrency), '-I{}', bin, '--root', root, 'run', '--bundle', bundle, '{}'], {
    input: ids,
    stdio: ['pipe', 'ignore', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  // xargs exits 123 when any invocation failed.
  const failed = res.status === 0 ? 0 : lives;
  return { lives, concurrency, seconds, perSecond: (lives - failed) / seconds, failed, error: res.status === 0 ? undefined : String(res.stderr).trim().split('\n')[0] };
}

/**
 * crun refuses a hybrid host whose cgroup2 hierarchy has controllers; such
 * a host is one where it runs only in a private mount namespace without
 * that hierarchy (see the header).
 */
function crunNeedsLegacyView() {
  try {
    return fs.statfsSync('/sys/fs/cgroup').type !== 0x63677270 && fs.readFileSync('/sys/fs/cgroup/unified/cgroup.controllers', 'utf8').trim() !== '';
  } catch {
    return false;
  }
}

/**
 * Measures crun: directly, or through this script in --crun-worker mode in
 * a private mount namespace without /sys/fs/cgroup/unified. `job` is
 * { kind: 'lifecycle', bundle, runs } or { kind: 'throughput', bundle, concurrency, lives }.
 */
function measureCrun(bin, root, job) {
  if (!crunNeedsLegacyView()) return runCrunJob(bin, root, job);
  const res = spawnSync(
    'unshare',
    ['-m', '--propagation', 'private', 'sh', '-c', 'umount /sys/fs/cgroup/unified && exec "$@"', 'sh', process.execPath, __filename, '--crun-worker', JSON.stringify({ bin, root, job })],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (res.status !== 0) throw new Error(`crun worker failed: ${res.stderr}`);
  return JSON.parse(res.stdout);
}

function runCrunJob(bin, root, job) {
  if (job.kind === 'lifecycle') {
    const devnull = fs.openSync('/dev/null', 'w');
    try {
      return timeCli(bin, root, job.bundle, devnull, job.runs, job.globalArgs);
    } finally {
      fs.closeSync(devnull);
    }
  }
  return xargsThroughput(bin, root, job.bundle, job.concurrency, job.lives);
}

const TMPFS_MAGIC = 0x01021994;

/** Where the state roots go: /dev/shm when it is a tmpfs (this VM's /run is on its disk), else the temp directory. */
function stateFs() {
  try {
    if (fs.statfsSync('/dev/shm').type === TMPFS_MAGIC) return '/dev/shm';
  } catch {
    // no /dev/shm
  }
  return os.tmpdir();
}

function hostDescription() {
  return {
    date: new Date().toISOString(),
    kernel: os.release(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    node: process.version,
    loadavg: os.loadavg(),
  };
}

async function main() {
  if (process.getuid() !== 0) throw new Error('the benchmark needs root');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-bench-'));
  // State roots on a tmpfs, as /run is on production hosts, for every runtime alike.
  const roots = fs.mkdtempSync(path.join(stateFs(), 'kapsel-bench-roots-'));
  const devnull = fs.openSync('/dev/null', 'w');
  const report = { host: hostDescription(), runs, lifecycle: {}, throughput: {} };
  try {
    const fdLimit = raiseFdLimit();
    report.host.fdLimit = Number(fdLimit);
    report.host.stateRoots = roots;
    const { podmanSizedProfile } = require(path.join(repo, 'dist', 'test', 'helpers', 'seccomp-profiles'));
    const plainBundle = makeHelloBundle(path.join(work, 'bundle'));
    const bundles = [
      ['', plainBundle],
      [' +seccomp', makeHelloBundle(path.join(work, 'bundle-seccomp'), podmanSizedProfile())],
    ];
    const others = ['runc', 'crun'].map((name) => [name, which(name)]).filter(([, bin]) => bin);
    const results = [];
    if (!flag('--only-throughput')) {
      for (const [suffix, bundle] of bundles) {
        // Warm-up: the page cache, the memfd copy of the init helper.
        await timeLibraryOnce(path.join(roots, `root-warm${suffix.trim()}`), bundle, devnull);
        results.push([`kapsel lib${suffix}`, await timeLibrary(path.join(roots, 'root-lib'), bundle, devnull)]);
        if (!suffix) results.push(['kapsel lib, no cgroups', await timeLibraryWithoutCgroups(path.join(roots, 'root-nocg'), bundle, devnull)]);
        results.push([`kapsel cli${suffix}`, timeCli(path.join(repo, 'bin', 'kapsel'), path.join(roots, 'root-cli'), bundle, devnull)]);
        for (const [name, bin] of others) {
          const root = path.join(roots, `root-${name}`);
          try {
            const job = { kind: 'lifecycle', bundle, runs };
            results.push([`${name}${suffix}`, name === 'crun' ? measureCrun(bin, root, job) : timeCli(bin, root, bundle, devnull)]);
            // The pair of "kapsel lib, no cgroups": crun without any cgroup.
            if (name === 'crun' && !suffix) {
              results.push(['crun, no cgroups', measureCrun(bin, root, { ...job, globalArgs: ['--cgroup-manager=disabled'] })]);
            }
          } catch (err) {
            console.log(`${name}${suffix}: not measured: ${err.message.trim()}`);
          }
        }
      }
      console.log(`container lifecycle (create+start+wait+delete), ${runs} runs each, ms`);
      console.log(`${'runtime'.padEnd(22)}${'median'.padStart(9)}${'p90'.padStart(9)}  vs runc  vs crun  seccomp adds`);
      for (const [name, s] of results) {
        const seccomp = name.endsWith(' +seccomp');
        const plainName = name.replace(' +seccomp', '');
        if (name === 'crun, no cgroups' && !results.some(([n]) => n === 'kapsel lib, no cgroups')) continue;
        const noCgroups = name.endsWith(', no cgroups');
        const against = (other) => {
          const r = results.find(([n]) => n === (seccomp ? `${other} +seccomp` : noCgroups ? `${other}, no cgroups` : other));
          return r ? s.median / r[1].median : undefined;
        };
        const fmt = (x) => (x === undefined ? '-' : `${x.toFixed(2)}x`);
        const plain = name !== plainName ? results.find(([n]) => n === plainName) : undefined;
        const adds = plain ? `${(s.median - plain[1].median).toFixed(1)} ms` : '';
        report.lifecycle[name] = { ...s, vsRunc: against('runc'), vsCrun: against('crun') };
        console.log(`${name.padEnd(22)}${s.median.toFixed(1).padStart(9)}${s.p90.toFixed(1).padStart(9)}  ${fmt(against('runc')).padStart(7)} ${fmt(against('crun')).padStart(7)}  ${adds}`);
      }
    }

    // Concurrent throughput, library vs crun with xargs -P, the same plain bundle.
    const crun = others.find(([name]) => name === 'crun');
    console.log(`\nconcurrent throughput (lives of the plain bundle, at most C at once), containers/s${crun && crunNeedsLegacyView() ? '\n(crun in a private mount namespace without the cgroup2 hierarchy: see the header)' : ''}`);
    console.log(`${'C'.padStart(5)}${'lives'.padStart(7)}${'kapsel lib'.padStart(12)}${'crun xargs'.padStart(12)}${'ratio'.padStart(8)}`);
    for (const c of CONCURRENCY) {
      const lives = livesFor(c);
      const lib = await libraryThroughput(path.join(roots, 'root-tp'), plainBundle, devnull, c, lives);
      let other;
      if (crun) {
        try {
          other = measureCrun(crun[1], path.join(roots, 'root-tp-crun'), { kind: 'throughput', bundle: plainBundle, concurrency: c, lives });
        } catch (err) {
          other = { failed: lives, error: err.message.trim() };
        }
      }
      const ratio = other && !other.failed && !lib.failed ? lib.perSecond / other.perSecond : undefined;
      report.throughput[c] = { kapsel: lib, crun: other, ratio };
      const cell = (r) => (!r ? '-' : r.failed ? `${r.failed} failed` : r.perSecond.toFixed(1));
      console.log(`${String(c).padStart(5)}${String(lives).padStart(7)}${cell(lib).padStart(12)}${cell(other).padStart(12)}${(ratio ? `${ratio.toFixed(2)}x` : '-').padStart(8)}`);
      for (const r of [lib, other]) if (r?.error) console.log(`      ${r === lib ? 'kapsel' : 'crun'}: ${r.error}`);
    }
    const best = (key) => Math.max(...Object.values(report.throughput).map((t) => (t[key] && !t[key].failed ? t[key].perSecond : 0)));
    report.bestPerSecond = { kapsel: best('kapsel'), crun: crun ? best('crun') : undefined };
    if (crun) console.log(`best: kapsel ${report.bestPerSecond.kapsel.toFixed(1)}/s, crun ${report.bestPerSecond.crun.toFixed(1)}/s: ${(report.bestPerSecond.kapsel / report.bestPerSecond.crun).toFixed(2)}x`);
    fs.writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nwritten to ${path.relative(process.cwd(), RESULTS) || RESULTS}`);
  } finally {
    fs.closeSync(devnull);
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(roots, { recursive: true, force: true });
  }
}

async function timeLibraryOnce(root, bundle, devnull) {
  const c = await Container.create({ id: `bench-warm-${process.pid}`, bundle, root, stdio: [0, devnull, 2] });
  await c.start();
  await c.wait();
  await c.delete();
}

if (flag('--crun-worker')) {
  // Inside the private mount namespace: measure, print JSON for the parent.
  const { bin, root, job } = JSON.parse(option('--crun-worker'));
  process.stdout.write(JSON.stringify(runCrunJob(bin, root, job)));
} else {
  main().catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}

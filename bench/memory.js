#!/usr/bin/env node
// Memory benchmark (issue 11, goal 4), in two parts:
//
// 1. The waiting init: the proportional set size (Pss, from
//    /proc/PID/smaps_rollup) of a created container's init while it waits
//    for `start`, with the mappings that make it up (the helper's program,
//    mapped from its sealed memfd; heap; stack; the rest). Measured for a
//    plain bundle, for a podman-sized seccomp profile (the filter installed
//    before the wait, and after it with noNewPrivileges), for N containers
//    created together from one process (they map the same memfd, so its
//    pages are shared among them), and for crun and runc when installed.
//    Also the size of the memfd itself: a container created by the CLI
//    keeps its own copy of the helper alive until it starts, which no
//    process's Pss shows.
// 2. The Node process: heap used (after a full GC), RSS and open fds
//    before and after C cycles (default 1,000) of create + delete -f, and
//    of create + start + wait + delete, all from one process through the
//    library. A leak shows as growth that scales with C.
//
// Needs root. Prints a report and writes bench/memory-results.json.
//
// Then it checks the goals and says which are met (exit status 1 if one is
// not): a waiting init of the plain bundle at most 0.2 MiB Pss; the Node
// process flat over the cycles: the same open fds and active handles
// (process.getActiveResourcesInfo) after as before, and heap used (after a
// full GC) growing by at most 1 MiB over the second half of the cycles (a
// leak grows in both halves; V8 settling its heap does not).
//
//   node bench/memory.js [CYCLES]     (default 10,000; 0: the waiting init only)
'use strict';
const { spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

if (typeof global.gc !== 'function') {
  // A heap figure is only comparable after a full collection.
  const res = spawnSync(process.execPath, ['--expose-gc', __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(res.status === null ? 1 : res.status);
}

const repo = path.resolve(__dirname, '..');
const cycles = process.argv[2] === undefined ? 10000 : Number(process.argv[2]);
const { Container, defaultSpec } = require(path.join(repo, 'dist', 'lib'));

function makeBundle(dir, hello, options = {}) {
  fs.mkdirSync(path.join(dir, 'rootfs'), { recursive: true });
  fs.copyFileSync(hello, path.join(dir, 'rootfs', 'hello'));
  fs.chmodSync(path.join(dir, 'rootfs', 'hello'), 0o755);
  const spec = defaultSpec({ rootless: false });
  spec.process.terminal = false;
  spec.process.args = ['/hello'];
  // Debian's crun refuses versions newer than it knows.
  spec.ociVersion = '1.0.2';
  if (options.seccomp) spec.linux.seccomp = options.seccomp;
  if (options.noNewPrivileges !== undefined) spec.process.noNewPrivileges = options.noNewPrivileges;
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
  return dir;
}

function buildHello(dir) {
  const src = path.join(dir, 'hello.c');
  fs.writeFileSync(src, '#include <stdio.h>\nint main(void) { puts("Hello World"); return 0; }\n');
  const out = path.join(dir, 'hello');
  execFileSync('gcc', ['-static', '-O2', '-o', out, src]);
  return out;
}

/** smaps_rollup's totals, in KiB. */
function rollup(pid) {
  const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const field = (name) => Number((text.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm')) ?? [])[1] ?? NaN);
  return { pss: field('Pss'), rss: field('Rss'), pssAnon: field('Pss_Anon'), pssFile: field('Pss_File'), pssShmem: field('Pss_Shmem') };
}

/** Pss per kind of mapping, in KiB: files (the program and its libraries), heap, stack, other anonymous. */
function breakdown(pid) {
  const parts = { files: 0, heap: 0, stack: 0, anonymous: 0, other: 0 };
  let kind = 'other';
  for (const line of fs.readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = line.match(/^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ (\d+)\s*(.*)$/);
    if (head) {
      const [, inode, name] = head;
      kind = name === '[heap]' ? 'heap' : name === '[stack]' ? 'stack' : inode !== '0' ? 'files' : name === '' ? 'anonymous' : 'other';
      continue;
    }
    const pss = line.match(/^Pss:\s+(\d+) kB/);
    if (pss) parts[kind] += Number(pss[1]);
  }
  return parts;
}

function sizeOfExe(pid) {
  try {
    return Math.round(fs.statSync(`/proc/${pid}/exe`).size / 1024);
  } catch {
    return NaN;
  }
}

function which(name) {
  const res = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() : undefined;
}

/**
 * Resolves once `pid` blocks in the open of the exec fifo (the kernel's
 * wait_for_partner): create returns when the init reports "ready", a few
 * instructions before it gives memory back and blocks.
 */
async function untilWaiting(pid) {
  for (let i = 0; i < 200; i++) {
    if (fs.readFileSync(`/proc/${pid}/wchan`, 'utf8').trim() === 'wait_for_partner') return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`the init ${pid} never blocked on the exec fifo`);
}

/** Creates `count` containers together, measures their inits, deletes them. */
async function measureKapsel(root, bundle, count, devnull) {
  const ids = Array.from({ length: count }, (_, i) => `mem-${process.pid}-${i}`);
  const containers = await Promise.all(ids.map((id) => Container.create({ id, bundle, root, stdio: [0, devnull, 2] })));
  try {
    const pids = containers.map((c) => c.state().pid);
    for (const pid of pids) await untilWaiting(pid);
    const rolls = pids.map(rollup);
    const mean = (key) => rolls.reduce((sum, r) => sum + r[key], 0) / rolls.length;
    return { pss: mean('pss'), rss: mean('rss'), parts: breakdown(pids[0]), memfd: sizeOfExe(pids[0]) };
  } finally {
    await Promise.all(containers.map((c) => c.delete({ force: true })));
  }
}

/** `RUNTIME create`, then the Pss of the process `RUNTIME state` names. */
function measureOther(bin, root, bundle, devnull) {
  const id = `mem-${path.basename(bin)}-${process.pid}`;
  const run = (...args) => spawnSync(bin, ['--root', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  // The container's init inherits create's stdio: a pipe there would stay
  // open until the container is deleted, and spawnSync wait for it.
  const errFile = path.join(root + '.stderr');
  const err = fs.openSync(errFile, 'w');
  let created;
  try {
    created = spawnSync(bin, ['--root', root, 'create', '--bundle', bundle, id], { stdio: ['ignore', devnull, err] });
  } finally {
    fs.closeSync(err);
  }
  if (created.status !== 0) throw new Error(fs.readFileSync(errFile, 'utf8').trim() || `${bin} create failed`);
  try {
    const pid = JSON.parse(run('state', id).stdout).pid;
    const r = rollup(pid);
    return { pss: r.pss, rss: r.rss, parts: breakdown(pid) };
  } finally {
    run('delete', '-f', id);
  }
}

function fdCount() {
  return fs.readdirSync('/proc/self/fd').length;
}

/** Active handles and requests of the event loop, but this script's own timers (none are pending between cycles). */
function handleCount() {
  return process.getActiveResourcesInfo().filter((kind) => kind !== 'Timeout').length;
}

/** The goals (issue: keep memory), each with its measured figure and whether it is met. */
function checkGoals(results) {
  const goals = [];
  const init = results.init.find((r) => r.name === 'kapsel, 1 container');
  if (init) goals.push({ goal: 'waiting init <= 0.2 MiB Pss', measured: `${init.pss.toFixed(0)} KiB`, met: init.pss <= 0.2 * 1024 });
  for (const r of results.node) {
    const growth = r.after.heapUsedKiB - r.half.heapUsedKiB;
    goals.push({ goal: `${r.name}: open fds flat`, measured: `${r.before.fds} -> ${r.after.fds}`, met: r.after.fds <= r.before.fds });
    goals.push({ goal: `${r.name}: active handles flat`, measured: `${r.before.handles} -> ${r.after.handles}`, met: r.after.handles <= r.before.handles });
    goals.push({ goal: `${r.name}: heap used +<= 1 MiB over the second half`, measured: `${r.half.heapUsedKiB} -> ${r.after.heapUsedKiB} KiB (${growth >= 0 ? '+' : ''}${growth})`, met: growth <= 1024 });
    goals.push({ goal: `${r.name}: every cycle succeeded`, measured: `${r.failures} failed`, met: r.failures === 0 });
  }
  return goals;
}

function snapshot() {
  global.gc();
  const m = process.memoryUsage();
  const kib = (n) => Math.round(n / 1024);
  return { heapUsedKiB: kib(m.heapUsed), heapTotalKiB: kib(m.heapTotal), rssKiB: kib(m.rss), externalKiB: kib(m.external), fds: fdCount(), handles: handleCount() };
}

/**
 * C cycles of `life`, after a warm-up; the process's figures before, half
 * way and after (a leak grows in both halves; V8 sizing its heap up does
 * not). A cycle that throws is counted (and its container deleted by
 * `life`), not fatal: a leak check should see every cycle through.
 */
async function measureGrowth(name, life) {
  let failures = 0;
  let firstFailure;
  const cycle = async (id) => {
    try {
      await life(id);
    } catch (err) {
      failures++;
      firstFailure ??= `${id}: ${err.message}`;
    }
  };
  for (let i = 0; i < 20; i++) await cycle(`mem-${process.pid}-${name}-warm-${i}`);
  const before = snapshot();
  let half;
  for (let i = 0; i < cycles; i++) {
    if (i === Math.floor(cycles / 2)) half = snapshot();
    await cycle(`mem-${process.pid}-${name}-${i}`);
  }
  const after = snapshot();
  return { before, half, after, failures, firstFailure };
}

async function main() {
  if (process.getuid() !== 0) throw new Error('the benchmark needs root');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-mem-'));
  const devnull = fs.openSync('/dev/null', 'w');
  const results = { date: new Date().toISOString(), machine: `${os.cpus().length} cpus, ${os.release()}`, init: [], node: [] };
  try {
    const hello = buildHello(work);
    const { podmanSizedProfile } = require(path.join(repo, 'dist', 'test', 'helpers', 'seccomp-profiles'));
    const plain = makeBundle(path.join(work, 'plain'), hello);
    const filtered = makeBundle(path.join(work, 'seccomp'), hello, { seccomp: podmanSizedProfile(), noNewPrivileges: false });
    const filteredNnp = makeBundle(path.join(work, 'seccomp-nnp'), hello, { seccomp: podmanSizedProfile(), noNewPrivileges: true });
    const root = path.join(work, 'root');

    const rows = [
      ['kapsel, 1 container', plain, 1],
      ['kapsel, 10 together', plain, 10],
      ['kapsel +seccomp', filtered, 1],
      ['kapsel +seccomp +nnp', filteredNnp, 1],
    ];
    for (const [name, bundle, count] of rows) results.init.push({ name, ...(await measureKapsel(root, bundle, count, devnull)) });
    for (const name of ['crun', 'runc']) {
      const bin = which(name);
      if (!bin) continue;
      try {
        results.init.push({ name, ...measureOther(bin, path.join(work, `root-${name}`), plain, devnull) });
      } catch (err) {
        console.log(`${name}: not measured: ${err.message}`);
      }
    }

    if (cycles > 0) results.node.push({
      name: 'create + delete -f',
      ...(await measureGrowth('cd', async (id) => {
        const c = await Container.create({ id, bundle: plain, root, stdio: [0, devnull, 2] });
        await c.delete({ force: true });
      })),
    });
    if (cycles > 0) results.node.push({
      name: 'create + start + wait + delete',
      ...(await measureGrowth('life', async (id) => {
        const c = await Container.create({ id, bundle: plain, root, stdio: [0, devnull, 2] });
        try {
          await c.start();
          await c.wait();
        } finally {
          await c.delete({ force: true });
        }
      })),
    });
  } finally {
    fs.closeSync(devnull);
    fs.rmSync(work, { recursive: true, force: true });
  }

  const kib = (n) => (Number.isFinite(n) ? n.toFixed(0) : '-').padStart(7);
  console.log('waiting init (KiB; Pss per init; files/heap/stack/anon: Pss of those mappings in the first init)');
  console.log(`${'runtime'.padEnd(24)}${'Pss'.padStart(7)}${'Rss'.padStart(7)}${'files'.padStart(9)}${'heap'.padStart(7)}${'stack'.padStart(7)}${'anon'.padStart(7)}${'memfd'.padStart(8)}`);
  for (const r of results.init) {
    const p = r.parts;
    console.log(`${r.name.padEnd(24)}${kib(r.pss)}${kib(r.rss)}  ${kib(p.files)}${kib(p.heap)}${kib(p.stack)}${kib(p.anonymous + p.other)} ${kib(r.memfd)}`);
  }
  if (cycles > 0) console.log(`\nNode process: before, half way through and after ${cycles} cycles from one process (KiB, after a full GC)`);
  if (cycles > 0) console.log('(RSS - heap total: what is not the V8 heap, native allocations included)');
  for (const r of results.node) {
    const at = (s) => ({ ...s, nativeKiB: s.rssKiB - s.heapTotalKiB });
    const points = [at(r.before), at(r.half), at(r.after)];
    const row = (label, key) => `  ${label.padEnd(20)}${points.map((p) => String(p[key]).padStart(10)).join('')}`;
    console.log(r.name);
    console.log(row('heap used', 'heapUsedKiB'));
    console.log(row('heap total', 'heapTotalKiB'));
    console.log(row('RSS', 'rssKiB'));
    console.log(row('RSS - heap total', 'nativeKiB'));
    console.log(row('open fds', 'fds'));
    console.log(row('active handles', 'handles'));
    if (r.failures > 0) console.log(`  ${r.failures} cycles failed; the first: ${r.firstFailure}`);
  }
  results.goals = checkGoals(results);
  console.log('\ngoals');
  for (const g of results.goals) console.log(`  ${g.met ? 'met    ' : 'NOT MET'}  ${g.goal.padEnd(58)} ${g.measured}`);
  fs.writeFileSync(path.join(__dirname, 'memory-results.json'), JSON.stringify(results, null, 2) + '\n');
  if (results.goals.some((g) => !g.met)) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

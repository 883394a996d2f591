#!/usr/bin/env node
// `npm run bench`: kapsel against the physical floor, in one run.
//
// The floor (floor.c, the kernel work of one container life and nothing
// else: see its README) is the yardstick; every other row is a ratio to it,
// measured in the same rounds so that the machine's load hits every row
// alike. Per round, in an order shuffled afresh each round, one life
// each of:
//   - the floor with cgroups (a long-lived `floor --serve` child, timed
//     inside the floor), and the floor spawned per life (`floor --once`: the
//     fair pair of the CLI runtimes, which pay a process start too);
//   - the kapsel library, cold (Container.create/start/wait/delete);
//   - the kapsel library from a warm pool, when the library exports one
//     (`Container.pool`), else "not available";
//   - crun and runc (`run`), when installed;
//   - the CLI cases of cli-latency.js: `node -e 0`, `kapsel state`, `kill`,
//     `list`, `run`, each also as its difference to the `node -e 0` of the
//     same round.
// Then throughput: LIVES lives with PAR in flight, the floor (threads), the
// library (a Promise pool), the pool when there is one.
//
// Prints medians, p10, p90, CPU per life and the ratios (the median of the
// per-round ratios: steadier than a ratio of medians on a loaded machine),
// and writes everything to bench/results.json (not committed).
//
//   node bench/index.js [--rounds 20] [--lives 200] [--par 10]
//                       [--no-throughput] [--no-cli] [--no-runtimes] [--json FILE]
//                       [--baseline DIR]
//   --baseline DIR: another built kapsel tree (an older checkout), its library
//   life in the same rounds and its throughput too: a before/after in one run.
//
// Root, gcc (the floor and the bundle's static /true). The floor's source:
// $KAPSEL_FLOOR_C, else bench/floor/floor.c (the floor program, kept in the
// repository so that a fresh clone measures against it), else
// ../shared/floor/floor.c beside the checkout.
'use strict';
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const { once } = require('node:events');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { cliCases, timeCliCase } = require('./cli-latency');

const repo = path.resolve(__dirname, '..');
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
const flag = (name) => argv.includes(name);
const ROUNDS = Number(option('--rounds', 20));
const LIVES = Number(option('--lives', 200));
const PAR = Number(option('--par', 10));
const RESULTS = path.resolve(option('--json', path.join(__dirname, 'results.json')));

const sorted = (a) => a.filter((x) => Number.isFinite(x)).sort((x, y) => x - y);
const q = (a, p) => {
  const s = sorted(a);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
};
const med = (a) => q(a, 0.5);
const msSince = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');

function shuffled(list) {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function which(name) {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function floorSource() {
  const candidates = [process.env.KAPSEL_FLOOR_C, path.join(repo, 'bench', 'floor', 'floor.c'), path.join(repo, '..', 'shared', 'floor', 'floor.c')].filter(Boolean);
  return candidates.find((p) => fs.existsSync(p));
}

/** CPU so far, ms: this process (every thread) and its reaped children (10 ms ticks). */
function cpuNow() {
  const u = process.cpuUsage();
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { self: (u.user + u.system) / 1000, children: (Number(fields[13]) + Number(fields[14])) * 10 };
}

/** The benchmark bundle of the floor: a static /true, `kapsel spec`'s config, no resources. */
function buildBundle(work, dir) {
  fs.mkdirSync(path.join(dir, 'rootfs'), { recursive: true });
  fs.copyFileSync(path.join(work, 'true'), path.join(dir, 'rootfs', 'true'));
  execFileSync(path.join(repo, 'bin', 'kapsel'), ['spec'], { cwd: dir });
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  spec.process.args = ['/true'];
  spec.process.terminal = false;
  spec.ociVersion = '1.0.2'; // Debian's crun 1.8 refuses newer versions
  delete spec.linux.resources;
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
  return dir;
}

/**
 * A line-oriented timing server: `spawnArgs` starts a process that answers
 * each request line with "ok MICROSECONDS ..." (floor --serve), or this
 * script's --cli-worker (crun in a legacy cgroup view).
 */
function startServer(file, args) {
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (l) => waiting.shift()?.(l));
  return {
    async ask(request) {
      const reply = new Promise((resolve) => waiting.push(resolve));
      child.stdin.write(`${request}\n`);
      const line = await reply;
      if (!line.startsWith('ok ')) throw new Error(`${path.basename(file)} ${request}: ${line}`);
      const [, micros, ...rest] = line.split(' ');
      return { ms: Number(micros) / 1000, extra: rest };
    },
    async stop() {
      child.stdin.end('q\n');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

/** crun 1.8 refuses a hybrid host whose cgroup2 hierarchy has controllers (see lifecycle.js). */
function crunNeedsLegacyView() {
  try {
    return fs.statfsSync('/sys/fs/cgroup').type !== 0x63677270 && fs.readFileSync('/sys/fs/cgroup/unified/cgroup.controllers', 'utf8').trim() !== '';
  } catch {
    return false;
  }
}

/** Runs `bin --root ROOT run --bundle B ID`; ms, and the children's CPU (10 ms ticks). */
function cliLife(bin, root, bundle, id, devnull) {
  const c0 = cpuNow().children;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(bin, ['--root', root, 'run', '--bundle', bundle, id], { stdio: ['ignore', devnull, 'pipe'] });
  const t = msSince(t0);
  if (r.status !== 0) throw new Error(`${path.basename(bin)} run: status ${r.status}: ${String(r.stderr).trim()}`);
  return { ms: t, cpu: cpuNow().children - c0 };
}

/**
 * --cli-worker: run inside `unshare -m` with /sys/fs/cgroup/unified
 * unmounted, one `run` per request line "ID", answering "ok MICROS CPU".
 */
function cliWorker() {
  const { bin, root, bundle } = JSON.parse(option('--cli-worker'));
  const devnull = fs.openSync('/dev/null', 'w');
  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', (id) => {
    if (id === 'q') return process.exit(0);
    try {
      const r = cliLife(bin, root, bundle, id, devnull);
      process.stdout.write(`ok ${Math.round(r.ms * 1000)} ${r.cpu}\n`);
    } catch (err) {
      process.stdout.write(`error ${String(err.message).replace(/\n/g, ' ')}\n`);
    }
  });
}

/** The pool the library exports, if any (`Container.pool`): null when not available. */
async function openPool(Container, bundle, root, devnull) {
  if (typeof Container.pool !== 'function') return null;
  const pool = await Container.pool({ size: PAR, bundle, root, stdio: [0, devnull, 2] });
  const create = typeof pool.create === 'function' ? (opts) => pool.create(opts) : (opts) => Container.create({ ...opts, pool });
  const close = async () => {
    if (typeof pool.close === 'function') await pool.close();
    else if (typeof pool[Symbol.asyncDispose] === 'function') await pool[Symbol.asyncDispose]();
  };
  return { create, close };
}

async function libraryLife(create, bundle, root, id, devnull) {
  const c0 = cpuNow();
  const t0 = process.hrtime.bigint();
  const c = await create({ id, bundle, root, stdio: [0, devnull, 2] });
  await c.start();
  const r = await c.wait();
  await c.delete();
  const t = msSince(t0);
  const c1 = cpuNow();
  if (r.exitCode !== 0) throw new Error(`library life ${id}: ${JSON.stringify(r)}`);
  return { ms: t, cpu: c1.self - c0.self + c1.children - c0.children };
}

async function promisePool(lives, par, life) {
  let next = 0;
  let failed = 0;
  let error;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: par }, async () => {
      while (next < lives) {
        const i = next++;
        try {
          await life(i);
        } catch (err) {
          failed++;
          error ??= err.message;
        }
      }
    }),
  );
  return { perSecond: (lives - failed) / (msSince(t0) / 1000), failed, error };
}

/** Where the state roots go: /dev/shm when it is a tmpfs (as /run is on production hosts). */
function stateParent() {
  try {
    if (fs.statfsSync('/dev/shm').type === 0x01021994) return '/dev/shm';
  } catch {
    // no /dev/shm
  }
  return os.tmpdir();
}

async function main() {
  if (process.getuid() !== 0) throw new Error('npm run bench needs root');
  const { Container } = require(path.join(repo, 'dist', 'lib'));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-bench-'));
  const roots = fs.mkdtempSync(path.join(stateParent(), 'kapsel-bench-roots-'));
  const devnull = fs.openSync('/dev/null', 'w');
  const tag = `bench-${process.pid}`;
  const servers = [];
  let pool = null;
  try {
    fs.writeFileSync(path.join(work, 't.c'), 'int main(void){return 0;}\n');
    execFileSync('gcc', ['-static', '-O2', '-o', path.join(work, 'true'), path.join(work, 't.c')]);
    const bundle = buildBundle(work, path.join(work, 'b'));
    const host = { date: new Date().toISOString(), kernel: os.release(), cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, loadavgBefore: os.loadavg(), stateRoots: roots };
    const notes = {};

    /** kinds: [name, label, life(i) -> { ms, cpu? }] */
    const kinds = [];
    const floorPhases = [];
    const src = floorSource();
    let floorBin;
    if (src) {
      floorBin = path.join(work, 'floor');
      execFileSync('gcc', ['-O2', '-static', '-o', floorBin, src]);
      const floor = startServer(floorBin, ['--serve', bundle]);
      servers.push(floor);
      kinds.push(['floor', 'floor, cgroups (in-process)', async () => {
        const r = await floor.ask('cg');
        // The floor's phases (µs), among them the kernel's own waits: the first v1 placement, the old root's detach.
        const phases = Object.fromEntries(r.extra.map((kv) => kv.split('=')).map(([k, v]) => [k, Number(v)]));
        floorPhases.push(phases);
        return { ms: r.ms, cpu: phases.cpu / 1000 };
      }]);
      kinds.push(['floorOnce', 'floor --once (spawned)', () => {
        const c0 = cpuNow().children;
        const t0 = process.hrtime.bigint();
        const r = spawnSync(floorBin, ['--once', bundle, 'cg'], { stdio: ['ignore', devnull, 'pipe'] });
        if (r.status !== 0) throw new Error(`floor --once: ${r.stderr}`);
        return { ms: msSince(t0), cpu: cpuNow().children - c0 };
      }]);
    } else {
      notes.floor = 'not available: floor.c not found (set KAPSEL_FLOOR_C)';
    }
    const kapselRoot = path.join(roots, 'kapsel');
    kinds.push(['library', 'kapsel library, cold', (i) => libraryLife((o) => Container.create(o), bundle, kapselRoot, `${tag}-l${i}`, devnull)]);
    const baselineDir = option('--baseline');
    const Baseline = baselineDir ? require(path.join(path.resolve(baselineDir), 'dist', 'lib')).Container : undefined;
    if (Baseline) kinds.push(['baseline', `kapsel library, ${path.basename(path.resolve(baselineDir))}`, (i) => libraryLife((o) => Baseline.create(o), bundle, path.join(roots, 'baseline'), `${tag}-b${i}`, devnull)]);
    pool = await openPool(Container, bundle, path.join(roots, 'pool'), devnull);
    if (pool) kinds.push(['pooled', 'kapsel library, pooled', (i) => libraryLife(pool.create, bundle, path.join(roots, 'pool'), `${tag}-p${i}`, devnull)]);
    else notes.pooled = 'not available (no Container.pool in this build)';
    if (!flag('--no-runtimes')) {
      for (const name of ['crun', 'runc']) {
        const bin = which(name);
        if (!bin) {
          notes[name] = 'not installed';
          continue;
        }
        const root = path.join(roots, name);
        if (name === 'crun' && crunNeedsLegacyView()) {
          const worker = startServer('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'umount /sys/fs/cgroup/unified && exec "$@"', 'sh', process.execPath, __filename, '--cli-worker', JSON.stringify({ bin, root, bundle })]);
          servers.push(worker);
          notes.crun = 'in a private mount namespace without the cgroup2 hierarchy (crun 1.8 refuses this hybrid host)';
          kinds.push([name, `${name} run`, async (i) => {
            const r = await worker.ask(`${tag}-${name}${i}`);
            return { ms: r.ms, cpu: Number(r.extra[0]) };
          }]);
        } else {
          kinds.push([name, `${name} run`, (i) => cliLife(bin, root, bundle, `${tag}-${name}${i}`, devnull)]);
        }
      }
    }
    const cli = flag('--no-cli') ? [] : cliCases(path.join(work, 'cli'), []).filter((c) => !c.label.startsWith('crun'));
    for (const c of cli) kinds.push([`cli:${c.label}`, c.label, (i) => ({ ms: timeCliCase(c, i, devnull) })]);

    // Warm-up: page cache, JIT, the helper's memfd; a kind that fails here is left out.
    for (const k of [...kinds]) {
      try {
        await k[2]('warm');
      } catch (err) {
        notes[k[0]] = `not measured: ${err.message}`;
        kinds.splice(kinds.indexOf(k), 1);
      }
    }
    const times = Object.fromEntries(kinds.map(([k]) => [k, []]));
    const cpu = Object.fromEntries(kinds.map(([k]) => [k, []]));
    for (let r = 0; r < ROUNDS; r++) {
      // A fresh order each round, not a rotation: a rotation keeps the same
      // neighbours, and a life right after another runtime's pays less of
      // the kernel's first-migration wait (a v1 cgroup.procs write soon
      // after another finds the RCU grace period done).
      const order = shuffled(kinds);
      for (let j = 0; j < order.length; j++) {
        const [k, , life] = order[j];
        try {
          const res = await life(r);
          times[k].push(res.ms);
          cpu[k].push(res.cpu ?? NaN);
        } catch (err) {
          times[k].push(NaN);
          cpu[k].push(NaN);
          notes[k] ??= `failed in round ${r}: ${err.message}`;
        }
      }
    }
    host.loadavgAfterRounds = os.loadavg();

    const mean = (a) => {
      const s = a.filter(Number.isFinite);
      return s.length ? s.reduce((x, y) => x + y, 0) / s.length : NaN;
    };
    const perRound = (a, b) => med(times[a].map((x, i) => x / times[b][i]));
    const R = { host, rounds: ROUNDS, notes, lives: {}, cli: {}, throughput: {}, goals: {} };
    console.log(`one life (create..delete), ${ROUNDS} rounds interleaved, ms; kernel ${host.kernel}, ${host.cpus} cpus, node ${host.node}`);
    console.log(`${'runtime'.padEnd(30)}${'median'.padStart(8)}${'p10'.padStart(8)}${'p90'.padStart(8)}${'cpu/life'.padStart(10)}${'vs floor'.padStart(10)}${'(of medians)'.padStart(14)}`);
    for (const [k, label] of kinds.filter(([k]) => !k.startsWith('cli:'))) {
      const base = k === 'crun' || k === 'runc' ? 'floorOnce' : 'floor';
      const s = { label, median: med(times[k]), p10: q(times[k], 0.1), p90: q(times[k], 0.9), cpuPerLife: mean(cpu[k]) };
      if (times.floor && k !== 'floor') {
        s.vsFloor = perRound(k, 'floor');
        s.vsFloorOfMedians = s.median / med(times.floor);
      }
      if (times.floorOnce && base === 'floorOnce') s.vsFloorOnce = perRound(k, 'floorOnce');
      R.lives[k] = s;
      console.log(`${label.padEnd(30)}${f(s.median).padStart(8)}${f(s.p10).padStart(8)}${f(s.p90).padStart(8)}${f(s.cpuPerLife).padStart(10)}${(s.vsFloor ? `${f(s.vsFloor, 2)}x` : '').padStart(10)}${(s.vsFloorOfMedians ? `${f(s.vsFloorOfMedians, 2)}x` : '').padStart(14)}${s.vsFloorOnce ? `  (${f(s.vsFloorOnce, 2)}x floor --once)` : ''}`);
    }
    for (const k of ['pooled', 'crun', 'runc', 'floor']) if (notes[k] && !R.lives[k]) console.log(`${k}: ${notes[k]}`);
    if (floorPhases.length > 0) {
      R.floorPhases = Object.fromEntries(Object.keys(floorPhases[0]).map((p) => [p, med(floorPhases.map((x) => x[p]))]));
      console.log(`floor phases, medians (µs): ${Object.entries(R.floorPhases).map(([p, v]) => `${p} ${f(v, 0)}`).join(', ')}`);
    }
    if (cli.length) {
      const node = times['cli:node -e 0'];
      console.log(`\nCLI, per call (same rounds), ms${'median'.padStart(8)}${'p90'.padStart(8)}${'over node -e 0'.padStart(16)}`);
      for (const c of cli) {
        const t = times[`cli:${c.label}`];
        if (!t) continue;
        const s = { median: med(t), p90: q(t, 0.9), overNode: med(t.map((x, i) => x - node[i])) };
        R.cli[c.label] = s;
        console.log(`${c.label.padEnd(30)}${f(s.median).padStart(8)}${f(s.p90).padStart(8)}${f(s.overNode).padStart(16)}`);
      }
    }

    if (!flag('--no-throughput')) {
      console.log(`\nthroughput: ${LIVES} lives, ${PAR} in flight, lives/s`);
      if (floorBin) {
        const r = spawnSync(floorBin, ['--throughput', bundle, String(LIVES), String(PAR), 'cg'], { encoding: 'utf8' });
        R.throughput.floor = r.status === 0 ? JSON.parse(r.stdout.trim().split('\n').pop()) : { perSecond: NaN, error: r.stderr.trim() };
      }
      R.throughput.library = await promisePool(LIVES, PAR, (i) => libraryLife((o) => Container.create(o), bundle, kapselRoot, `${tag}-t${i}`, devnull));
      if (Baseline) R.throughput.baseline = await promisePool(LIVES, PAR, (i) => libraryLife((o) => Baseline.create(o), bundle, path.join(roots, 'baseline'), `${tag}-tb${i}`, devnull));
      if (pool) R.throughput.pooled = await promisePool(LIVES, PAR, (i) => libraryLife(pool.create, bundle, path.join(roots, 'pool'), `${tag}-tp${i}`, devnull));
      for (const [k, t] of Object.entries(R.throughput)) {
        if (k !== 'floor' && R.throughput.floor) t.vsFloor = t.perSecond / R.throughput.floor.perSecond;
        console.log(`${k.padEnd(30)}${f(t.perSecond).padStart(8)}${t.vsFloor ? `  ${f(t.vsFloor, 2)}x floor` : ''}${t.failed ? `  (${t.failed} failed: ${t.error})` : ''}`);
      }
      if (!pool) console.log(`pooled: ${notes.pooled}`);
    }

    // The issue's goals, as measured in this run.
    const cliOver = (label) => R.cli[label]?.overNode;
    R.goals = {
      'library life <= 2x floor': R.lives.library?.vsFloor,
      'library throughput >= 0.6x floor': R.throughput.library?.vsFloor,
      'pooled create..delete <= 0.5x floor': R.lives.pooled?.vsFloor,
      'kapsel state <= node -e 0 + 10 ms': cliOver('kapsel state <missing>'),
      'kapsel run <= node -e 0 + 20 ms': cliOver('kapsel run'),
    };
    console.log('\ngoals (measured):');
    for (const [g, v] of Object.entries(R.goals)) console.log(`  ${g.padEnd(40)} ${v === undefined ? 'not measured' : f(v, 2)}`);
    host.loadavgAfter = os.loadavg();
    fs.writeFileSync(RESULTS, `${JSON.stringify(R, null, 2)}\n`);
    console.log(`\nwritten to ${path.relative(process.cwd(), RESULTS) || RESULTS}`);
  } finally {
    for (const s of servers) await s.stop().catch(() => {});
    if (pool) await pool.close().catch(() => {});
    fs.closeSync(devnull);
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(roots, { recursive: true, force: true });
  }
}

if (flag('--cli-worker')) cliWorker();
else
  main().catch((err) => {
    console.error(err.stack || err.message);
    process.exit(1);
  });

#!/usr/bin/env node
// CLI latency benchmark: what one `kapsel` call costs over Node's own
// start-up. Engines call the runtime several times per container (state,
// kill, delete), so this is what they pay each time. Measured, interleaved
// round by round so that the machine's load hits every case alike:
//   - `node -e 0`: Node's own start, the floor;
//   - `kapsel state <missing id>`, `kapsel kill <missing id>`, `kapsel list`
//     on an empty root: the commands that never create anything;
//   - `kapsel run` of a static hello-world bundle (create+start+wait+delete,
//     the container's life included; root only);
//   - the same life through the library in a fresh `node` process (what
//     `kapsel run` would cost with a CLI layer of zero: Node's start, the
//     library's modules and the addon loaded unbundled, the life itself);
//   - `crun state <missing id>` and `crun run`, when installed, for scale.
// Prints the median and p90 of N rounds (default 40), and the median of the
// per-round differences to node -e 0 (each call minus the node -e 0 of the
// same round: steadier than a difference of medians when the machine's
// load changes during the run). These machines are noisy: compare figures
// of one run only.
//
// --also LABEL=PATH measures another kapsel executable alike (LABEL state,
// LABEL run, ...), e.g. an older build, in the same rounds.
//
//   node bench/cli-latency.js [N] [--json FILE] [--also LABEL=PATH]...
//
// Also a module: measureCliLatency({ rounds, others }) returns the figures
// and printCliLatency(report) prints them, for a bench that runs it along
// with others.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { makeHelloBundle } = require('./hello-bundle');

const repo = path.resolve(__dirname, '..');
const kapsel = path.join(repo, 'bin', 'kapsel');

function which(name) {
  const res = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() : undefined;
}


/** Median and p90 of the samples that are numbers (a failed call is NaN). */
function stats(samples) {
  const s = samples.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { median: at(0.5), p90: at(0.9) };
}

/**
 * The cases: a label, and a function returning [file, argv] for round i
 * (run needs a fresh id each time). `ok` says which exit statuses are the
 * expected answer (state of a missing id fails, by design).
 */
function cases(work, others) {
  const root = path.join(work, 'root');
  const kapsels = [{ label: 'kapsel', file: kapsel }, ...others];
  const list = [{ label: 'node -e 0', argv: () => [process.execPath, ['-e', '0']], ok: [0] }];
  for (const k of kapsels) {
    list.push(
      { label: `${k.label} state <missing>`, argv: () => [k.file, ['--root', root, 'state', 'missing']], ok: [1] },
      { label: `${k.label} kill <missing>`, argv: () => [k.file, ['--root', root, 'kill', 'missing', 'KILL']], ok: [1] },
      { label: `${k.label} list`, argv: () => [k.file, ['--root', root, 'list']], ok: [0] },
    );
  }
  const crun = which('crun');
  if (crun) list.push({ label: 'crun state <missing>', argv: () => [crun, ['--root', path.join(work, 'root-crun'), 'state', 'missing']], ok: [1] });
  if (process.getuid() === 0 && which('gcc')) {
    const bundle = makeHelloBundle(path.join(work, 'bundle'));
    const life = `
      const { Container } = require(${JSON.stringify(path.join(repo, 'dist', 'lib'))});
      (async () => {
        const c = await Container.create({ id: process.argv[1], bundle: ${JSON.stringify(bundle)}, root: ${JSON.stringify(root)}, stdio: [0, 1, 2] });
        await c.start();
        await c.wait();
        await c.delete();
      })().catch((err) => { console.error(err.message); process.exit(1); });`;
    list.push({ label: 'node + library life', argv: (i) => [process.execPath, ['-e', life, `lib-${process.pid}-${i}`]], ok: [0] });
    for (const k of kapsels) {
      list.push({ label: `${k.label} run`, argv: (i) => [k.file, ['--root', root, 'run', '--bundle', bundle, `lat-${process.pid}-${k.label}-${i}`]], ok: [0] });
    }
    if (crun) {
      list.push({
        label: 'crun run',
        argv: (i) => [crun, ['--root', path.join(work, 'root-crun'), 'run', '--bundle', bundle, `lat-${process.pid}-${i}`]],
        ok: [0],
        optional: true,
      });
    }
  } else {
    console.log('kapsel run: not measured (needs root and gcc)');
  }
  return list;
}

function timeOnce(c, i, devnull) {
  const [file, argv] = c.argv(i);
  const t0 = process.hrtime.bigint();
  const res = spawnSync(file, argv, { stdio: ['ignore', devnull, 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!c.ok.includes(res.status)) throw new Error(`${c.label}: exit ${res.status ?? res.signal}: ${String(res.stderr).trim()}`);
  return ms;
}

/**
 * Runs the cases `rounds` times, interleaved; `others` are more kapsel
 * executables ({ label, file }) measured alike. Needs a built kapsel.
 */
function measureCliLatency({ rounds = 40, others = [] } = {}) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-cli-bench-'));
  const devnull = fs.openSync('/dev/null', 'w');
  try {
    let list = cases(work, others);
    // One warm-up round (page cache, the V8 code cache's first read); a
    // case that fails then (crun on a hybrid cgroup host) is left out.
    list = list.filter((c) => {
      try {
        timeOnce(c, 'warm', devnull);
        return true;
      } catch (err) {
        if (!c.optional) throw err;
        console.log(`${c.label}: not measured: ${err.message}`);
        return false;
      }
    });
    // A failed call (after the warm-up round) is counted and left out, not
    // fatal: one flaky container start must not cost the whole run.
    const samples = list.map(() => []);
    const failures = list.map(() => []);
    for (let i = 0; i < rounds; i++) {
      list.forEach((c, k) => {
        try {
          samples[k].push(timeOnce(c, i, devnull));
        } catch (err) {
          samples[k].push(NaN);
          failures[k].push(err.message);
        }
      });
    }
    const results = list.map((c, k) => ({
      label: c.label,
      ...stats(samples[k]),
      overNode: stats(samples[k].map((ms, i) => ms - samples[0][i])).median,
      failed: failures[k].length,
      firstFailure: failures[k][0],
    }));
    return { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, rounds, results };
  } finally {
    fs.closeSync(devnull);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Prints a report of measureCliLatency as a table. */
function printCliLatency(report) {
  console.log(`CLI latency, ${report.rounds} interleaved rounds, wall ms (node ${report.node}, ${report.cpus} cpus)`);
  console.log(`${'command'.padEnd(30)}${'median'.padStart(9)}${'p90'.padStart(9)}${'over node -e 0'.padStart(16)}`);
  for (const r of report.results) {
    const failed = r.failed ? `  (${r.failed} failed, left out)` : '';
    console.log(`${r.label.padEnd(30)}${r.median.toFixed(1).padStart(9)}${r.p90.toFixed(1).padStart(9)}${r.overNode.toFixed(1).padStart(16)}${failed}`);
  }
  for (const r of report.results) if (r.failed) console.log(`${r.label}: first failure: ${r.firstFailure}`);
}

function main() {
  const args = process.argv.slice(2);
  const jsonAt = args.indexOf('--json');
  const jsonFile = jsonAt >= 0 ? args.splice(jsonAt, 2)[1] : undefined;
  const others = [];
  for (let at; (at = args.indexOf('--also')) >= 0; ) {
    const [label, file] = args.splice(at, 2)[1].split(/=(.*)/s);
    others.push({ label, file: path.resolve(file) });
  }
  const report = measureCliLatency({ rounds: Number(args[0] || 40), others });
  printCliLatency(report);
  if (jsonFile) fs.writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
}

// cliCases and timeCliCase: the cases and one timed call, for bench/index.js's rounds.
module.exports = { measureCliLatency, printCliLatency, cliCases: cases, timeCliCase: timeOnce };

if (require.main === module) main();

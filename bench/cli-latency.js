#!/usr/bin/env node
// CLI latency benchmark: what one `kapsel` call costs over Node's own
// start-up. Engines call the runtime several times per container (state,
// kill, delete), so this is what they pay each time. Measured, interleaved
// round by round so that the machine's load hits every case alike:
//   - `node -e 0`: Node's own start, the floor;
//   - `kapsel state <missing id>`, `kapsel kill <missing id>`, `kapsel list`
//     on an empty root: the commands that never create anything;
//   - `kapsel plan` of the hello-world bundle (load, validate, plan: what
//     create does before its first container syscall);
//   - `kapsel run` of a static hello-world bundle (create+start+wait+delete,
//     the container's life included; root only);
//   - `kapsel create`, `start` and `delete` of it as three calls, as
//     containerd's shim and conmon call them (root only);
//   - `kapsel exec` of the hello-world in a running container (root only);
//   - the v1 `cgroup.procs` wait: on a cgroup v1 host, moving a process
//     into a cgroup takes a lock whose writer waits for an RCU grace period
//     unless a move happened just before. Every runtime's create pays it
//     once (kapsel, runc and crun move the init that way); it is the
//     host's, not the runtime's, so it is measured apart: this process's
//     own move into an empty cgroup, timed, once per round;
//   - the same life through the library in a fresh `node` process (what
//     `kapsel run` would cost with a CLI layer of zero: Node's start, the
//     library's modules and the addon loaded unbundled, the life itself);
//   - `crun state <missing id>` and `crun run`, when installed, for scale.
// Prints the median and p90 of N rounds (default 40), and the median of the
// per-round differences to node -e 0 (each call minus the node -e 0 of the
// same round: steadier than a difference of medians when the machine's
// load changes during the run), and the mean CPU time of a call (the
// process and the children it waited for) over node -e 0's, steadier still
// when the machine is too loaded for wall times to mean much. These
// machines are noisy: compare figures of one run only.
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
 * A bundle beside the hello-world one whose process waits forever
 * (pause(2), compiled static): the container `exec` runs in.
 */
function makePauseBundle(dir, hello) {
  fs.mkdirSync(path.join(dir, 'rootfs'), { recursive: true });
  const src = path.join(dir, 'pause.c');
  fs.writeFileSync(src, '#include <unistd.h>\nint main(void) { pause(); return 0; }\n');
  spawnSync('gcc', ['-static', '-O2', '-o', path.join(dir, 'rootfs', 'pause'), src], { stdio: 'inherit' });
  fs.copyFileSync(path.join(hello, 'rootfs', 'hello'), path.join(dir, 'rootfs', 'hello'));
  fs.chmodSync(path.join(dir, 'rootfs', 'hello'), 0o755);
  const spec = JSON.parse(fs.readFileSync(path.join(hello, 'config.json'), 'utf8'));
  spec.process.args = ['/pause'];
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
  return dir;
}

/**
 * The first cgroup v1 hierarchy this process is in ({ dir, own }: the
 * hierarchy's mount point and this process's cgroup there), or undefined
 * on a cgroup2-only host.
 */
function v1Hierarchy() {
  for (const line of fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const [id, controllers, cgroup] = line.split(/:(.*?):(.*)/s);
    if (!id || id === '0' || !controllers || controllers.startsWith('name=')) continue;
    const dir = path.join('/sys/fs/cgroup', controllers);
    if (fs.existsSync(path.join(dir, cgroup, 'cgroup.procs'))) return { dir, own: path.join(dir, cgroup) };
  }
  return undefined;
}

/**
 * The case that times the v1 cgroup.procs wait: this process moves itself
 * into an empty cgroup (the write that waits) and straight back (which
 * does not: a move happened just before). Returns the first move's time.
 */
function cgroupMoveCase(work) {
  const v1 = v1Hierarchy();
  if (!v1) return undefined;
  const dir = path.join(v1.dir, `kapsel-cli-bench-${process.pid}`);
  fs.mkdirSync(dir);
  const move = (to) => fs.writeFileSync(path.join(to, 'cgroup.procs'), String(process.pid));
  return {
    label: 'v1 cgroup.procs wait',
    inProcess: () => {
      const t0 = process.hrtime.bigint();
      move(dir);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      move(v1.own);
      return ms;
    },
    cleanup: () => {
      move(v1.own);
      fs.rmdirSync(dir);
    },
    ok: [0],
    work,
  };
}

/**
 * The cases: a label, and a function returning [file, argv] for round i
 * (run needs a fresh id each time). `ok` says which exit statuses are the
 * expected answer (state of a missing id fails, by design). A case with
 * `inProcess` is timed by that function instead; `setup` and `cleanup`
 * run once before and after all rounds.
 */
function cases(work, others) {
  const root = path.join(work, 'root');
  const kapsels = [{ label: 'kapsel', file: kapsel }, ...others];
  const list = [{ label: 'node -e 0', argv: () => [process.execPath, ['-e', '0']], ok: [0] }];
  const root_ = process.getuid() === 0 && which('gcc');
  const bundle = root_ ? makeHelloBundle(path.join(work, 'bundle')) : undefined;
  for (const k of kapsels) {
    list.push(
      { label: `${k.label} state <missing>`, argv: () => [k.file, ['--root', root, 'state', 'missing']], ok: [1] },
      { label: `${k.label} kill <missing>`, argv: () => [k.file, ['--root', root, 'kill', 'missing', 'KILL']], ok: [1] },
      { label: `${k.label} list`, argv: () => [k.file, ['--root', root, 'list']], ok: [0] },
    );
    if (bundle) list.push({ label: `${k.label} plan`, argv: () => [k.file, ['--root', root, 'plan', '--bundle', bundle]], ok: [0] });
  }
  const crun = which('crun');
  if (crun) list.push({ label: 'crun state <missing>', argv: () => [crun, ['--root', path.join(work, 'root-crun'), 'state', 'missing']], ok: [1] });
  if (bundle) {
    const pause = makePauseBundle(path.join(work, 'pause'), bundle);
    const life = `
      const { Container } = require(${JSON.stringify(path.join(repo, 'dist', 'lib'))});
      (async () => {
        const c = await Container.create({ id: process.argv[1], bundle: ${JSON.stringify(bundle)}, root: ${JSON.stringify(root)}, stdio: [0, 1, 2] });
        await c.start();
        await c.wait();
        await c.delete();
      })().catch((err) => { console.error(err.message); process.exit(1); });`;
    list.push({ label: 'node + library life', argv: (i) => [process.execPath, ['-e', life, `lib-${process.pid}-${i}`]], ok: [0] });
    const move = cgroupMoveCase(work);
    if (move) list.push(move);
    for (const k of kapsels) {
      const id = (what, i) => `lat-${process.pid}-${k.label}-${what}-${i}`;
      const running = id('exec-target', 0);
      list.push(
        { label: `${k.label} run`, argv: (i) => [k.file, ['--root', root, 'run', '--bundle', bundle, id('run', i)]], ok: [0] },
        // Three calls, as an engine makes them; the hello-world has exited by the time delete runs.
        { label: `${k.label} create`, argv: (i) => [k.file, ['--root', root, 'create', '--bundle', bundle, id('csd', i)]], ok: [0] },
        { label: `${k.label} start`, argv: (i) => [k.file, ['--root', root, 'start', id('csd', i)]], ok: [0] },
        { label: `${k.label} delete`, argv: (i) => [k.file, ['--root', root, 'delete', '--force', id('csd', i)]], ok: [0] },
        {
          label: `${k.label} exec`,
          argv: () => [k.file, ['--root', root, 'exec', running, '/hello']],
          ok: [0],
          setup: () => {
            // No pipe: the container keeps its stdio open, a pipe would never end.
            const res = spawnSync(k.file, ['--root', root, 'run', '--detach', '--bundle', pause, running], { stdio: 'ignore' });
            if (res.status !== 0) throw new Error(`${k.label} run --detach: exit ${res.status ?? res.signal}`);
          },
          cleanup: () => spawnSync(k.file, ['--root', root, 'delete', '--force', running], { stdio: 'ignore' }),
        },
      );
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
    console.log('kapsel run, create, start, delete, exec, plan: not measured (needs root and gcc)');
  }
  return list;
}

/**
 * The CPU time (user + system, ms) of this process's waited-for children
 * so far: /proc's cutime + cstime, in clock ticks (100 per second on Linux).
 * A tick is coarse for one call but not for the mean of many, and CPU time
 * stays comparable on a machine too loaded for wall times to mean much.
 */
function childrenCpuMs() {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

/** One call: its wall time (the result) and, in cpu.ms, the CPU its process used. */
function timeOnce(c, i, devnull, errFile, cpu = {}) {
  if (c.inProcess) return c.inProcess();
  const [file, argv] = c.argv(i);
  // stderr goes to a file, not a pipe: a created container keeps the
  // caller's stdio open, and a pipe would not end while it lives.
  const err = fs.openSync(errFile, 'w+');
  try {
    const c0 = childrenCpuMs();
    const t0 = process.hrtime.bigint();
    const res = spawnSync(file, argv, { stdio: ['ignore', devnull, err] });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    cpu.ms = childrenCpuMs() - c0;
    if (!c.ok.includes(res.status)) throw new Error(`${c.label}: exit ${res.status ?? res.signal}: ${fs.readFileSync(errFile, 'utf8').trim()}`);
    return ms;
  } finally {
    fs.closeSync(err);
  }
}

/**
 * Runs the cases `rounds` times, interleaved; `others` are more kapsel
 * executables ({ label, file }) measured alike. Needs a built kapsel.
 */
function measureCliLatency({ rounds = 40, others = [] } = {}) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-cli-bench-'));
  const devnull = fs.openSync('/dev/null', 'w');
  const errFile = path.join(work, 'stderr');
  let all = [];
  try {
    all = cases(work, others);
    let list = all;
    for (const c of list) c.setup?.();
    // One warm-up round (page cache, the V8 code cache's first read); a
    // case that fails then (crun on a hybrid cgroup host) is left out.
    list = list.filter((c) => {
      try {
        timeOnce(c, 'warm', devnull, errFile);
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
    const cpuTotals = list.map(() => ({ ms: 0, calls: 0 }));
    const failures = list.map(() => []);
    for (let i = 0; i < rounds; i++) {
      list.forEach((c, k) => {
        try {
          const cpu = {};
          samples[k].push(timeOnce(c, i, devnull, errFile, cpu));
          if (cpu.ms !== undefined) {
            cpuTotals[k].ms += cpu.ms;
            cpuTotals[k].calls++;
          }
        } catch (err) {
          samples[k].push(NaN);
          failures[k].push(err.message);
        }
      });
    }
    // Per round: a call minus that round's node -e 0, and for the calls
    // that move a process into cgroups, minus that round's cgroup wait too.
    const wait = list.findIndex((c) => c.label === 'v1 cgroup.procs wait');
    const moves = /\b(run|create|exec)$/;
    const results = list.map((c, k) => ({
      label: c.label,
      ...stats(samples[k]),
      overNode: c.inProcess ? undefined : stats(samples[k].map((ms, i) => ms - samples[0][i])).median,
      // Mean CPU time of a call (its own process and the children it waited for) over node -e 0's.
      cpuOverNode: c.inProcess ? undefined : cpuTotals[k].ms / cpuTotals[k].calls - cpuTotals[0].ms / cpuTotals[0].calls,
      overNodeLessWait: wait >= 0 && moves.test(c.label) ? stats(samples[k].map((ms, i) => ms - samples[0][i] - samples[wait][i])).median : undefined,
      failed: failures[k].length,
      firstFailure: failures[k][0],
    }));
    return { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, rounds, results };
  } finally {
    for (const c of all) {
      try {
        c.cleanup?.();
      } catch (err) {
        console.log(`${c.label}: cleanup: ${err.message}`);
      }
    }
    fs.closeSync(devnull);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Prints a report of measureCliLatency as a table. */
function printCliLatency(report) {
  console.log(`CLI latency, ${report.rounds} interleaved rounds, wall ms (node ${report.node}, ${report.cpus} cpus)`);
  const fixed = (x, width) => (x === undefined ? '' : x.toFixed(1)).padStart(width);
  console.log(`${'command'.padEnd(30)}${'median'.padStart(9)}${'p90'.padStart(9)}${'over node -e 0'.padStart(16)}${'less the wait'.padStart(15)}${'CPU over node'.padStart(15)}`);
  for (const r of report.results) {
    const failed = r.failed ? `  (${r.failed} failed, left out)` : '';
    console.log(`${r.label.padEnd(30)}${fixed(r.median, 9)}${fixed(r.p90, 9)}${fixed(r.overNode, 16)}${fixed(r.overNodeLessWait, 15)}${fixed(r.cpuOverNode, 15)}${failed}`);
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

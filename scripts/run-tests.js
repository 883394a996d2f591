#!/usr/bin/env node
// Runs the compiled tests (dist/test) with node's built-in test runner, by
// tier:
//   unit    dist/test/unit: no root, nothing shared between files (each
//           uses its own temporary directories), so files run concurrently
//   native  dist/test/native: the addon and kapsel-init against the kernel;
//           root, or a user+mount namespace (see test/helpers/as-root.ts)
//   system  dist/test/system: real containers; root; the files share global
//           resources (the state root, cgroups, /tmp hook files), so they
//           run one at a time
//
//   node scripts/run-tests.js [unit|native|system|all]...   those tiers (default: all)
//   node scripts/run-tests.js FILE...                       these files, one at a time
//
// node's runner takes one --test-concurrency for a whole invocation, so the
// tiers run one after another, each its own `node --test`, each printing its
// own report. At the end comes one summary for the whole run, in the form of
// node's (# tests, # pass, # fail, ...), added up from the tiers' summaries
// (scripts/test-totals-reporter.mjs); the exit status is non-zero if any
// tier failed. A tier whose files print no summary (killed) counts as failed.
//
// Each `node --test` runs in a process group of its own: a test that
// signals its own process group (kill(0, ...)) ends its tier, which is then
// reported as failed, and never the shell or CI job that ran the tests.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const root = path.resolve(__dirname, '..', 'dist', 'test');
const TIERS = ['unit', 'native', 'system'];
const KEYS = ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo'];

function collect(dir) {
  const out = [];
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...collect(full));
    else if (entry.name.endsWith('.test.js')) out.push(full);
  }
  return out.sort();
}

// The CLI keeps compiled seccomp programs in /run/kapsel-cache; the tests
// leave nothing on the machine, so it is off for them unless asked for
// (the disk cache's own tests turn it on in a directory they remove).
const env = { ...process.env, KAPSEL_CACHE_DIR: process.env.KAPSEL_CACHE_DIR ?? '' };
// The reporter node would pick on its own; named because a second reporter
// (the totals) replaces the default otherwise.
const reporter = process.stdout.isTTY ? 'spec' : 'tap';

let current = null;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (current) {
      try {
        process.kill(-current.pid, signal);
      } catch {}
    }
    process.exitCode = 130;
  });
}

/** Runs `files` in one `node --test`; resolves to its exit status and summary. */
function runTier(files, concurrency) {
  const totalsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-test-totals-')), 'totals.json');
  const args = [
    '--test',
    `--test-concurrency=${concurrency}`,
    `--test-reporter=${reporter}`,
    '--test-reporter-destination=stdout',
    `--test-reporter=${path.join(__dirname, 'test-totals-reporter.mjs')}`,
    `--test-reporter-destination=${totalsFile}`,
    ...files,
  ];
  return new Promise((resolve) => {
    current = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'], env, detached: true });
    current.on('exit', (code, signal) => {
      current = null;
      let summary = null;
      try {
        summary = JSON.parse(fs.readFileSync(totalsFile, 'utf8'));
      } catch {}
      fs.rmSync(path.dirname(totalsFile), { recursive: true, force: true });
      resolve({ code, signal, summary });
    });
  });
}

async function main() {
  const argv = process.argv.slice(2);
  const tiers = argv.length === 0 || argv.includes('all') ? TIERS : argv.filter((a) => TIERS.includes(a));
  const files = argv.filter((a) => a !== 'all' && !TIERS.includes(a));
  if (files.length && argv.some((a) => a === 'all' || TIERS.includes(a))) {
    console.error('run-tests: give tiers or files, not both');
    process.exit(2);
  }
  const runs = files.length
    ? [{ name: 'files', files, concurrency: 1 }]
    : tiers.map((name) => ({
        name,
        files: collect(path.join(root, name)),
        concurrency: name === 'unit' ? Math.max(2, os.availableParallelism()) : 1,
      }));
  if (runs.every((r) => r.files.length === 0)) {
    console.error('run-tests: no test files under ' + root + ' (did tsc run?)');
    process.exit(1);
  }
  const start = process.hrtime.bigint();
  const total = Object.fromEntries(KEYS.map((k) => [k, 0]));
  const failed = [];
  for (const run of runs) {
    if (run.files.length === 0) continue;
    if (runs.length > 1) console.log(`# tier ${run.name}: ${run.files.length} files`);
    const { code, signal, summary } = await runTier(run.files, run.concurrency);
    if (summary) for (const k of KEYS) total[k] += summary[k] ?? 0;
    if (code !== 0 || !summary) {
      failed.push(`${run.name} (${signal ? `killed by ${signal}` : `exit status ${code}`}${summary ? '' : ', no summary'})`);
      if (!summary) console.error(`run-tests: ${failed[failed.length - 1]}`);
    }
    if (process.exitCode === 130) break;
  }
  if (runs.length > 1) {
    // One summary for the whole run, last, in node's form.
    console.log(`# all tiers: ${runs.map((r) => r.name).join(', ')}${failed.length ? `; failed: ${failed.join(', ')}` : ''}`);
    for (const k of KEYS) console.log(`# ${k} ${total[k]}`);
    console.log(`# duration_ms ${Number(process.hrtime.bigint() - start) / 1e6}`);
  }
  if (failed.length) process.exitCode = process.exitCode || 1;
}

main();

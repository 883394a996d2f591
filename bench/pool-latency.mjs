// The warm pool against the floor (issue 22 goal 2), in one run:
//   sudo node bench/pool-latency.mjs [--rounds 30] [--floor DIR]
// Each round, in a rotating order: one floor life (/work/shared/floor's
// floor.c, `--serve`, timed inside the floor: the whole cold life), one
// cold kapsel create+start, one pooled kapsel create+start. The kapsel
// rows time create() to start()'s resolution: the container's process is
// running (create-to-running); wait and delete follow untimed, and the
// pool is refilled (pool.ready()) before the next pooled create, so each
// pooled create finds a waiting helper. Prints medians, p10/p90, the
// ratios, and one JSON line.
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const project = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { Container } = require(path.join(project, 'dist', 'lib'));

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const ROUNDS = Number(arg('--rounds', '30'));
const FLOOR_DIR = arg('--floor', process.env.KAPSEL_FLOOR_DIR ?? path.resolve(project, '..', 'shared', 'floor'));

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pool-bench-'));
const root = path.join(work, 'root');
const devnull = fs.openSync('/dev/null', 'w');
const tag = `poolbench-${process.pid}`;
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const sorted = (a) => [...a].sort((x, y) => x - y);
const q = (a, p) => sorted(a)[Math.min(a.length - 1, Math.floor(p * a.length))];
const f2 = (x) => x.toFixed(2);

function buildBundle(dir) {
  fs.mkdirSync(path.join(dir, 'rootfs'), { recursive: true });
  fs.writeFileSync(path.join(work, 't.c'), 'int main(void){return 0;}\n');
  execFileSync('gcc', ['-static', '-O2', '-o', path.join(dir, 'rootfs', 'true'), path.join(work, 't.c')]);
  execFileSync(path.join(project, 'bin', 'kapsel'), ['spec'], { cwd: dir });
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  spec.process.args = ['/true'];
  spec.process.terminal = false;
  delete spec.linux.resources; // as the floor's benchmark
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
  return dir;
}

function floorServer(bin, bundle) {
  const child = spawn(bin, ['--serve', bundle], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (l) => waiting.shift()?.(l));
  return {
    async life() {
      const reply = new Promise((resolve) => waiting.push(resolve));
      child.stdin.write('cg\n');
      const line = await reply;
      if (!line.startsWith('ok ')) throw new Error(`floor: ${line}`);
      return Number(line.split(' ')[1]) / 1000;
    },
    async stop() {
      child.stdin.end('q\n');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

let n = 0;
/** create() to start()'s resolution; then wait and delete, untimed. */
async function createToRunning(bundle, pool) {
  const id = `${tag}-${n++}`;
  const t0 = process.hrtime.bigint();
  const c = await Container.create({ id, bundle, root, stdio: [0, devnull, 2], ...(pool ? { pool } : {}) });
  await c.start();
  const t = ms(t0);
  const r = await c.wait();
  await c.delete();
  if (r.exitCode !== 0) throw new Error(`${id}: ${JSON.stringify(r)}`);
  return t;
}

async function main() {
  const floorBin = path.join(work, 'floor');
  execFileSync('gcc', ['-O2', '-static', '-o', floorBin, path.join(FLOOR_DIR, 'floor.c')]);
  const bundle = buildBundle(path.join(work, 'b'));
  const server = floorServer(floorBin, bundle);
  let missed = 0;
  const pool = await Container.pool({ size: 2, logger: { warn: (m) => console.error(m), debug: () => missed++ } });
  const rows = { floor: [], cold: [], pooled: [] };
  try {
    // Warm-up: caches (plan, seccomp, facts) and the floor's first life.
    await server.life();
    await createToRunning(bundle);
    await createToRunning(bundle, pool);
    await pool.ready();
    missed = 0;
    const kinds = [
      ['floor', () => server.life()],
      ['cold', () => createToRunning(bundle)],
      ['pooled', async () => {
        await pool.ready();
        return createToRunning(bundle, pool);
      }],
    ];
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < kinds.length; k++) {
        const [name, fn] = kinds[(k + r) % kinds.length];
        if (name === 'pooled') await pool.ready();
        rows[name].push(await fn());
      }
    }
  } finally {
    await pool.close();
    await server.stop();
  }
  const floor = q(rows.floor, 0.5);
  const out = {};
  for (const [name, a] of Object.entries(rows)) {
    out[name] = { median: q(a, 0.5), p10: q(a, 0.1), p90: q(a, 0.9), vsFloor: q(a, 0.5) / floor };
    console.log(`${name.padEnd(7)} median ${f2(q(a, 0.5))} ms  p10 ${f2(q(a, 0.1))}  p90 ${f2(q(a, 0.9))}  = ${f2(q(a, 0.5) / floor)}x the floor's whole life`);
  }
  console.log(`pooled creates that went cold: ${missed} (must be 0)`);
  console.log(JSON.stringify({ rounds: ROUNDS, kernel: os.release(), node: process.version, coldMissed: missed, ...out }));
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => fs.rmSync(work, { recursive: true, force: true }));

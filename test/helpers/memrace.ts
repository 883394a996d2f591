/**
 * The exec/join memory race (security issue 16, hole 1), performed: a
 * container whose process is the memrace attacker (test/fixtures/memrace.c)
 * with CAP_SYS_PTRACE, and a series of execs into it (or of containers
 * created into its pid namespace), each of which the attacker races to open
 * /proc/PID/maps and /proc/PID/mem of.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Container } from '../../lib';
import type { Spec } from '../../lib/config/types';
import { FIXTURES_BIN, makeBundle, type Bundle, type BundleOptions } from './bundle';
import { createTestContainer, runProbe, type RunningContainer } from './run';

/** What the attacker could open of one pid. */
export interface RaceOpen {
  pid: number;
  /** The maps it opened were the runtime's (its executable's path in them). */
  runtime: boolean;
  /** They were the init helper's (memfd:kapsel-init). */
  helper: boolean;
  /** /proc/PID/mem opened read-write. */
  rw: boolean;
}

export interface RaceReport {
  opens: RaceOpen[];
  /** New pids the attacker saw come and go: it was watching. */
  seen: number;
  output: string;
}

/** The Node binary's real path: what the runtime's maps name. */
export function runtimeMarker(): string {
  return fs.realpathSync(process.execPath);
}

const PTRACE = 'CAP_SYS_PTRACE';

/** Adds CAP_SYS_PTRACE to every set of the process but ambient. */
function grantPtrace(spec: Spec): void {
  const caps = (spec.process!.capabilities ??= {});
  for (const set of ['bounding', 'effective', 'permitted'] as const) {
    caps[set] = [...new Set([...(caps[set] ?? []), PTRACE])];
  }
}

/** A bundle whose process is the attacker, with CAP_SYS_PTRACE. */
export function attackerBundle(opts: BundleOptions = {}): Bundle {
  return makeBundle({
    ...opts,
    edit: (spec, paths) => {
      fs.copyFileSync(path.join(FIXTURES_BIN, 'memrace'), path.join(paths.rootfs, 'memrace'));
      fs.chmodSync(path.join(paths.rootfs, 'memrace'), 0o755);
      spec.process!.args = ['/memrace', runtimeMarker()];
      grantPtrace(spec);
      opts.edit?.(spec, paths);
    },
  });
}

export function parseRace(output: string): RaceReport {
  const opens: RaceOpen[] = [];
  let seen = 0;
  for (const line of output.split('\n')) {
    const m = /^pid=(\d+) runtime=([01]) helper=([01]) rw=([01])$/.exec(line);
    if (m) opens.push({ pid: Number(m[1]), runtime: m[2] === '1', helper: m[3] === '1', rw: m[4] === '1' });
    const s = /^seen=(\d+)$/.exec(line);
    if (s) seen = Math.max(seen, Number(s[1]));
  }
  return { opens, seen, output };
}

async function untilReady(run: RunningContainer): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const { stdout, stderr } = run.output();
    if (stdout.startsWith('ready\n')) return;
    if (stdout.startsWith('error') || stderr) throw new Error(`memrace did not start: ${stdout}${stderr}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('memrace did not start in 5 s');
}

/** Starts the attacker's container, runs `during(container)`, stops it; what it could open. */
export async function withAttacker(
  bundle: Bundle,
  opts: { root?: string | null },
  during: (c: Container) => Promise<void>,
): Promise<RaceReport> {
  const run = await createTestContainer(bundle, { root: opts.root });
  try {
    await run.container.start();
    await untilReady(run);
    await during(run.container);
    await run.container.kill('SIGKILL');
    await run.container.wait();
    return parseRace(run.output().stdout);
  } finally {
    await run.destroy();
  }
}

/** `count` execs of a short process into the attacker's container, one after another. */
export async function raceExecs(bundle: Bundle, count: number, opts: { root?: string | null } = {}): Promise<RaceReport> {
  return withAttacker(bundle, opts, async (c) => {
    for (let i = 0; i < count; i++) {
      const p = await c.exec({ args: ['/probe', 'exit', '0'], cwd: '/', env: ['PATH=/'] }, { stdio: [0, 1, 2] });
      const exit = await p.wait();
      if (exit.exitCode !== 0) throw new Error(`exec ${i} exited with ${JSON.stringify(exit)}`);
    }
  });
}

/**
 * `count` containers created into the attacker's pid namespace by path
 * (`second` is their bundle), each run to its end and deleted.
 */
export async function raceJoins(bundle: Bundle, second: Bundle, count: number): Promise<RaceReport> {
  return withAttacker(bundle, {}, async (c) => {
    const ns = second.config.linux!.namespaces!.filter((n) => n.type !== 'pid');
    second.config.linux!.namespaces = [...ns, { type: 'pid', path: `/proc/${c.pid}/ns/pid` }];
    second.config.process!.args = ['/probe', 'exit', '0'];
    second.write();
    for (let i = 0; i < count; i++) {
      const res = await runProbe(second);
      if (res.exit.exitCode !== 0) throw new Error(`container ${i} exited with ${JSON.stringify(res.exit)}: ${res.stderr}`);
    }
  });
}

/**
 * Runs containers from test bundles through the library (create, start,
 * wait, delete), with the container's stdout and stderr captured in
 * temporary files, and parses the probe's JSON report.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Container } from '../../lib/container/container';
import type { ContainerPool } from '../../lib/container/pool';
import type { Bundle } from './bundle';
import { tempDir, tempRoot } from './tmp';
import { parseMountinfoLine, type MountinfoEntry } from '../../lib/state/mountinfo';

export { tempRoot } from './tmp';

/** What `probe report` prints (test/fixtures/probe.c). */
export interface ProbeReport {
  argv: string[];
  pid: number;
  ppid: number;
  uid: number;
  euid: number;
  suid: number;
  gid: number;
  egid: number;
  sgid: number;
  groups: number[];
  /** /proc/self/uid_map and gid_map (lines, whitespace as the kernel prints it). */
  uid_map: string;
  gid_map: string;
  /** Lines of /proc/self/status: CapInh, CapPrm, CapEff, CapBnd, CapAmb, NoNewPrivs, Umask. */
  status: Record<string, string>;
  hostname: string;
  domainname: string;
  cwd: string;
  env: string[];
  /** RLIMIT_* -> limits as decimal strings or "unlimited". */
  rlimits: Record<string, { soft: string; hard: string }>;
  oom_score_adj: number;
  /** Lines of /proc/self/mountinfo. */
  mounts: string[];
  /** fd number -> readlink of /proc/self/fd/N. */
  fds: Record<string, string>;
  /** stdin as a terminal: window size, controlling terminal, session id. */
  tty: { isatty: number; rows?: number; cols?: number; controlling: number; sid: number };
  /** cgroup, ipc, mnt, net, pid, time, user, uts -> readlink of /proc/self/ns/TYPE. */
  namespaces: Record<string, string>;
  /** lstat of the extra paths of `probe report PATH...`. */
  stat: Record<string, ProbeStat>;
}

export type ProbeStat =
  | { error: string }
  | {
      type: 'char' | 'block' | 'dir' | 'file' | 'link' | 'other';
      /** Permission bits in octal, "0666". */
      mode: string;
      major: number;
      minor: number;
      uid: number;
      gid: number;
      size: number;
      /** Symlinks: their target. */
      target?: string;
      /** Directories: number of entries besides . and .. */
      entries?: number;
    };

export interface RunResult {
  /** The state root the container lived under. */
  root: string;
  exit: { exitCode: number | null; signal: string | null };
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON, when it is JSON (probe report / probe write). */
  report?: ProbeReport & { ok?: boolean; errno?: string };
}

export interface RunOptions {
  /** Container id; default a fresh unique one. */
  id?: string;
  /**
   * State root; default one tempRoot() shared by this test file; null: no
   * root option at all, the library's own default (rootless tests).
   */
  root?: string | null;
  /** process.args for this run only (default: the bundle's, `/probe report`). */
  args?: string[];
  /** Kill the container if it runs longer (default 30 s). */
  timeoutMs?: number;
  /** create --no-pivot. */
  noPivot?: boolean;
  /** Create through this warm pool (Container.pool). */
  pool?: ContainerPool;
}

/** Every container id the helpers make starts with this (leak checks look for it). */
export const ID_PREFIX = 'kapsel-test-';

let counter = 0;
/** A container id unique to this process and call: ID_PREFIX + pid + "-" + n. */
export function uniqueId(): string {
  counter += 1;
  return `${ID_PREFIX}${process.pid}-${counter}`;
}

let sharedRoot: string | undefined;
function defaultRoot(): string {
  sharedRoot ??= tempRoot();
  return sharedRoot;
}

/** A created (not yet started) container with its stdio files. */
export interface RunningContainer {
  container: Container;
  /** Reads what the container wrote so far. */
  output(): { stdout: string; stderr: string };
  /** Force-deletes the container (killing it if needed) and removes the output files. */
  destroy(): Promise<void>;
}

/**
 * Creates a container from the bundle with stdin /dev/null and stdout,
 * stderr in temporary files. The config's process.args is replaced by
 * `args` for this container only.
 */
export async function createTestContainer(bundle: Bundle, opts: RunOptions = {}): Promise<RunningContainer> {
  const outDir = tempDir('out');
  const outFile = path.join(outDir, 'stdout');
  const errFile = path.join(outDir, 'stderr');
  const fds: number[] = [];
  const closeFds = (): void => {
    for (const fd of fds.splice(0)) fs.closeSync(fd);
  };
  const original = bundle.config.process!.args;
  try {
    fds.push(fs.openSync('/dev/null', 'r'), fs.openSync(outFile, 'w'), fs.openSync(errFile, 'w'));
    if (opts.args) {
      bundle.config.process!.args = opts.args;
      bundle.write();
    }
    const container = await Container.create({
      id: opts.id ?? uniqueId(),
      bundle: bundle.dir,
      root: opts.root === null ? undefined : (opts.root ?? defaultRoot()),
      stdio: [fds[0], fds[1], fds[2]],
      noPivot: opts.noPivot,
      ...(opts.pool ? { pool: opts.pool } : {}),
    });
    // The init has its own copies now.
    closeFds();
    let destroyed = false;
    return {
      container,
      output: () => ({ stdout: fs.readFileSync(outFile, 'utf8'), stderr: fs.readFileSync(errFile, 'utf8') }),
      async destroy() {
        if (destroyed) return;
        destroyed = true;
        try {
          await container.delete({ force: true });
        } finally {
          fs.rmSync(outDir, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    closeFds();
    fs.rmSync(outDir, { recursive: true, force: true });
    throw err;
  } finally {
    if (opts.args) {
      bundle.config.process!.args = original;
      bundle.write();
    }
  }
}

function parseJson(text: string): RunResult['report'] {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as RunResult['report']) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs the bundle's process to completion: create, start, wait, delete
 * (always, with force). Returns the exit status, the output and the parsed
 * report.
 */
export async function runProbe(bundle: Bundle, opts: RunOptions = {}): Promise<RunResult> {
  const run = await createTestContainer(bundle, opts);
  let timer: NodeJS.Timeout | undefined;
  try {
    await run.container.start();
    const ms = opts.timeoutMs ?? 30_000;
    // On timeout, the finally below kills it (delete with force).
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`container ${run.container.id} still running after ${ms} ms`)), ms);
    });
    const exit = await Promise.race([run.container.wait(), timeout]);
    const { stdout, stderr } = run.output();
    return { root: run.container.root, exit, stdout, stderr, report: parseJson(stdout) };
  } finally {
    clearTimeout(timer);
    await run.destroy();
  }
}

/**
 * runProbe, then asserts a clean exit and a report: the common case. With
 * `paths`, runs `/probe report ...paths`; otherwise the bundle's args.
 */
export async function probeReport(bundle: Bundle, paths: string[] = [], opts: RunOptions = {}): Promise<ProbeReport> {
  const args = opts.args ?? (paths.length > 0 ? ['/probe', 'report', ...paths] : undefined);
  const res = await runProbe(bundle, { ...opts, args });
  if (res.exit.exitCode !== 0 || !res.report) {
    throw new Error(`probe failed: exit ${JSON.stringify(res.exit)}\nstdout: ${res.stdout}\nstderr: ${res.stderr}`);
  }
  return res.report;
}

/** One line of mountinfo (lib/state/mountinfo.ts, the runtime's own parser). */
export type MountInfo = MountinfoEntry;

export function parseMountInfo(line: string): MountInfo {
  const entry = parseMountinfoLine(line);
  if (!entry) throw new Error(`not a mountinfo line: ${JSON.stringify(line)}`);
  return entry;
}

/** The topmost mount at `mountPoint` in a report (the last one listed). */
export function findMount(report: ProbeReport, mountPoint: string): MountInfo | undefined {
  return report.mounts
    .map(parseMountInfo)
    .filter((m) => m.mountPoint === mountPoint)
    .pop();
}

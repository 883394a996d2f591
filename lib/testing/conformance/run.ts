/**
 * `conformance(options)`: registers the checks as node:test tests against
 * one runtime. A run has a temporary directory of its own (the state root
 * given as --root, the shared rootfs, the host hook script, one directory
 * per check), removed when the run ends, whatever happened.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '../../errors';
import { AREAS } from './areas';
import { Harness, type RunContext } from './harness';
import { buildRootfs, HOOK_SCRIPT } from './rootfs';
import { RuntimeCli } from './runtime-cli';
import { checkName } from './spec';
import { array, boolean, checkArgs, int, object, optional, string } from '../../args';

/** {@link conformance}'s options: the runtime under test and how to run the checks. */
export interface ConformanceOptions {
  /** Path of the runc-compatible runtime to test. */
  runtime: string;
  /** Rootless configs (a user namespace mapping the caller's ids); default: whether the caller is not root. */
  rootless?: boolean;
  /** Static busybox copied into the rootfs (default /bin/busybox). */
  busybox?: string;
  /** A rootfs to copy instead of a busybox one: /bin/sh with cat, sleep, grep, readlink, env, pwd. */
  rootfs?: string;
  /** Global flags given to the runtime before --root (e.g. ['--systemd-cgroup']). */
  runtimeArgs?: string[];
  /** Where the run's directory goes (default os.tmpdir()). */
  tmpDir?: string;
  /** Only these areas (state, lifecycle, create, start, kill, delete, hooks, process). */
  areas?: string[];
  /** Bound on one runtime call, ms (default 20000). */
  callTimeoutMs?: number;
  /** Bound on waiting for a state or a file, ms (default 10000). */
  waitMs?: number;
  /**
   * Checks known to fail on this runtime, by title, with the reason: each
   * still runs, and passes only if it fails (so a fixed runtime shows up).
   */
  expectedFailures?: Record<string, string>;
  /**
   * How many checks of an area run at once (default 1). Checks share
   * nothing but the runtime's state root (unique ids and directories), so
   * a higher number only asks the runtime to handle concurrent calls.
   */
  concurrency?: number;
  /** Name of the top-level suite (default: "OCI runtime conformance: RUNTIME"). */
  name?: string;
}

/** The variable that carries the options to entry.js (see lib/cli/commands/conformance.ts). */
/** ConformanceOptions' types, checked before any test is registered (lib/args.ts). */
const CONFORMANCE_OPTIONS = object({
  runtime: string,
  rootless: optional(boolean),
  busybox: optional(string),
  rootfs: optional(string),
  runtimeArgs: optional(array(string)),
  tmpDir: optional(string),
  areas: optional(array(string)),
  callTimeoutMs: optional(int(1, 2 ** 31 - 1)),
  waitMs: optional(int(0, 2 ** 31 - 1)),
  expectedFailures: optional(object()),
  concurrency: optional(int(1, 1024)),
  name: optional(string),
});

export const OPTIONS_ENV = 'KAPSEL_CONFORMANCE_OPTIONS';

/** Names of the areas, for --area and `areas`. */
export const AREA_NAMES: readonly string[] = AREAS.map((a) => a.name);

interface Run extends RunContext {
  harness(): Harness;
}

function startRun(options: ConformanceOptions, rootless: boolean): Run {
  const dir = fs.mkdtempSync(path.join(options.tmpDir ?? os.tmpdir(), 'kapsel-conformance-'));
  try {
    // Searchable by the container's processes (which may run as other ids).
    fs.chmodSync(dir, 0o711);
    const stateRoot = path.join(dir, 'state');
    fs.mkdirSync(stateRoot, { mode: 0o700 });
    const logs = path.join(dir, 'calls');
    fs.mkdirSync(logs, { mode: 0o700 });
    const rootfs = path.join(dir, 'rootfs');
    buildRootfs(rootfs, options);
    const hostHook = path.join(dir, 'hook.sh');
    fs.writeFileSync(hostHook, HOOK_SCRIPT, { mode: 0o755 });
    const cli = new RuntimeCli(options.runtime, stateRoot, logs, options.callTimeoutMs ?? 20_000, options.runtimeArgs);
    const tag = randomBytes(3).toString('hex');
    let ids = 0;
    let checks = 0;
    const run: Run = {
      dir,
      rootfs,
      hostHook,
      rootless,
      cli,
      waitMs: options.waitMs ?? 10_000,
      nextId: () => `conformance-${tag}-${++ids}`,
      harness: () => new Harness(run, path.join(dir, `check-${++checks}`)),
    };
    return run;
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Registers the conformance tests (a node:test suite) for `options.runtime`:
 * each check creates containers with the runtime's CLI, as an engine does,
 * and checks what the spec says happens, from inside the container and on
 * the host. Call it at the top level of a test file run by `node --test`.
 * Throws InvalidArgumentError for a relative runtime path or an unknown area.
 *
 * @example
 * ```ts
 * // conformance.test.ts, run with `node --test` (as root, or rootless: see `rootless`)
 * import { conformance } from 'kapsel/testing';
 * conformance({ runtime: '/usr/local/sbin/runc', areas: ['lifecycle', 'hooks'], expectedFailures: { 'some check title': 'known bug' } });
 * ```
 */
export function conformance(options: ConformanceOptions): void {
  checkArgs([options, 'options', CONFORMANCE_OPTIONS]);
  if (!path.isAbsolute(options.runtime)) throw new InvalidArgumentError(`conformance: options.runtime must be an absolute path, not ${JSON.stringify(options.runtime)}`);
  const unknown = (options.areas ?? []).filter((a) => !AREA_NAMES.includes(a));
  if (unknown.length) throw new InvalidArgumentError(`conformance: options.areas: unknown areas ${unknown.join(', ')} (known: ${AREA_NAMES.join(', ')})`);
  const titles = new Set(AREAS.flatMap((a) => a.checks.map((c) => c.title)));
  const expected = options.expectedFailures ?? {};
  const stale = Object.keys(expected).filter((t) => !titles.has(t));
  if (stale.length) throw new InvalidArgumentError(`conformance: options.expectedFailures names no check: ${stale.join('; ')}`);
  const rootless = options.rootless ?? process.geteuid?.() !== 0;
  const areas = AREAS.filter((a) => !options.areas || options.areas.includes(a.name));
  let run: Run | undefined;
  describe(options.name ?? `OCI runtime conformance: ${options.runtime}${rootless ? ' (rootless)' : ''}`, () => {
    before(() => {
      run = startRun(options, rootless);
    });
    after(() => {
      if (run) fs.rmSync(run.dir, { recursive: true, force: true });
    });
    for (const area of areas) {
      describe(area.name, { concurrency: options.concurrency ?? 1 }, () => {
        for (const check of area.checks) {
          const skip = rootless && check.rootOnly ? check.rootOnly : false;
          const reason = expected[check.title];
          const name = reason === undefined ? checkName(check) : `${checkName(check)} (expected to fail: ${reason})`;
          test(name, { skip }, async () => {
            const h = run!.harness();
            try {
              if (reason === undefined) return await check.run(h);
              const failed = await check.run(h).then(
                () => false,
                () => true,
              );
              assert.ok(failed, `expected to fail (${reason}), but passed: remove it from expectedFailures`);
            } finally {
              await h.cleanup();
            }
          });
        }
      });
    }
  });
}

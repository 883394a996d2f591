/**
 * What a check works with: its own directory (bundles, the /out directory
 * the container and the hooks write to), fresh container ids, the runtime,
 * and bounded waits. Everything it made is removed by cleanup(), which the
 * kit runs whether the check passed or not.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { baseConfig, HOOK_ENV, writeBundle, type Config, type HookEntry } from './bundle';
import { CONTAINER_HOOK, OUT } from './rootfs';
import { describeCall, RuntimeCli, type CliResult, type StateJson } from './runtime-cli';

/** What a run shares between its checks (see run.ts). */
export interface RunContext {
  /** The run's directory (state root, call logs, rootfs, the checks' directories); removed after the run. */
  readonly dir: string;
  /** The busybox (or given) rootfs every check's bundle uses. */
  readonly rootfs: string;
  /** The host-side hook script (records its label and stdin in the check's out/). */
  readonly hostHook: string;
  /** The bundles are rootless configs. */
  readonly rootless: boolean;
  /** The runtime under test. */
  readonly cli: RuntimeCli;
  /** Bound on waiting for a state or a file. */
  readonly waitMs: number;
  /** A container id unique to this run. */
  nextId(): string;
}

/** A program that records that it ran, then lives until killed. */
export const LONG_RUNNING = ['/bin/sh', '-c', `echo ran > ${OUT}/ran; exec sleep 100000`];
/** A program that records that it ran and exits. */
export const SHORT = ['/bin/sh', '-c', `echo ran > ${OUT}/ran`];

/**
 * What one check of {@link conformance} gets: its own directory, fresh
 * container ids (force-deleted after the check), bundles, hooks that
 * record what they saw, and the runtime under test with assertions around
 * it.
 */
export class Harness {
  /** The check's output directory, bind-mounted at /out in its containers; the hooks write there too. */
  readonly out: string;
  /** The runtime under test (the run's {@link RunContext.cli}). */
  readonly cli: RuntimeCli;
  private readonly ids: string[] = [];
  private bundles = 0;

  /**
   * @param ctx what the run shares between its checks
   * @param dir the check's own directory (created if missing)
   */
  constructor(
    readonly ctx: RunContext,
    readonly dir: string,
  ) {
    this.out = path.join(dir, 'out');
    fs.mkdirSync(this.out, { recursive: true });
    this.cli = ctx.cli;
  }

  /** The run's bundles are rootless configs. */
  get rootless(): boolean {
    return this.ctx.rootless;
  }

  /** A new container id, deleted (--force) at cleanup. */
  id(): string {
    const id = this.ctx.nextId();
    this.ids.push(id);
    return id;
  }

  /** Writes a bundle running `args` (default: LONG_RUNNING), after `edit`; returns its directory. */
  bundle(edit?: (config: Config) => void, args: string[] = LONG_RUNNING): string {
    const dir = path.join(this.dir, `bundle-${++this.bundles}`);
    const config = baseConfig({ rootfs: this.ctx.rootfs, out: this.out, rootless: this.ctx.rootless, args });
    edit?.(config);
    writeBundle(dir, config);
    return dir;
  }

  /** A bundle create cannot honour: a bind mount whose source does not exist. Returns [bundle, why]. */
  unmountableBundle(): [string, string] {
    const missing = path.join(this.dir, 'no-such-source');
    const bundle = this.bundle((c) => c.mounts.push({ destination: '/mnt', type: 'bind', source: missing, options: ['rbind'] }));
    return [bundle, `the mount source ${missing} does not exist`];
  }

  /** A hook run on the host: records as LABEL in out/, exits with `exit` (after `sleep` seconds). */
  hook(label: string, opts: { exit?: number; sleep?: number; sleepInChild?: boolean; env?: string[]; timeout?: number } = {}): HookEntry {
    const args = [this.ctx.hostHook, this.out, label, String(opts.exit ?? 0)];
    if (opts.sleep !== undefined) args.push(String(opts.sleep), opts.sleepInChild ? 'child' : 'self');
    const entry: HookEntry = { path: this.ctx.hostHook, args, env: [...HOOK_ENV, ...(opts.env ?? [])] };
    if (opts.timeout !== undefined) entry.timeout = opts.timeout;
    return entry;
  }

  /** A hook whose path exists only inside the container (startContainer). */
  containerHook(label: string, exit = 0): HookEntry {
    return { path: CONTAINER_HOOK, args: [CONTAINER_HOOK, OUT, label, String(exit)], env: ['PATH=/bin'] };
  }

  /** The hook labels in the order they ran. */
  order(): string[] {
    const file = path.join(this.out, 'order');
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  }

  /** out/NAME, or undefined when absent. */
  read(name: string): string | undefined {
    const file = path.join(this.out, name);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  }

  /** The state a hook got on stdin, parsed. */
  hookState(label: string): StateJson {
    const text = this.read(`${label}.state`);
    assert.ok(text !== undefined, `hook ${label} did not run`);
    try {
      return JSON.parse(text) as StateJson;
    } catch {
      assert.fail(`hook ${label} got no JSON on stdin: ${JSON.stringify(text.slice(0, 200))}`);
    }
  }

  /** Runs one operation of the runtime; resolves whatever its exit status. */
  run(args: readonly string[]): Promise<CliResult> {
    return this.cli.run(args);
  }

  /** `create --bundle DIR ID`. */
  create(id: string, bundle: string): Promise<CliResult> {
    return this.cli.run(['create', '--bundle', bundle, id]);
  }

  /** Runs an operation that must succeed (`wrapper`: see RuntimeCli.run). */
  async ok(args: readonly string[], wrapper?: readonly string[]): Promise<CliResult> {
    const res = await this.cli.run(args, wrapper);
    assert.equal(res.code, 0, `expected success: ${describeCall(res)}`);
    return res;
  }

  /** Runs an operation that must fail (exit non-zero). */
  async fails(args: readonly string[], why: string): Promise<CliResult> {
    const res = await this.cli.run(args);
    assert.notEqual(res.code, 0, `${why}, but ${describeCall(res)} succeeded`);
    return res;
  }

  /** Creates a container that must come up as `created`; returns its state. */
  async created(id: string, bundle: string): Promise<StateJson> {
    await this.ok(['create', '--bundle', bundle, id]);
    const state = await this.cli.state(id);
    assert.ok(state, `state ${id} failed after a successful create`);
    return state;
  }

  /** The state, which must exist. */
  async state(id: string): Promise<StateJson> {
    const state = await this.cli.state(id);
    assert.ok(state, `state ${id} failed`);
    return state;
  }

  /** Asserts that the runtime knows no container `id`. */
  async gone(id: string, why: string): Promise<void> {
    const res = await this.cli.run(['state', id]);
    assert.notEqual(res.code, 0, `${why}, but \`state ${id}\` still answers: ${res.stdout.trim()}`);
  }

  /** Polls until `id`'s status is `status` (bounded by the run's wait). */
  async waitStatus(id: string, status: string): Promise<StateJson> {
    let last: StateJson | undefined;
    await this.until(async () => {
      last = await this.cli.state(id);
      return last?.status === status;
    }, `container ${id} to be ${status} (last state: ${JSON.stringify(last)})`);
    return last!;
  }

  /** Polls until out/NAME exists. */
  async waitFile(name: string): Promise<string> {
    await this.until(async () => this.read(name) !== undefined, `${OUT}/${name} to be written`);
    return this.read(name)!;
  }

  /** Polls `ready` every 50 ms up to the run's bound; fails naming `what`. */
  async until(ready: () => Promise<boolean> | boolean, what: string): Promise<void> {
    const deadline = Date.now() + this.ctx.waitMs;
    for (;;) {
      if (await ready()) return;
      if (Date.now() > deadline) assert.fail(`gave up waiting ${this.ctx.waitMs} ms for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Deletes (--force) every container this check made, then its directory. */
  async cleanup(): Promise<void> {
    for (const id of this.ids) {
      if ((await this.cli.run(['state', id])).code === 0) await this.cli.run(['delete', '--force', id]);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Whether `pid` names a live process (a zombie counts as gone). */
export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The namespace link of `pid` (`mnt:[4026531840]`), or undefined if unreadable. */
export function nsOf(pid: number | 'self', type: string): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/${type}`);
  } catch {
    return undefined;
  }
}

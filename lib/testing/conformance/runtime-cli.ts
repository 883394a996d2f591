/**
 * Runs the runtime under test: `RUNTIME --root STATE_ROOT ARGS...`, one
 * process per operation, as an engine would.
 *
 * Its standard output and error go to files, not pipes: `create` hands its
 * stdio to the container process, which keeps a pipe open for as long as it
 * lives, so waiting for the pipes to close would wait for the container.
 */
import assert, { AssertionError } from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** How one call of the runtime ended, and what it printed. */
export interface CliResult {
  /** The arguments after `--root STATE_ROOT`. */
  readonly args: readonly string[];
  /** Its exit status, null when a signal ended it. */
  readonly code: number | null;
  /** The signal that ended it, else null. */
  readonly signal: NodeJS.Signals | null;
  /** What it wrote to stdout. */
  readonly stdout: string;
  /** What it wrote to stderr. */
  readonly stderr: string;
}

/** The OCI state as the runtime prints it (fields unchecked). */
export type StateJson = Record<string, unknown>;

/** The runtime under test, called one process per operation as an engine calls it. */
export class RuntimeCli {
  private calls = 0;

  /**
   * @param runtime  path of the runtime executable
   * @param stateRoot  the --root directory of this run (unique, removed after)
   * @param logDir  where each call's output files go
   * @param timeoutMs  bound on one call; a runtime that hangs is killed and the test fails
   */
  constructor(
    readonly runtime: string,
    readonly stateRoot: string,
    private readonly logDir: string,
    private readonly timeoutMs: number,
    private readonly extraArgs: readonly string[] = [],
  ) {}

  /**
   * Runs one operation; resolves whatever its exit status. `wrapper`: a
   * command that runs the runtime (setpriv with a smaller bounding set).
   */
  async run(args: readonly string[], wrapper: readonly string[] = []): Promise<CliResult> {
    const n = ++this.calls;
    const outPath = path.join(this.logDir, `call-${n}.out`);
    const errPath = path.join(this.logDir, `call-${n}.err`);
    const out = fs.openSync(outPath, 'w', 0o600);
    const err = fs.openSync(errPath, 'w', 0o600);
    const full = [...wrapper, this.runtime, ...this.extraArgs, '--root', this.stateRoot, ...args];
    try {
      const child = spawn(full[0]!, full.slice(1), { stdio: ['ignore', out, err] });
      const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          // A check's failure: the runtime hung.
          reject(new AssertionError({ message: `${full.join(' ')} did not finish within ${this.timeoutMs} ms` }));
        }, this.timeoutMs);
        child.once('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
        child.once('exit', (c, s) => {
          clearTimeout(timer);
          resolve({ code: c, signal: s });
        });
      });
      return { args: full, code, signal, stdout: fs.readFileSync(outPath, 'utf8'), stderr: fs.readFileSync(errPath, 'utf8') };
    } finally {
      fs.closeSync(out);
      fs.closeSync(err);
    }
  }

  /** `state ID`, parsed; undefined when the runtime reports an error. */
  async state(id: string): Promise<StateJson | undefined> {
    const res = await this.run(['state', id]);
    if (res.code !== 0) return undefined;
    try {
      return JSON.parse(res.stdout) as StateJson;
    } catch {
      assert.fail(`state ${id} exited 0 but printed no JSON: ${JSON.stringify(res.stdout)}`);
    }
  }
}

/** One line describing a call, for assertion messages. */
export function describeCall(res: CliResult): string {
  const how = res.signal ? `signal ${res.signal}` : `exit ${res.code}`;
  const err = res.stderr.trim();
  return `\`${res.args.join(' ')}\` (${how})${err ? `: ${err.slice(0, 400)}` : ''}`;
}

/**
 * Run by the rootless exec test as the unprivileged user kapsel-test:
 * creates and starts the container of the bundle given as argv[2] (its
 * process sleeps), execs `/probe report` (or the process fields given as
 * JSON in argv[3] over it) into it through the library with no state root
 * option, and prints ONE JSON line (with "cli" as argv[3] and `kapsel exec`
 * flags as JSON in argv[4]: the process the CLI makes of the container's
 * recorded one and those flags, running `/probe report`):
 *   {"exit", "report", "stderr", "initNamespaces", "children"}
 * or {"error": message, "code": ...} (exit status 1).
 *
 *   node dist/test/helpers/rootless-exec-runner.js BUNDLE_DIR [PROCESS_JSON | cli FLAGS_JSON]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { processFromFlags } from '../../lib/cli/commands/exec';
import type { Process } from '../../lib/config/types';
import { existingBundle } from './bundle';
import { childProcesses } from './leaks';
import { createTestContainer } from './run';

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: rootless-exec-runner BUNDLE_DIR [PROCESS_JSON]');
  const cliFlags = process.argv[3] === 'cli' ? (JSON.parse(process.argv[4] ?? '{}') as Record<string, string[]>) : undefined;
  const overrides = (process.argv[3] && !cliFlags ? JSON.parse(process.argv[3]) : {}) as Partial<Process>;
  // Made (and chowned to us) by the test.
  const bundle = existingBundle(dir);
  const run = await createTestContainer(bundle, { root: null, args: ['/probe', 'sleep', '60'] });
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-exec-out-'));
  try {
    await run.container.start();
    const initNamespaces = Object.fromEntries(
      ['user', 'mnt', 'pid', 'net', 'ipc', 'uts'].map((t) => [t, fs.readlinkSync(`/proc/${run.container.pid}/ns/${t}`)]),
    );
    const stdout = fs.openSync(path.join(out, 'stdout'), 'w');
    const stderr = fs.openSync(path.join(out, 'stderr'), 'w');
    let exit;
    try {
      const proc = cliFlags
        ? processFromFlags(run.container.configProcess(), ['/probe', 'report'], cliFlags)
        : { args: ['/probe', 'report'], cwd: '/', env: ['PATH=/'], ...overrides };
      const p = await run.container.exec(proc, { stdio: [0, stdout, stderr] });
      exit = await p.wait();
    } finally {
      fs.closeSync(stdout);
      fs.closeSync(stderr);
    }
    const text = fs.readFileSync(path.join(out, 'stdout'), 'utf8');
    const report = text ? JSON.parse(text) : undefined;
    const errText = fs.readFileSync(path.join(out, 'stderr'), 'utf8');
    await run.destroy();
    process.stdout.write(JSON.stringify({ exit, report, stderr: errText, initNamespaces, children: childProcesses() }) + '\n');
  } finally {
    await run.destroy();
    fs.rmSync(out, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  const e = err as { message?: string; code?: string; stack?: string };
  process.stdout.write(JSON.stringify({ error: e?.message ?? String(err), code: e?.code, stack: e?.stack }) + '\n');
  process.exitCode = 1;
});

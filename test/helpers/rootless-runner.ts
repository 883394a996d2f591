/**
 * Run by the rootless tests as the unprivileged user kapsel-test (see
 * user.ts runAsUser): runs the container of the bundle given as argv[2]
 * through the library, with no state root option (the library must pick
 * $XDG_RUNTIME_DIR/kapsel), and prints ONE JSON line:
 *   {"root", "exit", "stdout", "stderr", "report" (RunResult), "children"}
 * or {"error": message, "code": ...} (exit status 1).
 *
 *   node dist/test/helpers/rootless-runner.js BUNDLE_DIR [--no-pivot]
 */
import { existingBundle } from './bundle';
import { childProcesses } from './leaks';
import { runProbe } from './run';

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: rootless-runner BUNDLE_DIR');
  // Made (and chowned to us) by the test.
  const bundle = existingBundle(dir);
  const result = await runProbe(bundle, { root: null, noPivot: process.argv.includes('--no-pivot') });
  // A container init left behind would still be our child here.
  process.stdout.write(JSON.stringify({ ...result, children: childProcesses() }) + '\n');
}

main().catch((err: unknown) => {
  const e = err as { message?: string; code?: string; stack?: string };
  process.stdout.write(JSON.stringify({ error: e?.message ?? String(err), code: e?.code, stack: e?.stack }) + '\n');
  process.exitCode = 1;
});

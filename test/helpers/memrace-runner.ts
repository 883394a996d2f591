/**
 * Run by the memory-race test as the unprivileged user kapsel-test: races
 * COUNT execs into the attacker container of BUNDLE_DIR (made and chowned
 * by the test; test/helpers/memrace.ts) through the library with no state
 * root option, and prints ONE JSON line, the RaceReport, or
 * {"error": message} (exit status 1).
 *
 *   node dist/test/helpers/memrace-runner.js BUNDLE_DIR COUNT
 */
import { existingBundle } from './bundle';
import { raceExecs } from './memrace';

async function main(): Promise<void> {
  const [dir, count] = process.argv.slice(2);
  if (!dir || !count) throw new Error('usage: memrace-runner BUNDLE_DIR COUNT');
  const report = await raceExecs(existingBundle(dir), Number(count), { root: null });
  process.stdout.write(JSON.stringify(report) + '\n');
}

main().catch((err: unknown) => {
  process.stdout.write(JSON.stringify({ error: (err as Error)?.message ?? String(err) }) + '\n');
  process.exitCode = 1;
});

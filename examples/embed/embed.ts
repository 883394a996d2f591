/**
 * Embedding kapsel in a program: create a container from a bundle, start
 * it with its stdout captured in a file, wait for its exit code, delete it.
 *
 *   node dist/examples/embed/embed.js BUNDLE [ID]
 *
 * (examples/hello-world/run.sh builds a suitable bundle; keep it with
 * `bash examples/hello-world/run.sh /tmp/demo`, then use /tmp/demo/bundle.)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Container, KapselError } from '../../lib';

async function main(): Promise<number> {
  const [bundle, id = `embed-${process.pid}`] = process.argv.slice(2);
  if (!bundle) {
    console.error('usage: embed BUNDLE [ID]');
    return 2;
  }
  const outFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-embed-')), 'stdout');
  const out = fs.openSync(outFile, 'w');
  const container = await Container.create({ id, bundle, stdio: [0, out, 2] });
  fs.closeSync(out); // the container has its own copy
  container.on('started', () => console.log(`started ${id} (pid ${container.pid})`));
  try {
    console.log('state after create:', container.state().status);
    await container.start();
    const { exitCode, signal } = await container.wait();
    console.log(`exited: code ${exitCode}, signal ${signal}`);
    console.log('state after exit:', container.state().status);
    console.log('its output:', fs.readFileSync(outFile, 'utf8').trim());
    return exitCode ?? 1;
  } finally {
    await container.delete({ force: true });
    fs.rmSync(path.dirname(outFile), { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const code = err instanceof KapselError ? err.code : 'ERROR';
    console.error(`embed: ${code}: ${(err as Error).message}`);
    process.exit(1);
  },
);

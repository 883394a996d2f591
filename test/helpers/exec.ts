/**
 * Running a process in a started test container and reading what it
 * printed: the frame of the exec tests.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Container } from '../../lib/container/container';
import type { Process } from '../../lib/config/types';
import type { WaitResult } from '../../lib/native/addon';
import type { Bundle } from './bundle';
import { createTestContainer } from './run';
import { tempDir } from './tmp';

/** A started container of `bundle` running `/probe sleep 60` under `root`, force-deleted after `fn`. */
export async function withStarted<T>(bundle: Bundle, root: string, fn: (c: Container) => Promise<T>): Promise<T> {
  const run = await createTestContainer(bundle, { root, args: ['/probe', 'sleep', '60'] });
  try {
    await run.container.start();
    return await fn(run.container);
  } finally {
    await run.destroy();
  }
}

/** Execs `proc` into `c` with stdout in a file (stdin and stderr the test's own); its exit and stdout once it exited. */
export async function execCapture(c: Container, proc: Process): Promise<{ exit: WaitResult; stdout: string }> {
  const dir = tempDir('exec-out');
  const out = fs.openSync(path.join(dir, 'out'), 'w');
  try {
    const p = await c.exec(proc, { stdio: [0, out, 2] });
    const exit = await p.wait();
    return { exit, stdout: fs.readFileSync(path.join(dir, 'out'), 'utf8') };
  } finally {
    fs.closeSync(out);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the real bin/kapsel from a system test, its stdout and stderr in
 * files rather than pipes: a created container's stdio is the CLI's, and
 * would keep a pipe (and spawnSync waiting) open as long as it lives.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './bundle';
import { tempDir } from './tmp';

export const BIN = path.join(REPO_ROOT, 'bin', 'kapsel');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** bin/kapsel ...GLOBAL --root ROOT ...ARGS, with `extraFds` passed as fds 3... */
export function kapselCli(root: string, args: string[], options: { global?: string[]; extraFds?: number[] } = {}): CliResult {
  const dir = tempDir('cli-out');
  const outFd = fs.openSync(path.join(dir, 'out'), 'w');
  const errFd = fs.openSync(path.join(dir, 'err'), 'w');
  try {
    const res = spawnSync(BIN, [...(options.global ?? []), '--root', root, ...args], {
      stdio: ['ignore', outFd, errFd, ...(options.extraFds ?? [])],
      timeout: 60_000,
    });
    if (res.error) throw res.error;
    return { status: res.status, stdout: fs.readFileSync(path.join(dir, 'out'), 'utf8'), stderr: fs.readFileSync(path.join(dir, 'err'), 'utf8') };
  } finally {
    fs.closeSync(outFd);
    fs.closeSync(errFd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

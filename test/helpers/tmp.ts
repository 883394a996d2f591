/**
 * Temporary directories of the system tests. Every one starts with
 * TMP_PREFIX, so that the leak checks can recognise anything of ours that
 * is still mounted after a test file, and state roots are remembered so
 * that they can be checked for leftovers.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Prefix of every temporary path the tests create (bundles, roots, outputs). */
export const TMP_PREFIX = path.join(os.tmpdir(), 'kapsel-test-');

const created: string[] = [];

/** A new empty directory under os.tmpdir() named TMP_PREFIX + kind + random. */
export function tempDir(kind: string): string {
  const dir = fs.mkdtempSync(`${TMP_PREFIX}${kind}-`);
  created.push(dir);
  return dir;
}

/** Every directory tempDir() made in this process (removed or not). */
export function createdTempDirs(): string[] {
  return [...created];
}

const roots = new Set<string>();

/**
 * A state root for the containers of one test file (each test file runs in
 * its own process). assertNoLeaks checks that it ends up empty, then
 * removes it.
 */
export function tempRoot(): string {
  const dir = tempDir('root');
  roots.add(dir);
  return dir;
}

/** The state roots created by tempRoot() in this process and not yet released. */
export function stateRoots(): string[] {
  return [...roots];
}

export function releaseRoot(dir: string): void {
  roots.delete(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Removes every state root of this process, whatever is in it (after hooks). */
export function releaseAllRoots(): void {
  for (const dir of roots) releaseRoot(dir);
}

/**
 * The few file operations cgroup drivers do, with errors that name the
 * file: read/write one control file, create a cgroup directory chain
 * (remembering which directories were made), remove cgroups deepest
 * first, list a cgroup's processes. What a container's life does per
 * create and delete (mkdirs, limits, placement, rmdirs) goes in batches
 * on libuv's pool (file-batch.ts), off the JS thread; single reads and
 * writes for the CLI's commands (pause, kill, stats) stay synchronous.
 */
import { isUtf8 } from 'node:buffer';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KapselError } from '../errors';
import { native } from '../native/addon';
import type { CgroupWrite } from './writes';
import { failureError, isFailure, runFileBatch, type FileOp, type FileOpFailure, type FileOpResult } from './file-batch';

const { EEXIST, EINVAL, ENOENT } = os.constants.errno;

export class CgroupError extends KapselError {
  constructor(
    message: string,
    readonly path: string,
    readonly errno?: string,
  ) {
    super('ERR_CGROUP', message);
  }
}

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/** A control file's content, or undefined when the file does not exist. */
export function readControl(dir: string, file: string): string | undefined {
  try {
    // O_NOFOLLOW: a control file is never a symlink (one planted in a writable cgroup must not be read through).
    const fd = fs.openSync(path.join(dir, file), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      return fs.readFileSync(fd, 'utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw new CgroupError(`cgroup: read ${path.join(dir, file)}: ${(err as Error).message}`, path.join(dir, file), errnoOf(err));
  }
}

/**
 * A control file's name: one path component of the cgroup's directory.
 * Names built from input (hugetlb.<pageSize>.max, unified keys) are
 * validated before they get here; this is the last line, so that no name
 * ever reaches another directory (issue 16: "/../../x/victim" as a page
 * size wrote any file as root).
 */
function checkFileName(dir: string, file: string): void {
  if (file === '' || file === '.' || file === '..' || file.includes('/') || file.includes('\0')) {
    throw new CgroupError(`cgroup: "${file}" is not a file name in ${dir}`, path.join(dir, file), 'EINVAL');
  }
}

/** A write op: the file opened from its directory's fd, O_NOFOLLOW, never created (file_batch.cc). */
function writeOp(dir: string, file: string, value: string): FileOp & { op: 'write' } {
  checkFileName(dir, file);
  return { op: 'write', path: dir, file, value };
}

export function writeControl(dir: string, file: string, value: string): void {
  // One write(2) per value: each line of a control file is one command.
  const [result] = native().fileBatch([writeOp(dir, file, value)]);
  if (isFailure(result)) throw writeError(path.join(dir, file), value, result);
}

/** A read's text; undefined for a missing file (ENOENT); a CgroupError for any other failure. */
export function readResult(result: FileOpResult, file: string): string | undefined {
  if (isFailure(result)) {
    if (result.code === 'ENOENT') return undefined;
    const err = failureError(result, file);
    throw new CgroupError(`cgroup: read ${file}: ${err.message}`, file, result.code);
  }
  return typeof result === 'string' ? result : undefined;
}

/** Reads control files in one batch on the pool; undefined for a missing one. */
export async function readControls(files: readonly string[]): Promise<Array<string | undefined>> {
  const results = await runFileBatch(files.map((file) => ({ op: 'read' as const, path: file, tolerate: true as const })));
  return files.map((file, i) => readResult(results[i], file));
}

function writeError(target: string, value: string, failure: FileOpFailure): CgroupError {
  const err = failureError(failure, target);
  return new CgroupError(`cgroup: write "${value}" to ${target}: ${err.message}`, target, failure.code);
}

/**
 * Writes control files in order, in one batch on the pool; the first
 * failure stops it and is thrown naming the file.
 */
export async function writeControls(writes: ReadonlyArray<{ dir: string; file: string; value: string }>): Promise<void> {
  const targets = writes.map((w) => path.join(w.dir, w.file));
  const results = await runFileBatch(writes.map((w) => writeOp(w.dir, w.file, w.value)));
  results.forEach((result, i) => {
    if (isFailure(result)) throw writeError(targets[i], writes[i].value, result);
  });
}

/**
 * Applies writes in order, in one batch on the pool. A write the kernel
 * refuses with EINVAL is tried again once after the others, since some
 * pairs depend on their order and the right order depends on the current
 * values (memory.limit and memory.memsw.limit when lowering or raising
 * both, cfs period and quota). No write creates its file: a missing one
 * is an error naming it, or, for a write with `ifMissing`, the warning
 * instead of the write.
 */
export async function applyWrites(dirFor: (controller: string) => string | undefined, writes: readonly CgroupWrite[], warn: (message: string) => void): Promise<void> {
  const planned = writes.map((w) => ({ w, dir: dirFor(w.controller) }));
  const ops: Array<FileOp & { op: 'write' }> = [];
  for (const { w, dir } of planned) {
    if (!dir) continue;
    const optional = w.ifMissing !== undefined;
    ops.push({ ...writeOp(dir, w.file, w.value), tolerate: optional ? [EINVAL, ENOENT] : [EINVAL] });
  }
  const results = await runFileBatch(ops);
  const retry: Array<FileOp & { op: 'write' }> = [];
  let next = 0;
  // In the order of the writes: warnings and failures come out as the synchronous writes gave them.
  for (const { w, dir } of planned) {
    if (!dir) {
      // A v1 controller this host does not mount.
      warn(`cgroup controller "${w.controller}" is not mounted on this host: ${w.file} is not set`);
      continue;
    }
    const op = ops[next];
    const result = results[next++];
    if (!isFailure(result)) continue;
    if (w.ifMissing !== undefined && result.code === 'ENOENT') {
      if (w.ifMissing) warn(w.ifMissing);
      continue;
    }
    if (result.code === 'EINVAL') retry.push({ ...op, tolerate: undefined });
    else throw writeError(path.join(op.path, op.file), w.value, result);
  }
  const retried = await runFileBatch(retry);
  retried.forEach((result, i) => {
    if (isFailure(result)) throw writeError(path.join(retry[i].path, retry[i].file), retry[i].value, result);
  });
}

/** The directories mkdir -p of `dir` would make, parents first. */
export function missingDirs(dir: string): string[] {
  const missing: string[] = [];
  for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
  return missing;
}

/**
 * Makes `dirs` (parents before children), in one batch on the pool, and
 * reads `thenRead` after them in the same batch. Returns the directories
 * it made (one that exists already was made by someone else meanwhile:
 * not ours) and what was read (undefined: missing); on a failure, what
 * was made before it and the error, which names the directory.
 */
export async function makeCgroupDirs(
  dirs: readonly string[],
  thenRead: readonly string[] = [],
): Promise<{ made: string[]; read: Array<string | undefined>; error?: CgroupError }> {
  const ops: FileOp[] = [
    ...dirs.map((d) => ({ op: 'mkdir' as const, path: d, tolerate: [EEXIST] })),
    ...thenRead.map((file) => ({ op: 'read' as const, path: file, tolerate: true as const })),
  ];
  const results = await runFileBatch(ops);
  const made: string[] = [];
  let failed: CgroupError | undefined;
  dirs.forEach((d, i) => {
    const result = results[i];
    if (result === true) made.push(d);
    else if (isFailure(result) && result.code !== 'EEXIST' && !failed) {
      failed = new CgroupError(`cgroup: mkdir ${d}: ${failureError(result, d).message}`, d, result.code);
    }
  });
  if (failed) return { made, read: [], error: failed };
  return { made, read: thenRead.map((file, i) => readResult(results[dirs.length + i], file)) };
}

/** The pids in cgroup.procs of `dir` (not of its children). */
export function procsOf(dir: string): number[] {
  const text = readControl(dir, 'cgroup.procs') ?? '';
  return pidsIn(text);
}

function pidsIn(text: string): number[] {
  return text.split('\n').filter(Boolean).map(Number);
}

/** Cgroups a walk of the tree leaves out, with all below them (CgroupRecord.preexisting: someone else's). */
export type Skip = ReadonlySet<string>;
const NONE: Skip = new Set();

/**
 * Whether a listed name lost bytes: a name that is not UTF-8 comes back
 * with U+FFFD in their place, and the path made of it names nothing.
 */
function lossy(name: string): boolean {
  return name.includes('\uFFFD');
}

/**
 * A subdirs result as paths, without those in `skip`; [] for a missing directory; other failures
 * are CgroupErrors. Names that are not UTF-8 are left out: no string
 * path reaches them (byteNamedTrees does, for the few callers that must).
 */
export function subdirsResult(result: FileOpResult, dir: string, skip: Skip = NONE): string[] {
  if (isFailure(result)) {
    if (result.code === 'ENOENT') return [];
    throw new CgroupError(`cgroup: list ${dir}: ${failureError(result, dir).message}`, dir, result.code);
  }
  if (!Array.isArray(result)) return [];
  return result.filter((name) => !lossy(name)).map((name) => path.join(dir, name)).filter((child) => !skip.has(child));
}

/**
 * The child cgroups of `dir` named with bytes that are not UTF-8 (a
 * container that may write its cgroup can make them), with all below
 * them, parents before children, as byte paths (fs takes Buffers).
 * Listed synchronously: only a listing that showed such a name, or a
 * cgroup that stays busy, looks.
 */
export function byteNamedTrees(dir: string): Buffer[] {
  const out: Buffer[] = [];
  const list = (parent: Buffer, onlyByteNamed: boolean): void => {
    let entries: Array<fs.Dirent<Buffer>>;
    try {
      entries = fs.readdirSync(parent, { withFileTypes: true, encoding: 'buffer' }) as unknown as Array<fs.Dirent<Buffer>>;
    } catch {
      return; // gone meanwhile
    }
    for (const e of entries) {
      const name = e.name as unknown as Buffer;
      if (!e.isDirectory() || (onlyByteNamed && isUtf8(name))) continue;
      const child = Buffer.concat([parent, Buffer.from('/'), name]);
      out.push(child);
      list(child, false);
    }
  };
  list(Buffer.from(dir), true);
  return out;
}

/** The subdirectories of each of `level` but those in `skip`, listed in one batch on the pool, with the root each came from. */
async function childrenOf(level: ReadonlyArray<{ root: number; dir: string }>, skip: Skip): Promise<Array<{ root: number; dir: string }>> {
  const listed = await runFileBatch(level.map(({ dir }) => ({ op: 'subdirs' as const, path: dir, tolerate: true as const })));
  return level.flatMap(({ root, dir }, i) => subdirsResult(listed[i], dir, skip).map((child) => ({ root, dir: child })));
}

/**
 * Every descendant cgroup of each of `dirs` (not the dirs themselves),
 * children after their parent, listed level by level, without those in
 * `skip` and what is below them. `known`: the subdirectories of `dirs`
 * (without `skip`), when the caller listed them already.
 */
export async function descendantsOf(dirs: readonly string[], known?: ReadonlyArray<readonly string[]>, skip: Skip = NONE): Promise<string[][]> {
  const out: string[][] = dirs.map(() => []);
  let level = known
    ? known.flatMap((children, root) => children.map((dir) => ({ root, dir })))
    : await childrenOf(dirs.map((dir, root) => ({ root, dir })), skip);
  while (level.length > 0) {
    for (const { root, dir } of level) out[root].push(dir);
    level = await childrenOf(level, skip);
  }
  return out;
}

/** Every pid of the cgroup and of its descendants but `skip` and below (listed and read in batches on the pool). */
export async function procsOfTree(dir: string, skip: Skip = NONE): Promise<number[]> {
  const pids: number[] = [];
  for (let level = [dir]; level.length > 0; ) {
    const results = await runFileBatch(
      level.flatMap((d) => [
        { op: 'subdirs' as const, path: d, tolerate: true as const },
        { op: 'read' as const, path: path.join(d, 'cgroup.procs'), tolerate: true as const },
      ]),
    );
    const next: string[] = [];
    level.forEach((d, i) => {
      const listed = results[2 * i];
      next.push(...subdirsResult(listed, d, skip));
      pids.push(...pidsIn(readResult(results[2 * i + 1], path.join(d, 'cgroup.procs')) ?? ''));
      // Processes in cgroups no string path names are the container's too.
      if (Array.isArray(listed) && listed.some(lossy)) {
        for (const tree of byteNamedTrees(d)) pids.push(...pidsIn(readBytePath(Buffer.concat([tree, Buffer.from('/cgroup.procs')]))));
      }
    });
    level = next;
  }
  return pids;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A file read by its byte path; '' when it cannot be read (gone meanwhile). */
function readBytePath(file: Buffer): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Removes the byte-named child cgroups of `dir` (byteNamedTrees), deepest first; what stays busy is tried again with `dir`. */
function removeByteNamedTrees(dir: string): void {
  for (const tree of byteNamedTrees(dir).reverse()) {
    try {
      fs.rmdirSync(tree);
    } catch {
      // busy for a moment, or gone: the caller's retry of `dir` comes back here
    }
  }
}

/**
 * Removes cgroups, each tree given as its directories with children after
 * their parent (descendantsOf), deepest first, in batches on the pool. A
 * cgroup whose last process just died can stay busy for a moment (EBUSY
 * until the kernel has released it): what is busy is tried again for a
 * while, children still before their parent.
 */
export async function removeCgroupTrees(trees: readonly (readonly string[])[]): Promise<void> {
  let pending = trees.flatMap((tree) => [...tree].reverse());
  for (let attempt = 0; pending.length > 0; attempt++) {
    const results = await runFileBatch(pending.map((d) => ({ op: 'rmdir' as const, path: d, tolerate: true as const })));
    const busy: string[] = [];
    pending.forEach((d, i) => {
      const result = results[i];
      if (!isFailure(result) || result.code === 'ENOENT') return;
      // Busy, perhaps for children the listing could not name: those go first.
      if (result.code === 'EBUSY') removeByteNamedTrees(d);
      if (result.code === 'EBUSY' && attempt < 200) busy.push(d);
      else throw new CgroupError(`cgroup: rmdir ${d}: ${failureError(result, d).message}`, d, result.code);
    });
    pending = busy;
    if (busy.length > 0) await sleep(Math.min(2 ** attempt, 20));
  }
}

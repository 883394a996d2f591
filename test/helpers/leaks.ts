/**
 * Leak checks for the end of every system test file: a run must leave no
 * mount, process, cgroup, state directory or file descriptor behind.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ID_PREFIX } from './run';
import { createdTempDirs, releaseRoot, stateRoots } from './tmp';

export interface SystemSnapshot {
  /** fd number -> readlink target, of this process. */
  fds: Map<string, string>;
  /** Cgroups named with this pid that were there before the file ran and could not be removed (staleCgroups). */
  staleCgroups: string[];
}

/** fd number -> readlink target, of this process. */
export function listFds(): Map<string, string> {
  const out = new Map<string, string>();
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      out.set(fd, fs.readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // the fd readdir itself used, closed meanwhile
    }
  }
  return out;
}

/** The lowest fd number (from 3) not open in this process: the one the next open takes. */
export function lowestClosedFd(): number {
  const isOpen = (fd: number): boolean => {
    try {
      fs.fstatSync(fd);
      return true;
    } catch {
      return false;
    }
  };
  let fd = 3;
  while (isOpen(fd)) fd++;
  return fd;
}

/** Taken at the start of a test file (before any container), for assertNoLeaks. */
export function snapshotSystem(): SystemSnapshot {
  return { fds: listFds(), staleCgroups: removeStaleCgroups() };
}

/**
 * Removes the cgroups named after this pid's test containers that exist
 * before this process made any: they are an earlier process's, one that
 * had the same pid and was killed before its containers were deleted (a
 * run stopped by hand or by a timeout; pids are reused, pid_max is often
 * 32768). Left there, they would be counted as this file's leak, and
 * worse, create takes an existing empty cgroup as someone else's
 * (lib/cgroups/index.ts, createCgroups) and delete then leaves it, so the
 * leak would outlive this run too. Empty ones go (with the empty ones
 * below them); those that cannot be removed (a process still in them)
 * are returned, and assertNoLeaks does not count them.
 */
export function removeStaleCgroups(pid: number = process.pid): string[] {
  const kept: string[] = [];
  for (const top of cgroupLeftovers(pid)) {
    // Deepest first: a cgroup is removed only once it has no children.
    for (const dir of subtree(top).reverse()) {
      try {
        fs.rmdirSync(dir);
      } catch {
        if (dir === top) kept.push(top);
      }
    }
  }
  return kept;
}

/** `dir` and every cgroup below it, parents before children. */
function subtree(dir: string): string[] {
  const out = [dir];
  let entries: fs.Dirent[] = [];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    // removed meanwhile
  }
  for (const e of entries) if (e.isDirectory()) out.push(...subtree(path.join(dir, e.name)));
  return out;
}

/** Every process: pid, "(comm)" and the fields after it in /proc/PID/stat (state, ppid, pgrp, session, ...). */
export function processStats(): Array<{ pid: string; comm: string; fields: string[] }> {
  const out: Array<{ pid: string; comm: string; fields: string[] }> = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid ...": comm may contain spaces and parentheses.
    out.push({ pid: entry, comm: stat.slice(stat.indexOf('('), stat.lastIndexOf(')') + 1), fields: stat.slice(stat.lastIndexOf(')') + 2).split(' ') });
  }
  return out;
}

/** Children of this process (zombies included: an unreaped init is a leak too). */
export function childProcesses(): string[] {
  return processStats()
    .filter((p) => Number(p.fields[1]) === process.pid)
    .map((p) => `${p.pid} ${p.comm} ${p.fields[0]}`);
}

/**
 * Cgroup directories whose name passes `matches`, on any hierarchy and at
 * any depth (not below a match): the walk has no depth limit, because where
 * a container's cgroup goes follows the runtime's own cgroup (cgroupsPath is
 * relative to it when not absolute), and leaked ones were found nested
 * several levels down (memory/process_api/<hash>/kapsel-test-PID-N).
 */
export function cgroupDirsNamed(matches: (name: string) => boolean): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // removed meanwhile
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const full = path.join(dir, e.name);
      if (matches(e.name)) found.push(full);
      else walk(full);
    }
  };
  walk('/sys/fs/cgroup');
  return found;
}

/**
 * Cgroup directories named after this process's test containers. Only
 * names with this process's pid count: other test processes run at the
 * same time with the same prefix.
 */
export function cgroupLeftovers(pid: number = process.pid): string[] {
  return cgroupDirsNamed((name) => name.includes(`${ID_PREFIX}${pid}-`));
}

/**
 * Asserts that nothing the tests created outlives them: no mount of ours
 * (a mountinfo line of this process mentioning a directory that tempDir()
 * made, under tmpPrefix), no child
 * process, every state root from tempRoot() empty (then removed), no cgroup
 * named after a test container, and no fd that was not open in `before`.
 */
export function assertNoLeaks(before: SystemSnapshot, tmpPrefix: string): void {
  // Only this process's directories: test processes of other files (or
  // other checkouts) may run at the same time with the same prefix.
  const ours = createdTempDirs().filter((dir) => dir.startsWith(tmpPrefix));
  const mounts = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => ours.some((dir) => line.includes(dir)));
  assert.deepEqual(mounts, [], 'mounts left behind');

  assert.deepEqual(childProcesses(), [], 'child processes left behind');

  for (const root of stateRoots()) {
    assert.deepEqual(fs.readdirSync(root), [], `state root ${root} not empty`);
    releaseRoot(root);
  }

  assert.deepEqual(
    cgroupLeftovers().filter((dir) => !before.staleCgroups.includes(dir)),
    [],
    'cgroups left behind',
  );

  const leaked: string[] = [];
  let initCopies = 0;
  for (const [fd, target] of listFds()) {
    if (before.fds.get(fd) === target) continue;
    // The addon keeps ONE sealed memfd copy of the init helper for the
    // life of the process (native/addon/spawn.cc): a cache, not a leak;
    // a second one would be.
    if (target.startsWith('/memfd:kapsel-init') && ++initCopies === 1) continue;
    leaked.push(`${fd} -> ${target}`);
  }
  assert.deepEqual(leaked, [], 'file descriptors left open');
}

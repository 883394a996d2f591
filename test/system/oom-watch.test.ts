// lib/cgroups/oom-watch.ts on real cgroups: the kernel's OOM notification
// (v1: an eventfd through cgroup.event_control; cgroup2: inotify on
// memory.events) reaches the callback with counts that add up to the
// cgroup's own oom_kill counter, the watch ends when the cgroup is removed
// or closed, and no fd stays open. Also the two kernfs behaviours the
// cgroup2 watch relies on, checked on this kernel's cgroup2 hierarchy, and
// the cgroup2 watch on a fake tree where no cgroup2 memory controller is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectLayout } from '../../lib/cgroups/layout';
import { watchOomKills, type OomWatch } from '../../lib/cgroups/oom-watch';
import type { CgroupRecord } from '../../lib/cgroups/driver';
import { SyscallError } from '../../lib/errors';
import { native } from '../../lib/native/addon';
import { IN_DELETE, IN_MODIFY, IN_NONBLOCK, IN_ONLYDIR } from '../../lib/native/constants';
import { FIXTURES_BIN } from '../helpers/bundle';
import { listFds } from '../helpers/leaks';
import { tempDir } from '../helpers/tmp';
import { uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';

const suite = systemSuite();
const layout = detectLayout();
const LIMIT = String(16 * 1024 * 1024);
const CGPROBE = path.join(FIXTURES_BIN, 'cgprobe');

const v1Memory = layout.v1.memory?.mountPoint;
const skipV1 = suite.skip || (!v1Memory ? 'no v1 memory hierarchy on this host' : false);
/** A cgroup2 hierarchy whose root hands the memory controller to its children. */
const v2Memory = (() => {
  if (!layout.unified) return undefined;
  const enabled = fs.readFileSync(path.join(layout.unified.mountPoint, 'cgroup.subtree_control'), 'utf8').split(/\s+/);
  return enabled.includes('memory') ? layout.unified.mountPoint : undefined;
})();
const skipV2 =
  suite.skip ||
  (!v2Memory ? 'no cgroup2 memory controller here (its root does not enable "memory" in cgroup.subtree_control; on this hybrid host memory is a v1 controller)' : false);
const skipKernfs = suite.skip || (!layout.unified ? 'no cgroup2 hierarchy mounted' : false);

/** Fails the test (a guard against hanging, not a timing assertion) if `p` takes longer than a minute. */
function guarded<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`never happened: ${what}`)), 60_000);
  });
  return Promise.race([p, guard]).finally(() => clearTimeout(timer));
}

/** Runs `command` as a member of the cgroup `dir` (it joins before the exec); resolves with its output. */
function runIn(dir: string, command: string[]): Promise<{ code: number | null; stdout: string }> {
  const child = spawn('/bin/sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', dir, ...command], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout })));
}

function oomKillCounter(dir: string, file: string): number {
  return Number(/^oom_kill (\d+)$/m.exec(fs.readFileSync(path.join(dir, file), 'utf8'))![1]);
}

/** Collects what a watch reports; `reached(n)` resolves once n kills were reported in all. */
function recorder(): { reports: number[]; onKills: (n: number) => void; reached: (n: number) => Promise<void> } {
  const reports: number[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const total = (): number => reports.reduce((a, b) => a + b, 0);
  return {
    reports,
    onKills(n) {
      reports.push(n);
      for (const w of waiters) if (total() >= w.n) w.resolve();
    },
    reached: (n) => (total() >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
  };
}

/** Open fds of this process that the watch would own: event fds, inotify, files of the cgroup. */
function watchFds(dir: string): string[] {
  return [...listFds().values()].filter((t) => t === 'anon_inode:[eventfd]' || t === 'anon_inode:inotify' || t.startsWith(dir));
}

/** The OOM kills of two children, one after the other, through a watch of `record`; then the cgroup's removal ends it. */
async function killsThenRemoval(record: CgroupRecord, dir: string, counterFile: string): Promise<void> {
  // Child processes set up libuv's signal pipe once per process: before the count.
  await runIn(dir, ['/bin/true']);
  const before = listFds();
  const eventFdsBefore = watchFds(dir).length;
  const seen = recorder();
  const watch = watchOomKills(record, seen.onKills) as OomWatch;
  assert.ok(watch);
  assert.equal(watchFds(dir).length > eventFdsBefore, true, 'the watch holds its fds while it runs');

  const run = await runIn(dir, [CGPROBE, 'oom-children', '2']);
  assert.equal(run.code, 0);
  assert.deepEqual(JSON.parse(run.stdout), { killed: 2 });
  const counted = oomKillCounter(dir, counterFile);
  assert.ok(counted >= 2, `the kernel counted ${counted} kills`);
  await guarded(seen.reached(counted), `${counted} kills reported`);
  assert.equal(seen.reports.reduce((a, b) => a + b, 0), counted, 'the reports add up to the kernel\'s count');
  assert.ok(seen.reports.every((n) => n >= 1));

  fs.rmdirSync(dir);
  assert.equal(await guarded(watch.ended, 'the watch ends with its cgroup'), 'gone');
  assert.deepEqual(listFds(), before, 'no fd left behind');
  watch.close(); // after the end: nothing to do, no error
}

test('v1: each OOM kill in the memory cgroup is reported, counts match memory.oom_control, the cgroup\'s removal ends the watch, no fd left', { skip: skipV1 }, async () => {
  const dir = path.join(v1Memory!, uniqueId());
  fs.mkdirSync(dir);
  try {
    fs.writeFileSync(path.join(dir, 'memory.limit_in_bytes'), LIMIT);
    // No swap to escape into, where the host has swap accounting.
    if (fs.existsSync(path.join(dir, 'memory.memsw.limit_in_bytes'))) fs.writeFileSync(path.join(dir, 'memory.memsw.limit_in_bytes'), LIMIT);
    await killsThenRemoval({ version: 1, v1: { memory: dir }, created: [dir] }, dir, 'memory.oom_control');
  } finally {
    if (fs.existsSync(dir)) fs.rmdirSync(dir);
  }
});

test('cgroup2: each OOM kill is reported, counts match memory.events, the cgroup\'s removal ends the watch, no fd left', { skip: skipV2 }, async () => {
  const dir = path.join(v2Memory!, uniqueId());
  fs.mkdirSync(dir);
  try {
    fs.writeFileSync(path.join(dir, 'memory.max'), LIMIT);
    if (fs.existsSync(path.join(dir, 'memory.swap.max'))) fs.writeFileSync(path.join(dir, 'memory.swap.max'), '0');
    await killsThenRemoval({ version: 2, v1: {}, unified: dir, mountPoint: v2Memory, created: [dir] }, dir, 'memory.events');
  } finally {
    if (fs.existsSync(dir)) fs.rmdirSync(dir);
  }
});

test('v1: close() ends a watch that saw nothing and closes its fds; the cgroup can go afterwards', { skip: skipV1 }, async () => {
  const dir = path.join(v1Memory!, uniqueId());
  fs.mkdirSync(dir);
  try {
    const before = listFds();
    const watch = watchOomKills({ version: 1, v1: { memory: dir }, created: [dir] }, () => assert.fail('no OOM happened'))!;
    watch.check();
    watch.close();
    watch.close();
    assert.equal(await guarded(watch.ended, 'the closed watch ends'), 'closed');
    assert.deepEqual(listFds(), before, 'no fd left behind');
  } finally {
    fs.rmdirSync(dir);
  }
});

test('a record without a memory cgroup has nothing to watch; a cgroup that is gone is a typed error', () => {
  assert.equal(watchOomKills({ version: 1, v1: { pids: '/sys/fs/cgroup/pids/x' }, created: [] }, () => undefined), undefined);
  const before = listFds();
  assert.throws(
    () => watchOomKills({ version: 1, v1: { memory: '/sys/fs/cgroup/memory/kapsel-no-such-cgroup' }, created: [] }, () => undefined),
    (err: unknown) => err instanceof SyscallError && err.errnoName === 'ENOENT',
  );
  assert.deepEqual(listFds(), before, 'nothing left open by the failed set-up');
});

test('cgroup2 logic on a fake tree: changes of memory.events are reported as new kills, a sibling\'s removal is not, close() frees every fd', async () => {
  // Regular files raise the same inotify events as kernfs; what only the
  // real cgroupfs does (ENODEV once removed) is the cgroup2 test above.
  const parent = tempDir('fake-cgroup2');
  const dir = path.join(parent, 'ctr');
  const sibling = path.join(parent, 'other');
  fs.mkdirSync(dir);
  fs.mkdirSync(sibling);
  const events = (kills: number): string => `low 0\nhigh 0\nmax 9\noom ${kills + 1}\noom_kill ${kills}\noom_group_kill 0\n`;
  fs.writeFileSync(path.join(dir, 'memory.events'), events(1));
  try {
    const before = listFds();
    const seen = recorder();
    const watch = watchOomKills({ version: 2, v1: {}, unified: dir, created: [] }, seen.onKills)!;
    fs.writeFileSync(path.join(dir, 'memory.events'), events(4));
    await guarded(seen.reached(3), 'the first change');
    fs.rmdirSync(sibling);
    fs.writeFileSync(path.join(dir, 'memory.events'), events(4)); // no new kill
    fs.writeFileSync(path.join(dir, 'memory.events'), events(6));
    await guarded(seen.reached(5), 'the second change');
    assert.equal(seen.reports.reduce((a, b) => a + b, 0), 5, 'only kills after the start, each once');
    watch.close();
    assert.equal(await guarded(watch.ended, 'the closed watch ends'), 'closed');
    assert.deepEqual(listFds(), before, 'no fd left behind');
  } finally {
    fs.rmSync(parent, { recursive: true, force: true });
  }
});

test('kernfs on this kernel: inotify reports a cgroup2 file\'s change (cgroup.events) and the cgroup\'s rmdir in its parent', { skip: skipKernfs }, async () => {
  // What the cgroup2 watch stands on (memory.events changes the same way,
  // through kernfs_notify), checked where no cgroup2 memory controller is.
  const parent = layout.unified!.mountPoint;
  const name = uniqueId();
  const dir = path.join(parent, name);
  fs.mkdirSync(dir);
  const fd = native().inotifyInit(IN_NONBLOCK);
  try {
    const fileWatch = native().inotifyAddWatch(fd, path.join(dir, 'cgroup.events'), IN_MODIFY);
    const parentWatch = native().inotifyAddWatch(fd, parent, IN_DELETE | IN_ONLYDIR);
    const events = async (): Promise<Array<{ wd: number; mask: number; name: string }>> => {
      await guarded(native().waitReadable(fd), 'an inotify event');
      const buf = Buffer.alloc(4096);
      const n = fs.readSync(fd, buf);
      const out = [];
      for (let off = 0; off < n; ) {
        const len = buf.readUInt32LE(off + 12);
        out.push({ wd: buf.readInt32LE(off), mask: buf.readUInt32LE(off + 4), name: buf.toString('utf8', off + 16, off + 16 + len).replace(/\0+$/, '') });
        off += 16 + len;
      }
      return out;
    };
    // A process joins and leaves: "populated" changes.
    const ran = runIn(dir, ['/bin/true']);
    const changed = await events();
    assert.ok(changed.some((e) => e.wd === fileWatch && (e.mask & IN_MODIFY) !== 0), JSON.stringify(changed));
    await ran;
    fs.rmdirSync(dir);
    // Changes of the populated flag may still be queued before the removal.
    let removed = false;
    while (!removed) removed = (await events()).some((e) => e.wd === parentWatch && (e.mask & IN_DELETE) !== 0 && e.name === name);
  } finally {
    fs.closeSync(fd);
    if (fs.existsSync(dir)) fs.rmdirSync(dir);
  }
});

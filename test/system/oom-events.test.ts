// OOM kills in a container, as its users see them: the library's 'oom'
// event and `kapsel events`' {"type":"oom","id":ID} lines, both fed by the
// kernel's notification (lib/cgroups/oom-watch.ts). The init outlives two
// children that the OOM killer ends (cgprobe oom-children), so the counts
// are checked against the cgroup's own counter; the watch ends when the
// container's cgroup is removed, and leaves no fd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Container } from '../../lib';
import { detectLayout } from '../../lib/cgroups/layout';
import type { Spec } from '../../lib/config/types';
import { FIXTURES_BIN, REPO_ROOT, type Bundle } from '../helpers/bundle';
import { listFds } from '../helpers/leaks';
import { createTestContainer, uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';

const suite = systemSuite();
const layout = detectLayout();
const memory = layout.kind === 'v2' ? undefined : layout.v1.memory?.mountPoint;
const skip = suite.skip || (!memory ? 'checks the v1 memory cgroup\'s counter (no v1 memory hierarchy here)' : false);
const BIN = path.join(REPO_ROOT, 'bin', 'kapsel');
const LIMIT = 16 * 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits for `done`; the minute is a guard against hanging, not a timing assertion. */
async function until(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 12_000; i++) {
    if (done()) return;
    await sleep(5);
  }
  assert.fail(`never happened: ${what}`);
}

/** A bundle whose cgroup is /ID with a 16 MiB limit (no swap), cgprobe at /cgprobe. */
function oomBundle(id: string, edit?: (spec: Spec) => void): Bundle {
  return suite.bundle({
    edit(spec, { rootfs }) {
      fs.copyFileSync(path.join(FIXTURES_BIN, 'cgprobe'), path.join(rootfs, 'cgprobe'));
      fs.chmodSync(path.join(rootfs, 'cgprobe'), 0o755);
      const memsw = fs.existsSync(path.join(memory!, 'memory.memsw.limit_in_bytes'));
      spec.linux!.cgroupsPath = `/${id}`;
      spec.linux!.resources = { ...spec.linux!.resources, memory: { limit: LIMIT, ...(memsw ? { swap: LIMIT } : {}) } };
      spec.process!.args = ['/cgprobe', 'oom-children', '2'];
      edit?.(spec);
    },
  });
}

function oomKillCounter(id: string): number {
  return Number(/^oom_kill (\d+)$/m.exec(fs.readFileSync(path.join(memory!, id, 'memory.oom_control'), 'utf8'))![1]);
}

/** Open fds of the kinds an OOM watch holds: event fds and files of the container's memory cgroup. */
function watchFds(id: string): number {
  const dir = path.join(memory!, id);
  return [...listFds().values()].filter((t) => t === 'anon_inode:[eventfd]' || t === 'anon_inode:inotify' || t.startsWith(dir)).length;
}

test('Container \'oom\': each kill in the container\'s cgroup, counts matching the kernel\'s; a delete from elsewhere ends the watch, no fd left', { skip }, async () => {
  const id = uniqueId();
  const run = await createTestContainer(oomBundle(id), { id, root: suite.root });
  try {
    const c = run.container;
    const before = watchFds(id);
    const reports: number[] = [];
    c.on('oom', (n: number) => reports.push(n));
    assert.ok(watchFds(id) > before, 'the listener started a watch');
    await c.start();
    assert.deepEqual(await c.wait(), { exitCode: 0, signal: null });
    assert.deepEqual(JSON.parse(run.output().stdout), { killed: 2 });
    const counted = oomKillCounter(id);
    assert.ok(counted >= 2, `the kernel counted ${counted} kills`);
    const total = (): number => reports.reduce((a, b) => a + b, 0);
    await until(`${counted} kills reported`, () => total() >= counted);
    assert.equal(total(), counted);

    // Deleted through another handle: the watch learns it from the kernel (the cgroup's removal).
    await (await Container.load(id, { root: suite.root })).delete();
    await until('the watch ends with the cgroup', () => watchFds(id) === before);
    assert.equal(c.listenerCount('oom'), 1, 'the listener stays; only the watch ended');
    c.removeAllListeners('oom');
  } finally {
    await run.destroy().catch(() => undefined);
  }
});

test('kapsel events prints {"type":"oom","id":ID} for each kill and ends when the container\'s cgroup is removed', { skip }, async () => {
  const id = uniqueId();
  const b = oomBundle(id);
  // stderr into a file, not a pipe: the container created inherits the
  // CLI's stdio, and a pipe it holds open would keep spawnSync waiting.
  const errFile = path.join(b.dir, 'kapsel.err');
  const kapsel = (args: string[]): { status: number | null; stderr: string } => {
    const err = fs.openSync(errFile, 'w');
    try {
      const res = spawnSync(BIN, ['--root', suite.root, ...args], { stdio: ['ignore', 'ignore', err], timeout: 60_000 });
      return { status: res.status, stderr: fs.readFileSync(errFile, 'utf8') };
    } finally {
      fs.closeSync(err);
    }
  };
  const created = kapsel(['create', '--bundle', b.dir, id]);
  assert.equal(created.status, 0, created.stderr);
  let deleted = false;
  try {
    // Stats once an hour: only the OOM kills and the end can print anything after the first line.
    const stream = spawn(BIN, ['--root', suite.root, 'events', '--interval', '1h', id], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    stream.stdout.on('data', (d: Buffer) => (out += d.toString()));
    stream.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => stream.on('close', (code) => resolve(code)));
    const lines = (): Array<{ type: string; id: string }> => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; id: string });
    // Its watch is set up before it prints the first stats.
    await until('the first stats line', () => lines().length >= 1);
    assert.equal(kapsel(['start', id]).status, 0);
    await until('the init is done', () => {
      const state = spawnSync(BIN, ['--root', suite.root, 'state', id], { encoding: 'utf8' });
      return (JSON.parse(state.stdout) as { status: string }).status === 'stopped';
    });
    const counted = oomKillCounter(id);
    assert.ok(counted >= 2, `the kernel counted ${counted} kills`);
    await until(`${counted} oom lines`, () => lines().filter((e) => e.type === 'oom').length >= counted);

    assert.equal(kapsel(['delete', id]).status, 0);
    deleted = true;
    assert.equal(await exited, 0, `events ends with the cgroup: ${err}`);
    const events = lines();
    assert.deepEqual(events[0]!.type, 'stats');
    assert.deepEqual(events.slice(1), Array.from({ length: counted }, () => ({ type: 'oom', id })));
  } finally {
    if (!deleted) kapsel(['delete', '--force', id]);
  }
});

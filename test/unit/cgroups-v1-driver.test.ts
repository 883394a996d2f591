// The cgroup v1 driver against a fake tree (plain files in a temp directory,
// one directory per hierarchy, as a v1 host mounts them): which files it
// writes and reads for placement, limits, processes, freezer, kill, OOM
// kills and stats; no kernel, no root.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cgroupSettings, createCgroups, openCgroups } from '../../lib/cgroups';
import { layoutFromMountinfo } from '../../lib/cgroups/layout';
import { killChild } from '../helpers/child';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-cgroup-v1-fake-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const CONTROLLERS = ['freezer', 'pids', 'memory', 'cpu,cpuacct', 'cpuset', 'blkio', 'hugetlb'];

let serial = 0;
/** A fake v1 host: one hierarchy per entry of CONTROLLERS (`unified`: a hybrid host's cgroup2 too). */
function fakeHost(unified = false) {
  const base = path.join(tmp, `host-${++serial}`);
  const lines = CONTROLLERS.map((c, i) => {
    fs.mkdirSync(path.join(base, c), { recursive: true });
    return `${40 + i} 23 0:${40 + i} / ${path.join(base, c)} rw - cgroup cgroup rw,${c}`;
  });
  if (unified) {
    fs.mkdirSync(path.join(base, 'unified'));
    lines.push(`60 23 0:60 / ${path.join(base, 'unified')} rw - cgroup2 cgroup2 rw`);
  }
  const layout = layoutFromMountinfo(lines.join('\n') + '\n');
  const target = (name: string) => ({
    v1: Object.fromEntries(Object.entries(layout.v1).map(([c, h]) => [c, path.join(h.mountPoint, name)])),
    ...(unified ? { unified: path.join(base, 'unified', name) } : {}),
  });
  return { base, layout, target };
}

const read = (p: string): string => fs.readFileSync(p, 'utf8');
/** Control files as the kernel makes them with a cgroup (a write never creates one). */
function files(dir: string, contents: Record<string, string>): void {
  for (const [file, text] of Object.entries(contents)) fs.writeFileSync(path.join(dir, file), text);
}

test('create makes one directory per hierarchy; placement writes the pid into each cgroup.procs', async () => {
  const { layout, target } = fakeHost();
  assert.equal(layout.kind, 'v1');
  const record = await createCgroups(target('c1'), layout);
  assert.equal(record.version, 1);
  const dirs = [...new Set(Object.values(record.v1))];
  assert.deepEqual([...record.created].sort(), [...dirs].sort());
  assert.equal(record.v1.cpu, record.v1.cpuacct, 'cpu and cpuacct share a hierarchy');
  for (const dir of dirs) files(dir, { 'cgroup.procs': '' });
  const driver = openCgroups(record);
  await driver.place(4321, false);
  for (const dir of dirs) assert.equal(read(path.join(dir, 'cgroup.procs')), '4321', dir);
});

test('limits are written to their controller hierarchy', async () => {
  const { layout, target } = fakeHost();
  const record = await createCgroups(target('c2'), layout);
  files(record.v1.pids, { 'pids.max': 'max\n' });
  files(record.v1.memory, { 'memory.limit_in_bytes': '9223372036854771712\n', 'memory.swappiness': '60\n' });
  const driver = openCgroups(record);
  const warnings: string[] = [];
  await driver.apply(cgroupSettings(layout, { pids: { limit: 7 }, memory: { limit: 1 << 20, swappiness: 5 } }, undefined, { withDevices: false }), (m) => warnings.push(m));
  assert.equal(read(path.join(record.v1.pids, 'pids.max')), '7');
  assert.equal(read(path.join(record.v1.memory, 'memory.limit_in_bytes')), String(1 << 20));
  assert.equal(read(path.join(record.v1.memory, 'memory.swappiness')), '5');
  assert.deepEqual(warnings, []);
});

test('processes of the tree, freezer.state, and kill by signalling each listed process while frozen', async () => {
  const { layout, target } = fakeHost();
  const record = await createCgroups(target('c3'), layout);
  const freezer = record.v1.freezer;
  files(freezer, { 'cgroup.procs': '', 'freezer.state': 'THAWED\n' });
  const driver = openCgroups(record);
  // A real process of ours, so that the signal can be seen arriving.
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  try {
    assert.ok(child.pid);
    files(freezer, { 'cgroup.procs': `${child.pid}\n` });
    fs.mkdirSync(path.join(freezer, 'sub'));
    files(path.join(freezer, 'sub'), { 'cgroup.procs': '' });
    assert.deepEqual(await driver.procs(), [child.pid]);
    await driver.freeze();
    assert.equal(read(path.join(freezer, 'freezer.state')), 'FROZEN');
    assert.equal(driver.isFrozen(), true);
    await driver.thaw();
    assert.equal(read(path.join(freezer, 'freezer.state')), 'THAWED');
    assert.equal(driver.isFrozen(), false);
    const exited = once(child, 'exit');
    await driver.kill(15);
    assert.deepEqual(await exited, [null, 'SIGTERM']);
    // Frozen for the signalling, thawed again after: the container was running.
    assert.equal(read(path.join(freezer, 'freezer.state')), 'THAWED');
  } finally {
    killChild(child);
  }
});

test('a hybrid host: placement skips the cgroup2 directory the init was born into; SIGKILL is cgroup.kill', async () => {
  const { layout, target } = fakeHost(true);
  assert.equal(layout.kind, 'hybrid');
  const record = await createCgroups(target('c4'), layout);
  const unified = record.unified!;
  assert.ok(record.created.includes(unified));
  for (const dir of new Set([...Object.values(record.v1), unified])) files(dir, { 'cgroup.procs': '' });
  files(record.v1.freezer, { 'freezer.state': 'THAWED\n' });
  files(unified, { 'cgroup.kill': '' });
  const driver = openCgroups(record);
  await driver.place(99, true);
  assert.equal(read(path.join(unified, 'cgroup.procs')), '', 'born there (CLONE_INTO_CGROUP): not written');
  assert.equal(read(path.join(record.v1.pids, 'cgroup.procs')), '99');
  assert.deepEqual(await driver.procs(), [], 'listed from the cgroup2 directory');
  await driver.kill(9);
  assert.equal(read(path.join(unified, 'cgroup.kill')), '1');
});

test('OOM kills from memory.oom_control; stats read from the v1 files as runc reports them', async () => {
  const { layout, target } = fakeHost();
  const record = await createCgroups(target('c5'), layout);
  const { memory, cpuacct, pids, cpuset, blkio, hugetlb } = record.v1;
  files(memory, {
    'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 3\n',
    'memory.limit_in_bytes': '8192\n',
    'memory.usage_in_bytes': '4096\n',
    'memory.max_usage_in_bytes': '6000\n',
    'memory.failcnt': '2\n',
    'memory.stat': 'cache 100\nrss 200\n',
  });
  files(cpuacct, {
    'cpuacct.stat': 'user 6\nsystem 4\n',
    'cpuacct.usage': '12345\n',
    'cpuacct.usage_percpu': '10000 2345 \n',
    'cpu.stat': 'nr_periods 5\nnr_throttled 1\nthrottled_time 77\n',
  });
  files(pids, { 'pids.current': '2\n', 'pids.max': '9\n' });
  files(cpuset, { 'cpuset.cpus': '0-1\n', 'cpuset.mems': '0\n', 'cpuset.cpu_exclusive': '1\n' });
  files(blkio, { 'blkio.throttle.io_service_bytes': '8:0 Read 512\n8:0 Write 1024\nTotal 1536\n', 'blkio.throttle.io_serviced': '' });
  files(hugetlb, { 'hugetlb.2MB.usage_in_bytes': '2097152\n', 'hugetlb.2MB.max_usage_in_bytes': '4194304\n', 'hugetlb.2MB.failcnt': '1\n' });
  const driver = openCgroups(record);
  assert.equal(driver.oomKills(), 3);
  const stats = driver.stats();
  assert.deepEqual(stats.cpu.usage, { total: 12345, percpu: [10000, 2345], kernel: 4e7, user: 6e7 });
  assert.deepEqual(stats.cpu.throttling, { periods: 5, throttledPeriods: 1, throttledTime: 77 });
  assert.deepEqual(stats.pids, { current: 2, limit: 9 });
  assert.equal(stats.memory.cache, 100);
  assert.deepEqual(stats.memory.usage, { limit: 8192, usage: 4096, max: 6000, failcnt: 2 });
  assert.deepEqual(stats.memory.raw, { cache: 100, rss: 200 });
  // minor 0 left out, as runc's JSON (omitempty) leaves it out; the Total line is no device's.
  assert.deepEqual(stats.blkio.ioServiceBytesRecursive, [
    { major: 8, op: 'Read', value: 512 },
    { major: 8, op: 'Write', value: 1024 },
  ]);
  assert.equal(stats.blkio.ioServicedRecursive, undefined);
  assert.deepEqual(stats.hugetlb, { '2MB': { usage: 2097152, max: 4194304, failcnt: 1 } });
  assert.deepEqual(stats.cpuset.cpus, [0, 1]);
  assert.deepEqual(stats.cpuset.mems, [0]);
  assert.equal(stats.cpuset.cpu_exclusive, 1);
});

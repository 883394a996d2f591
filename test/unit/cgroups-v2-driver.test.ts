// The cgroup2 driver against a fake cgroupfs tree (plain files in a temp
// directory): which files it writes and reads, no kernel needed.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cgroupSettings, createCgroups, openCgroups } from '../../lib/cgroups';
import { layoutFromMountinfo } from '../../lib/cgroups/layout';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-cgroup-fake-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

let serial = 0;
/** A fake cgroup2 hierarchy root offering `controllers`. */
function fakeRoot(controllers: string): { mount: string; layout: ReturnType<typeof layoutFromMountinfo> } {
  const mount = path.join(tmp, `root-${++serial}`);
  fs.mkdirSync(mount);
  fs.writeFileSync(path.join(mount, 'cgroup.controllers'), `${controllers}\n`);
  fs.writeFileSync(path.join(mount, 'cgroup.subtree_control'), '');
  return { mount, layout: layoutFromMountinfo(`30 23 0:26 / ${mount} rw - cgroup2 cgroup2 rw\n`) };
}

const read = (p: string): string => fs.readFileSync(p, 'utf8');

/** The files the kernel makes with a cgroup2 cgroup (`extra`: a controller's); a write never creates one. */
function cgroupFiles(dir: string, ...extra: string[]): void {
  for (const file of ['cgroup.procs', 'cgroup.freeze', 'cgroup.subtree_control', ...extra]) {
    if (!fs.existsSync(path.join(dir, file))) fs.writeFileSync(path.join(dir, file), '');
  }
}

test('create makes the directory, enables the controller in the parent, writes the limits', async () => {
  const { mount, layout } = fakeRoot('pids');
  const dir = path.join(mount, 'c1');
  const record = await createCgroups({ v1: {}, unified: dir }, layout);
  assert.deepEqual(record, { version: 2, v1: {}, unified: dir, mountPoint: mount, created: [dir] });
  cgroupFiles(dir, 'pids.max');
  const driver = openCgroups(record);
  const warnings: string[] = [];
  await driver.apply(cgroupSettings(layout, { pids: { limit: 7 }, memory: { swappiness: 5 } }, undefined, { withDevices: false }), (m) => warnings.push(m));
  assert.equal(read(path.join(mount, 'cgroup.subtree_control')), '+pids');
  assert.equal(read(path.join(dir, 'pids.max')), '7');
  assert.deepEqual(warnings, ['linux.resources.memory.swappiness: cgroup v2 has no per-cgroup swappiness, ignored']);
  // A controller the hierarchy does not offer is named.
  await assert.rejects(driver.apply(cgroupSettings(layout, { memory: { limit: 1 } }, undefined, { withDevices: false }), () => undefined), /memory controller is not available/);
});

test('placement, processes of the tree, freezer and kill go through the core files', async () => {
  const { mount, layout } = fakeRoot('');
  const dir = path.join(mount, 'c2');
  const driver = openCgroups(await createCgroups({ v1: {}, unified: dir }, layout));
  cgroupFiles(dir);
  await driver.place(1234, false);
  assert.equal(read(path.join(dir, 'cgroup.procs')), '1234');
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(path.join(dir, 'sub', 'cgroup.procs'), '5678\n');
  assert.deepEqual((await driver.procs()).sort(), [1234, 5678]);
  fs.writeFileSync(path.join(dir, 'cgroup.events'), 'populated 1\nfrozen 1\n');
  await driver.freeze();
  assert.equal(read(path.join(dir, 'cgroup.freeze')), '1');
  assert.equal(driver.isFrozen(), true);
  fs.writeFileSync(path.join(dir, 'cgroup.events'), 'populated 1\nfrozen 0\n');
  await driver.thaw();
  assert.equal(driver.isFrozen(), false);
  fs.writeFileSync(path.join(dir, 'cgroup.kill'), '');
  await driver.kill(9);
  assert.equal(read(path.join(dir, 'cgroup.kill')), '1');
  fs.writeFileSync(path.join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 2\n');
  assert.equal(driver.oomKills(), 2);
  fs.writeFileSync(path.join(dir, 'pids.current'), '2\n');
  fs.writeFileSync(path.join(dir, 'pids.max'), 'max\n');
  fs.writeFileSync(path.join(dir, 'cpu.stat'), 'usage_usec 10\nuser_usec 6\nsystem_usec 4\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n');
  fs.writeFileSync(path.join(dir, 'memory.current'), '4096\n');
  fs.writeFileSync(path.join(dir, 'memory.max'), '8192\n');
  const stats = driver.stats();
  assert.deepEqual(stats.cpu.usage, { total: 10_000, kernel: 4000, user: 6000 });
  // pids.max "max" is no limit: left out, as runc leaves it out.
  assert.deepEqual(stats.pids, { current: 2 });
  assert.deepEqual(stats.memory.usage, { usage: 4096, limit: 8192, failcnt: 3 });
});

test('an existing cgroup is used when empty, refused when it has processes or is frozen', async () => {
  const { mount, layout } = fakeRoot('');
  const dir = path.join(mount, 'existing');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'cgroup.procs'), '');
  assert.deepEqual((await createCgroups({ v1: {}, unified: dir }, layout)).created, [], 'not made here: delete must leave it');
  fs.writeFileSync(path.join(dir, 'cgroup.freeze'), '1\n');
  await assert.rejects(createCgroups({ v1: {}, unified: dir }, layout), /is frozen/);
  fs.writeFileSync(path.join(dir, 'cgroup.procs'), '42\n');
  await assert.rejects(createCgroups({ v1: {}, unified: dir }, layout), /has processes/);
  // A nested path: every directory made is recorded, parents first.
  const deep = path.join(mount, 'a', 'b', 'c');
  assert.deepEqual((await createCgroups({ v1: {}, unified: deep }, layout)).created, [path.join(mount, 'a'), path.join(mount, 'a', 'b'), deep]);
});

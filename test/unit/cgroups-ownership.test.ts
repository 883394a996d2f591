// What is the container's in its cgroup tree, against fake cgroup2 trees
// (plain directories and files in a temp dir, as cgroups-v2-driver.test.ts):
// an existing cgroupsPath whose subtree holds someone else's processes is
// refused; the descendants it had at create are recorded and never listed,
// signalled or removed; those that appear later are the container's. And
// the writer of control files (issue 16): no name that is a path, no
// symlink, no new file, whatever the settings say.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cgroupSettings, createCgroups, openCgroups } from '../../lib/cgroups';
import { checkHugepageLimits, hostHugepageSizes, hugepageSizeName } from '../../lib/cgroups/hugepages';
import { layoutFromMountinfo } from '../../lib/cgroups/layout';
import { validateResources } from '../../lib/config/validate';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-cgroup-owner-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

let serial = 0;
/** A fake cgroup2 hierarchy root. */
function fakeRoot(): { mount: string; layout: ReturnType<typeof layoutFromMountinfo> } {
  const mount = path.join(tmp, `root-${++serial}`);
  fs.mkdirSync(mount);
  fakeCgroup(mount);
  fs.writeFileSync(path.join(mount, 'cgroup.controllers'), 'pids hugetlb\n');
  return { mount, layout: layoutFromMountinfo(`30 23 0:26 / ${mount} rw - cgroup2 cgroup2 rw\n`) };
}

/** A cgroup with the files the kernel makes (`procs`: what cgroup.procs lists). */
function fakeCgroup(dir: string, procs = ''): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const file of ['cgroup.procs', 'cgroup.freeze', 'cgroup.subtree_control', 'cgroup.kill', 'pids.max']) fs.writeFileSync(path.join(dir, file), '');
  fs.writeFileSync(path.join(dir, 'cgroup.procs'), procs);
}

/** A root-owned 0600 file outside the tree, and the name of one that does not exist next to it. */
function victims(): { victim: string; absent: string } {
  const dir = fs.mkdtempSync(path.join(tmp, 'victims-'));
  const victim = path.join(dir, 'victim.max');
  fs.writeFileSync(victim, 'secret\n', { mode: 0o600 });
  return { victim, absent: path.join(dir, 'new.max') };
}

/** A container's fake cgroup2 cgroup with its driver, and victims() outside the tree. */
async function containerAndVictims(): Promise<{ layout: ReturnType<typeof layoutFromMountinfo>; dir: string; driver: ReturnType<typeof openCgroups>; victim: string; absent: string }> {
  const { mount, layout } = fakeRoot();
  const dir = path.join(mount, 'c');
  const driver = openCgroups(await createCgroups({ v1: {}, unified: dir }, layout));
  fakeCgroup(dir);
  return { layout, dir, driver, ...victims() };
}

test('an existing cgroup whose subtree holds processes is refused, naming the cgroup; nothing is made', async () => {
  const { mount, layout } = fakeRoot();
  const parent = path.join(mount, 'P');
  fakeCgroup(parent);
  fakeCgroup(path.join(parent, 'victim', 'deeper'), '4242\n');
  fakeCgroup(path.join(parent, 'victim'));
  const before = fs.readdirSync(parent).sort();
  await assert.rejects(createCgroups({ v1: {}, unified: parent }, layout), {
    code: 'ERR_INVALID_ARGUMENT',
    message: `cgroup ${path.join(parent, 'victim', 'deeper')} (below the container's cgroup ${parent}) has processes: a container's cgroup tree must not hold another's`,
  });
  assert.deepEqual(fs.readdirSync(parent).sort(), before);
  // A missing cgroup below an existing parent: the parent's other children are not the container's business.
  const record = await createCgroups({ v1: {}, unified: path.join(parent, 'c') }, layout);
  assert.deepEqual(record.created, [path.join(parent, 'c')]);
  assert.equal(record.preexisting, undefined);
});

test('descendants there at create are recorded and never listed or removed; later ones are the container\'s', async () => {
  const { mount, layout } = fakeRoot();
  const parent = path.join(mount, 'P');
  fakeCgroup(parent);
  const victim = path.join(parent, 'victim');
  fakeCgroup(path.join(victim, 'inner'));
  const record = await createCgroups({ v1: {}, unified: parent }, layout);
  assert.deepEqual(record.created, []);
  assert.deepEqual(record.preexisting, [victim, path.join(victim, 'inner')]);
  const driver = openCgroups(record);
  // Someone else's process arrives in the old child, and its owner makes a cgroup below it.
  fs.writeFileSync(path.join(victim, 'cgroup.procs'), '4242\n');
  fakeCgroup(path.join(victim, 'later'), '4343\n');
  // The container's own: its init in P, a sub-cgroup its process made.
  await driver.place(1111, false);
  fakeCgroup(path.join(parent, 'own', 'deeper'), '2222\n');
  fakeCgroup(path.join(parent, 'own'));
  assert.deepEqual((await driver.procs()).sort(), [1111, 2222]);
  // destroy: emptied as the kernel would once the container's processes died.
  fs.writeFileSync(path.join(parent, 'cgroup.procs'), '');
  for (const d of [path.join(parent, 'own', 'deeper'), path.join(parent, 'own')]) {
    for (const f of fs.readdirSync(d)) if (f.includes('.')) fs.rmSync(path.join(d, f));
  }
  await driver.destroy();
  assert.equal(fs.existsSync(path.join(parent, 'own')), false, "the container's own sub-cgroup goes");
  assert.equal(fs.readFileSync(path.join(victim, 'cgroup.procs'), 'utf8'), '4242\n');
  assert.ok(fs.existsSync(path.join(victim, 'inner')) && fs.existsSync(path.join(victim, 'later')), 'what was there before create stays, with all below it');
  assert.ok(fs.existsSync(parent), 'a cgroup create did not make stays');
});

test('update: a page size that is a path and a limit that is a string are refused by the schema, naming the field', () => {
  assert.throws(() => validateResources({ hugepageLimits: [{ pageSize: '/../../tmp/victim', limit: 1 }] }), {
    code: 'ERR_INVALID_CONFIG',
    jsonPath: '/hugepageLimits/0/pageSize',
  });
  assert.throws(() => validateResources({ hugepageLimits: [{ pageSize: '2MB', limit: 'pwned\n' }] }), { jsonPath: '/hugepageLimits/0/limit', problem: 'must be integer' });
  assert.throws(() => validateResources({ cpu: { cpus: '0\u00001' } }), { jsonPath: '/cpu/cpus', problem: /NUL/ });
  assert.throws(() => validateResources({ unified: { 'a\u0000': '1' } }), { jsonPath: '/unified/a\u0000', problem: /NUL/ });
});

test('a page size must be one of the host\'s, named as the kernel names them', () => {
  assert.equal(hugepageSizeName('hugepages-2048kB'), '2MB');
  assert.equal(hugepageSizeName('hugepages-1048576kB'), '1GB');
  assert.equal(hugepageSizeName('hugepages-64kB'), '64KB');
  assert.equal(hugepageSizeName('hugepages-x'), undefined);
  const sys = fs.mkdtempSync(path.join(tmp, 'hugepages-'));
  fs.mkdirSync(path.join(sys, 'hugepages-2048kB'));
  fs.mkdirSync(path.join(sys, 'hugepages-1048576kB'));
  assert.deepEqual(hostHugepageSizes(sys).sort(), ['1GB', '2MB']);
  assert.deepEqual(hostHugepageSizes(path.join(sys, 'missing')), []);
  checkHugepageLimits({ hugepageLimits: [{ pageSize: '2MB', limit: 1 }] }, '', ['2MB']);
  assert.throws(() => checkHugepageLimits({ hugepageLimits: [{ pageSize: '2MB', limit: 1 }, { pageSize: '4MB', limit: 1 }] }, '', ['2MB']), {
    code: 'ERR_INVALID_CONFIG',
    jsonPath: '/hugepageLimits/1/pageSize',
    problem: '"4MB" is not a huge page size of this host (this host has 2MB)',
  });
  assert.throws(() => checkHugepageLimits({ hugepageLimits: [{ pageSize: '2MB', limit: 1 }] }, '/linux/resources', []), {
    jsonPath: '/linux/resources/hugepageLimits/0/pageSize',
    problem: /this host has no huge pages/,
  });
  // Errors of the conversions name the update document's fields too.
  assert.throws(() => cgroupSettings({ kind: 'v2' }, { memory: { swap: 5 } }, undefined, { withDevices: false, at: '' }), { jsonPath: '/memory/swap' });
});

test('the writer: a traversal name from unchecked settings writes nothing, creates nothing', async () => {
  const { layout, dir, driver, victim, absent } = await containerAndVictims();
  const up = (pageSize: string): Promise<void> =>
    driver.update(cgroupSettings(layout, { hugepageLimits: [{ pageSize, limit: 'pwned' as unknown as number }] }, undefined, { withDevices: false }), () => undefined);
  // hugetlb.<size>.max joined as a path would have been <victims dir>/victim.max.
  const climb = path.relative(dir, path.dirname(victim));
  await assert.rejects(up(`/${climb}/victim`), { code: 'ERR_CGROUP', message: /is not a file name in/ });
  await assert.rejects(up(`/${climb}/new`), { code: 'ERR_CGROUP', message: /is not a file name in/ });
  assert.equal(fs.readFileSync(victim, 'utf8'), 'secret\n');
  assert.equal(fs.existsSync(absent), false);
});

test('the writer: a control file that is a symlink (planted in a writable cgroup) is not followed; a missing one is not created', async () => {
  const { layout, dir, driver, victim, absent } = await containerAndVictims();
  fs.rmSync(path.join(dir, 'pids.max'));
  fs.symlinkSync(victim, path.join(dir, 'pids.max'));
  const settings = cgroupSettings(layout, { pids: { limit: 5 } }, undefined, { withDevices: false });
  await assert.rejects(driver.update(settings, () => undefined), { code: 'ERR_CGROUP', errno: 'ELOOP', path: path.join(dir, 'pids.max') });
  assert.equal(fs.readFileSync(victim, 'utf8'), 'secret\n');
  // A dangling one, pointing where a new file would be made.
  fs.rmSync(path.join(dir, 'pids.max'));
  fs.symlinkSync(absent, path.join(dir, 'pids.max'));
  await assert.rejects(driver.update(settings, () => undefined), { errno: 'ELOOP' });
  fs.rmSync(path.join(dir, 'pids.max'));
  await assert.rejects(driver.update(settings, () => undefined), { errno: 'ENOENT' });
  assert.equal(fs.existsSync(absent), false);
  assert.equal(fs.existsSync(path.join(dir, 'pids.max')), false, 'a missing control file is not made');
});

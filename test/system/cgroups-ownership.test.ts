// Issue 16, on this host's real cgroups (v1 hierarchies and/or cgroup2):
// - delete signals and removes only what the container made: with
//   cgroupsPath "/P", someone else's process in "/P/victim" (a cgroup that
//   was there at create) survives `delete` and `delete --force`, its
//   cgroup intact, while the container's own sub-cgroups go;
// - create over a tree whose descendant holds a process is refused,
//   naming it, and leaves nothing; a create that fails later reports its
//   own first error and leaves the cgroups it did not make;
// - update validates its document as create validates linux.resources:
//   a page size that is a path, a string limit, a size the host lacks
//   fail naming the field, the victim file untouched, no file made;
// - a symlink cannot be planted in a real cgroup directory (the writer
//   refuses one anyway: test/unit/cgroups-ownership.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Container } from '../../lib';
import { detectLayout } from '../../lib/cgroups/layout';
import { createCgroups, openCgroups } from '../../lib/cgroups';
import type { Spec } from '../../lib/config/types';
import { REPO_ROOT } from '../helpers/bundle';
import { createTestContainer, uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';

const suite = systemSuite();
const layout = detectLayout();
const BIN = path.join(REPO_ROOT, 'bin', 'kapsel');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Every hierarchy's mount point (v1 controllers sharing one counted once, the cgroup2 one too). */
const mounts = [...new Set([...Object.values(layout.v1).map((h) => h.mountPoint), ...(layout.unified ? [layout.unified.mountPoint] : [])])];
/**
 * Where someone else's cgroup goes below the container's: not the v1
 * devices hierarchy, whose kernel refuses new device rules (devices.deny
 * "a") for a cgroup with children, for runc as for kapsel.
 */
const devicesMount = layout.v1.devices?.mountPoint;
const strangerMounts = mounts.filter((m) => m !== devicesMount);
const cpusetMount = layout.v1.cpuset?.mountPoint;
const at = (mount: string, cgroupPath: string): string => path.join(mount, cgroupPath);
const read = (file: string): string => fs.readFileSync(file, 'utf8').trim();

/** mkdir as an owner would; a v1 cpuset cgroup also gets its parent's cpus and mems (or no task could join it). */
function makeCgroup(mount: string, cgroupPath: string): void {
  const dir = at(mount, cgroupPath);
  fs.mkdirSync(dir);
  if (mount !== cpusetMount) return;
  for (const f of ['cpuset.cpus', 'cpuset.mems']) fs.writeFileSync(path.join(dir, f), read(path.join(path.dirname(dir), f)));
}

/** Removes cgroups deepest first (a cgroup whose last process just died is busy for a moment). */
async function removeCgroups(dirs: string[]): Promise<void> {
  for (const dir of dirs) {
    for (let i = 0; fs.existsSync(dir); i++) {
      try {
        fs.rmdirSync(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EBUSY' || i > 200) throw err;
        await sleep(10);
      }
    }
  }
}

/** Someone else's process: a sleep the test starts and moves into `cgroupPath` of `where` hierarchies. */
function strangerIn(cgroupPath: string, where: string[] = mounts): ChildProcess {
  const child = spawn('sleep', ['600'], { stdio: 'ignore' });
  for (const mount of where) fs.writeFileSync(path.join(at(mount, cgroupPath), 'cgroup.procs'), String(child.pid));
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}

/** The stranger still runs, unfrozen, in `cgroupPath` of every hierarchy `where`. */
function assertAlive(child: ChildProcess, cgroupPath: string, where: string[] = mounts): void {
  assert.equal(child.exitCode, null);
  assert.equal(child.signalCode, null, 'the stranger was signalled');
  process.kill(child.pid!, 0);
  for (const mount of where) {
    assert.ok(read(path.join(at(mount, cgroupPath), 'cgroup.procs')).split('\n').includes(String(child.pid)), `stranger moved out of ${at(mount, cgroupPath)}`);
  }
  const freezerMount = layout.v1.freezer?.mountPoint;
  const freezer = freezerMount && where.includes(freezerMount) ? path.join(at(freezerMount, cgroupPath), 'freezer.state') : undefined;
  if (freezer) assert.equal(read(freezer), 'THAWED', 'the stranger was left frozen');
}

function kapsel(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(BIN, ['--root', suite.root, ...args], { encoding: 'utf8', input, timeout: 60_000 });
  if (res.error) throw res.error;
  return { status: res.status, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
}

function bundle(cgroupsPath: string, edit?: (spec: Spec) => void) {
  return suite.bundle({
    edit(s) {
      s.linux!.cgroupsPath = cgroupsPath;
      edit?.(s);
    },
  });
}

for (const mode of ['delete --force of a running container', 'delete of a stopped container'] as const) {
  test(`${mode}: someone else's process in a cgroup below the container's (there at create) survives, its cgroup intact; the container's own sub-cgroups go`, { skip: suite.skip }, async () => {
    const P = `/${uniqueId()}-P`;
    const victim = `${P}/victim`;
    const own = `${P}/own`;
    const b = bundle(P);
    let stranger: ChildProcess | undefined;
    let run: Awaited<ReturnType<typeof createTestContainer>> | undefined;
    try {
      for (const m of mounts) makeCgroup(m, P);
      for (const m of strangerMounts) makeCgroup(m, victim);
      run = await createTestContainer(b, { args: ['/probe', 'sleep', '60'] });
      const c = run.container;
      await c.start();
      // After create: someone else's process moves into the cgroup that was there before.
      stranger = strangerIn(victim, strangerMounts);
      // The container's own: a sub-cgroup made after create, holding its init in every hierarchy.
      for (const m of mounts) makeCgroup(m, own);
      for (const m of mounts) fs.writeFileSync(path.join(at(m, own), 'cgroup.procs'), String(c.pid));
      if (mode === 'delete of a stopped container') {
        await c.kill('SIGKILL');
        await c.wait();
        await c.delete();
      } else {
        await c.delete({ force: true });
      }
      assertAlive(stranger, victim, strangerMounts);
      for (const m of mounts) {
        assert.equal(fs.existsSync(at(m, own)), false, `the container's own sub-cgroup ${at(m, own)} is left`);
        assert.ok(fs.existsSync(at(m, P)), 'a cgroup create did not make is kept');
      }
      assert.deepEqual(fs.readdirSync(suite.root), []);
    } finally {
      await run?.destroy();
      if (stranger) await stop(stranger);
      await removeCgroups(mounts.flatMap((m) => [at(m, own), at(m, victim), at(m, P)]));
    }
  });
}

test('create over a cgroup whose subtree holds another process is refused, naming that cgroup, and leaves nothing', { skip: suite.skip }, async () => {
  const P = `/${uniqueId()}-P`;
  const victim = `${P}/victim/deeper`;
  // Only the first hierarchy has the tree: the others must not get a /P from the refused create.
  const [first, ...others] = mounts;
  const b = bundle(P);
  let stranger: ChildProcess | undefined;
  try {
    makeCgroup(first, P);
    makeCgroup(first, `${P}/victim`);
    makeCgroup(first, victim);
    stranger = strangerIn(victim, [first]);
    const id = uniqueId();
    await assert.rejects(Container.create({ id, bundle: b.dir, root: suite.root }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_INVALID_ARGUMENT');
      assert.ok(err.message.includes(`cgroup ${at(first, victim)} (below the container's cgroup ${at(first, P)}) has processes`), err.message);
      return true;
    });
    assertAlive(stranger, victim, [first]);
    for (const m of others) assert.equal(fs.existsSync(at(m, P)), false, `${at(m, P)} made by a refused create`);
    assert.deepEqual(fs.readdirSync(at(first, P), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name), ['victim']);
    assert.deepEqual(fs.readdirSync(suite.root), []);
    // The command line says the same, with runc's exit code.
    const cli = kapsel(['create', '--bundle', b.dir, id]);
    assert.equal(cli.status, 1);
    assert.match(cli.stderr, /has processes: a container's cgroup tree must not hold another's/);
    assert.deepEqual(fs.readdirSync(suite.root), []);
  } finally {
    if (stranger) await stop(stranger);
    await removeCgroups([at(first, victim), at(first, `${P}/victim`), at(first, P)]);
  }
});

test('a create that fails after taking a cgroup with children reports its own first error and leaves those children', { skip: suite.skip || (!cpusetMount && !layout.unified ? 'no cpuset' : false) }, async () => {
  const P = `/${uniqueId()}-P`;
  // No host has cpu 1023 here: the kernel refuses the write (EINVAL) after the cgroups are taken.
  const b = bundle(P, (s) => (s.linux!.resources = { ...s.linux!.resources, cpu: { cpus: '1023' } }));
  try {
    for (const m of mounts) makeCgroup(m, P);
    for (const m of strangerMounts) makeCgroup(m, `${P}/victim`);
    await assert.rejects(Container.create({ id: uniqueId(), bundle: b.dir, root: suite.root }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_CGROUP');
      assert.match(err.message, /cpuset/);
      assert.doesNotMatch(err.message, /rmdir|EBUSY/);
      return true;
    });
    for (const m of strangerMounts) assert.ok(fs.existsSync(at(m, `${P}/victim`)), `${at(m, `${P}/victim`)} removed by a failed create`);
    assert.deepEqual(fs.readdirSync(suite.root), []);
  } finally {
    await removeCgroups(mounts.flatMap((m) => [at(m, `${P}/victim`), at(m, P)]));
  }
});

test('update: a page size that is a path, a string limit, a size the host lacks are refused naming the field; the victim file is untouched, no file made', { skip: suite.skip }, async () => {
  const id = uniqueId();
  const P = `/${id}`;
  const files = tempDir('victims');
  // Root-owned 0600 files where the old writer landed (hugetlb.<pageSize>.<suffix> joined as a path), and names of missing ones.
  const suffixes = ['limit_in_bytes', 'max', 'rsvd.max'];
  for (const s of suffixes) fs.writeFileSync(path.join(files, `victim.${s}`), 'secret\n', { mode: 0o600 });
  const cgroupDir = at(layout.unified?.mountPoint ?? mounts[0], P);
  const climb = (name: string): string => `/${path.relative(path.join(cgroupDir, 'x'), files)}/${name}`;
  const hostSize = fs.readdirSync('/sys/kernel/mm/hugepages').map((e) => /^hugepages-2048kB$/.test(e)).some(Boolean) ? '2MB' : undefined;
  const run = await createTestContainer(bundle(P), { id, root: suite.root, args: ['/probe', 'sleep', '60'] });
  try {
    await run.container.start();
    const attacks: Array<[unknown, string, RegExp]> = [
      [{ hugepageLimits: [{ pageSize: climb('victim'), limit: 1 }] }, '/hugepageLimits/0/pageSize', /must be a size like/],
      [{ hugepageLimits: [{ pageSize: climb('new'), limit: 'pwned' }] }, '/hugepageLimits/0/pageSize', /must be a size like/],
      [{ hugepageLimits: [{ pageSize: hostSize ?? '2MB', limit: 'pwned\n' }] }, '/hugepageLimits/0/limit', /must be integer/],
      [{ hugepageLimits: [{ pageSize: '512GB', limit: 1 }] }, '/hugepageLimits/0/pageSize', /not a huge page size of this host/],
      [{ unified: { '../../victim.max': 'pwned' } }, '/unified/../../victim.max', /not a controller file/],
    ];
    for (const [i, [doc, jsonPath, problem]] of attacks.entries()) {
      const file = path.join(files, 'resources.json');
      fs.writeFileSync(file, JSON.stringify(doc));
      // From a file and from stdin, in turns.
      const r = i % 2 === 0 ? kapsel(['update', '--resources', file, id]) : kapsel(['update', '-r', '-', id], JSON.stringify(doc));
      assert.equal(r.status, 1, `${JSON.stringify(doc)}: ${r.stderr}`);
      assert.ok(r.stderr.includes(`invalid update resources: ${jsonPath}`), r.stderr);
      assert.match(r.stderr, problem);
      await assert.rejects(run.container.update(doc as never), { code: 'ERR_INVALID_CONFIG', jsonPath });
    }
    // The flag form goes through the same checks.
    const flag = kapsel(['update', '--blkio-weight', '70000', id]);
    assert.equal(flag.status, 1);
    assert.match(flag.stderr, /\/blockIO\/weight/);
    for (const s of suffixes) {
      assert.equal(fs.readFileSync(path.join(files, `victim.${s}`), 'utf8'), 'secret\n');
      assert.equal(fs.existsSync(path.join(files, `new.${s}`)), false);
    }
    assert.deepEqual(fs.readdirSync(files).sort(), ['resources.json', ...suffixes.map((s) => `victim.${s}`)].sort());
    // A valid update still works.
    assert.equal(kapsel(['update', '--pids-limit', '33', id]).status, layout.v1.pids || layout.kind === 'v2' ? 0 : 1);
    // Planting a symlink as a control file is not possible in a real cgroup directory, even for root.
    for (const m of mounts) {
      assert.throws(() => fs.symlinkSync(path.join(files, 'victim.max'), path.join(at(m, P), 'planted.max')), (err: NodeJS.ErrnoException) => err.code === 'EPERM' || err.code === 'EACCES');
    }
  } finally {
    await run.destroy();
    fs.rmSync(files, { recursive: true, force: true });
  }
});

test('a new chain of v1 cpuset cgroups inherits the cpus and mems of its nearest ancestor; other hierarchies get none', { skip: suite.skip || (!cpusetMount ? 'no v1 cpuset hierarchy' : false) }, async () => {
  const base = `/${uniqueId()}-chain`;
  const memory = layout.v1.memory?.mountPoint;
  const target = { v1: { cpuset: at(cpusetMount!, `${base}/b`), ...(memory ? { memory: at(memory, `${base}/b`) } : {}) } };
  const said: string[][] = [];
  const record = await createCgroups(target, { kind: 'v1', v1: {} }, (dirs) => said.push(dirs));
  try {
    const made = [at(cpusetMount!, base), target.v1.cpuset, ...(memory ? [at(memory, base), at(memory, `${base}/b`)] : [])];
    assert.deepEqual(said, [made], 'every directory that may be made is said before the first mkdir');
    assert.deepEqual(record.created, made);
    for (const dir of [at(cpusetMount!, base), target.v1.cpuset]) {
      assert.equal(read(path.join(dir, 'cpuset.cpus')), read(path.join(cpusetMount!, 'cpuset.cpus')));
      assert.equal(read(path.join(dir, 'cpuset.mems')), read(path.join(cpusetMount!, 'cpuset.mems')));
    }
  } finally {
    await openCgroups(record).destroy();
  }
  assert.equal(fs.existsSync(at(cpusetMount!, base)), false);
});

test("create checks a page size against the host's as update does, before any cgroup exists", { skip: suite.skip }, async () => {
  const P = `/${uniqueId()}`;
  const b = bundle(P, (s) => (s.linux!.resources = { ...s.linux!.resources, hugepageLimits: [{ pageSize: '512GB', limit: 1 }] }));
  await assert.rejects(Container.create({ id: uniqueId(), bundle: b.dir, root: suite.root }), {
    code: 'ERR_INVALID_CONFIG',
    jsonPath: '/linux/resources/hugepageLimits/0/pageSize',
    problem: /not a huge page size of this host/,
  });
  for (const m of mounts) assert.equal(fs.existsSync(at(m, P)), false);
  assert.deepEqual(fs.readdirSync(suite.root), []);
});

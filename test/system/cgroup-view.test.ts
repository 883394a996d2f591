// What a container sees of cgroups (issue 17, items 1 and 10), checked
// from inside with the probes: its cgroup mount shows its own cgroups and
// nothing else (the directories counted), the limits read there are the
// config's (after update too), each mount's root is the container's
// cgroup ("/" in a cgroup namespace), a "rw" mount lets it make a
// sub-cgroup and write nothing outside its cgroup, and it is placed in
// systemd's named hierarchy, which delete removes. v1 for real on this
// host (cgroup2: test/native/cgroup2-mounts.test.ts and the plan's unit
// tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Container } from '../../lib/container/container';
import { detectLayout, parseProcCgroup } from '../../lib/cgroups/layout';
import type { Spec } from '../../lib/config/types';
import { withCgprobe, type Bundle } from '../helpers/bundle';
import { createTestContainer, ID_PREFIX, parseMountInfo, uniqueId, type MountInfo } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';

const suite = systemSuite();
const layout = detectLayout();
const skipV1 = suite.skip || (layout.kind === 'v2' ? 'needs v1 controllers (this host is pure cgroup v2)' : false);

/** The host's v1 hierarchies: name below /sys/fs/cgroup -> where it is mounted. */
const HIERARCHIES = new Map([...new Set(Object.values(layout.v1).map((h) => h.mountPoint))].map((m) => [path.basename(m), m]));
const SYSTEMD = layout.v1['name=systemd'];

function bundle(edit?: (spec: Spec) => void): Bundle {
  return suite.bundle(withCgprobe(edit));
}

/** Runs `args` in the running container `c` (exec); its stdout, failing on a non-zero exit. */
async function inside(c: Container, args: string[]): Promise<string> {
  const dir = tempDir('cgview-exec');
  const out = fs.openSync(path.join(dir, 'out'), 'w');
  const err = fs.openSync(path.join(dir, 'err'), 'w');
  try {
    const p = await c.exec({ args, cwd: '/', env: ['PATH=/'] }, { stdio: [0, out, err] });
    const exit = await p.wait();
    const stdout = fs.readFileSync(path.join(dir, 'out'), 'utf8');
    assert.equal(exit.exitCode, 0, `${args.join(' ')}: ${fs.readFileSync(path.join(dir, 'err'), 'utf8')}`);
    return stdout;
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface Tree {
  dirs: string[];
  links: Record<string, string>;
  files: number;
}

const tree = async (c: Container): Promise<Tree> => JSON.parse(await inside(c, ['/cgprobe', 'tree', '/sys/fs/cgroup'])) as Tree;
const readInside = async (c: Container, file: string): Promise<string> => (await inside(c, ['/probe', 'cat', file])).trim();

/** The cgroup mounts the container's init sees below /sys/fs/cgroup, by mount point. */
async function cgroupMounts(c: Container): Promise<Map<string, MountInfo>> {
  const lines = (await inside(c, ['/probe', 'cat', '/proc/self/mountinfo'])).trim().split('\n');
  const mounts = new Map<string, MountInfo>();
  for (const m of lines.map(parseMountInfo)) if (m.mountPoint.startsWith('/sys/fs/cgroup')) mounts.set(m.mountPoint, m);
  return mounts;
}

/** A started container running `/probe sleep 60` from a fresh bundle; destroyed after `fn`. */
async function withRunning(id: string, edit: (spec: Spec) => void, fn: (c: Container) => Promise<void>): Promise<void> {
  const run = await createTestContainer(bundle(edit), { id, root: suite.root, args: ['/probe', 'sleep', '60'] });
  try {
    await run.container.start();
    await fn(run.container);
  } finally {
    await run.destroy();
  }
}

const LIMITS = (s: Spec): void => {
  s.linux!.resources = {
    ...s.linux!.resources,
    memory: { limit: 64 * 1024 * 1024, reservation: 32 * 1024 * 1024, disableOOMKiller: true },
    cpu: { shares: 512, quota: 50000, period: 100000 },
    pids: { limit: 42 },
  };
};

/** What the config above says, as the files inside show it. */
async function assertLimits(c: Container, memory: number, pids: number): Promise<void> {
  assert.equal(await readInside(c, '/sys/fs/cgroup/memory/memory.limit_in_bytes'), String(memory));
  assert.equal(await readInside(c, '/sys/fs/cgroup/memory/memory.soft_limit_in_bytes'), String(32 * 1024 * 1024));
  assert.match(await readInside(c, '/sys/fs/cgroup/memory/memory.oom_control'), /^oom_kill_disable 1$/m);
  assert.equal(await readInside(c, '/sys/fs/cgroup/pids/pids.max'), String(pids));
  assert.equal(await readInside(c, '/sys/fs/cgroup/cpu/cpu.cfs_quota_us'), '50000');
  assert.equal(await readInside(c, '/sys/fs/cgroup/cpu/cpu.cfs_period_us'), '100000');
  assert.equal(await readInside(c, '/sys/fs/cgroup/cpu/cpu.shares'), '512');
}

/** The hierarchy directories and links a container sees: one per host hierarchy, nothing below them. */
function assertOwnTreeOnly(t: Tree, own: string[] = []): void {
  const expected = [...HIERARCHIES.keys(), ...own].sort();
  assert.deepEqual(t.dirs.sort(), expected, `exactly the hierarchies${own.length ? ' and what it made' : ''}, no sibling or parent cgroup`);
  // Links only for co-mounted controllers, as the host has them ("cpu" -> "cpu,cpuacct").
  for (const [name, target] of Object.entries(t.links)) {
    assert.ok(HIERARCHIES.has(target) && target.split(',').includes(name), `${name} -> ${target}`);
    assert.equal(fs.readlinkSync(path.join('/sys/fs/cgroup', name)), target, 'a link the host has too');
  }
}

test('v1: the container sees its own cgroups only, with the config\'s limits (and update\'s), each mount rooted at its cgroup, read-only', { skip: skipV1 }, async () => {
  const id = uniqueId();
  await withRunning(id, LIMITS, async (c) => {
    assertOwnTreeOnly(await tree(c));
    await assertLimits(c, 64 * 1024 * 1024, 42);
    await c.update({ memory: { limit: 96 * 1024 * 1024 }, pids: { limit: 50 } });
    await assertLimits(c, 96 * 1024 * 1024, 50);

    const mounts = await cgroupMounts(c);
    const top = mounts.get('/sys/fs/cgroup')!;
    assert.equal(top.fstype, 'tmpfs');
    assert.ok(top.options.includes('ro'));
    for (const name of HIERARCHIES.keys()) {
      const m = mounts.get(`/sys/fs/cgroup/${name}`);
      assert.ok(m, `${name} is mounted`);
      assert.equal(m.fstype, 'cgroup');
      // The container's cgroup is the mount's root (cgroupsPath is "<id>", under the runtime's own cgroup).
      const own = parseProcCgroup(fs.readFileSync('/proc/self/cgroup', 'utf8'));
      const key = Object.entries(layout.v1).find(([, h]) => path.basename(h.mountPoint) === name)![0];
      assert.equal(m.root, path.posix.join(own.get(key) ?? '/', id), name);
      assert.ok(m.options.includes('ro') && m.options.includes('nosuid') && m.options.includes('noexec') && m.options.includes('nodev'), `${name}: ${m.options}`);
    }
    assert.equal(mounts.has('/sys/fs/cgroup/unified'), false, 'no cgroup2 hierarchy without limits there');
    // Read-only: not even its own limit can be raised.
    const put = JSON.parse(await inside(c, ['/cgprobe', 'put', String(1 << 30), '/sys/fs/cgroup/memory/memory.limit_in_bytes'])) as Record<string, string>;
    assert.equal(put['/sys/fs/cgroup/memory/memory.limit_in_bytes'], 'EROFS');
  });
});

test('v1 with a cgroup namespace: every hierarchy mounted inside it (root "/"), the same limits and nothing else', { skip: skipV1 }, async () => {
  const id = uniqueId();
  await withRunning(
    id,
    (s) => {
      LIMITS(s);
      s.linux!.cgroupsPath = `/${id}`;
      if (!s.linux!.namespaces!.some((n) => n.type === 'cgroup')) s.linux!.namespaces!.push({ type: 'cgroup' });
    },
    async (c) => {
      assertOwnTreeOnly(await tree(c));
      await assertLimits(c, 64 * 1024 * 1024, 42);
      const mounts = await cgroupMounts(c);
      for (const name of HIERARCHIES.keys()) {
        const m = mounts.get(`/sys/fs/cgroup/${name}`);
        assert.equal(m?.root, '/', `${name}: mounted after the namespace was entered, never "/.."`);
      }
      // Every v1 line, systemd's named one included, is the namespace's root.
      const own = (await readInside(c, '/proc/self/cgroup')).split('\n').filter((l) => !l.startsWith('0::'));
      assert.ok(own.some((l) => l.includes(':name=systemd:')) === (SYSTEMD !== undefined), own.join('\n'));
      for (const line of own) assert.match(line, /:\/$/, line);
    },
  );
});

test('a "rw" cgroup mount: the container makes a sub-cgroup of its own, and writes nothing outside its cgroup', { skip: skipV1 }, async () => {
  const parent = `${ID_PREFIX}${process.pid}-parent`;
  const memory = layout.v1.memory.mountPoint;
  const victim = path.join(memory, parent, 'victim');
  const id = uniqueId();
  fs.mkdirSync(victim, { recursive: true });
  const VICTIM_LIMIT = String(48 * 1024 * 1024);
  fs.writeFileSync(path.join(victim, 'memory.limit_in_bytes'), VICTIM_LIMIT);
  const parentLimit = fs.readFileSync(path.join(memory, parent, 'memory.limit_in_bytes'), 'utf8');
  try {
    await withRunning(
      id,
      (s) => {
        s.linux!.cgroupsPath = `/${parent}/${id}`;
        s.mounts!.find((m) => m.type === 'cgroup')!.options = ['nosuid', 'noexec', 'nodev', 'relatime', 'rw'];
      },
      async (c) => {
        // The attack: the sibling's and the parent's limits, by every path the host's tree would give.
        const targets = [
          `/sys/fs/cgroup/memory/${parent}/victim/memory.limit_in_bytes`,
          `/sys/fs/cgroup/memory/${parent}/memory.limit_in_bytes`,
          '/sys/fs/cgroup/memory/../victim/memory.limit_in_bytes',
          '/sys/fs/cgroup/memory/../../memory/victim/memory.limit_in_bytes',
          '/sys/fs/cgroup/unified/cgroup.procs',
        ];
        const put = JSON.parse(await inside(c, ['/cgprobe', 'put', String(1 << 30), ...targets])) as Record<string, string>;
        for (const t of targets) assert.equal(put[t], 'ENOENT', `${t}: ${put[t]}`);
        // Its own: a sub-cgroup, with a limit of its own.
        assert.deepEqual(JSON.parse(await inside(c, ['/cgprobe', 'mkdir', '/sys/fs/cgroup/memory/sub'])), { mkdir: 'ok' });
        const sub = JSON.parse(await inside(c, ['/cgprobe', 'put', String(16 * 1024 * 1024), '/sys/fs/cgroup/memory/sub/memory.limit_in_bytes'])) as Record<string, string>;
        assert.equal(sub['/sys/fs/cgroup/memory/sub/memory.limit_in_bytes'], 'ok');
        assert.equal(fs.readFileSync(path.join(memory, parent, id, 'sub', 'memory.limit_in_bytes'), 'utf8').trim(), String(16 * 1024 * 1024));
        // ... which leads nowhere else either.
        const up = '/sys/fs/cgroup/memory/sub/../../victim/memory.limit_in_bytes';
        assert.equal((JSON.parse(await inside(c, ['/cgprobe', 'put', String(1 << 30), up])) as Record<string, string>)[up], 'ENOENT');
        // Everything it can reach: its hierarchies and what it made, no sibling, no parent.
        assertOwnTreeOnly(await tree(c), ['memory/sub']);
      },
    );
    assert.equal(fs.readFileSync(path.join(victim, 'memory.limit_in_bytes'), 'utf8').trim(), VICTIM_LIMIT);
    assert.equal(fs.readFileSync(path.join(memory, parent, 'memory.limit_in_bytes'), 'utf8'), parentLimit);
    // delete removed the container's cgroup and the sub-cgroup it made.
    assert.equal(fs.existsSync(path.join(memory, parent, id)), false);
  } finally {
    fs.rmdirSync(victim);
    fs.rmdirSync(path.join(memory, parent));
  }
});

test('systemd\'s named hierarchy: the container is placed there (its /proc/self/cgroup line), and delete removes the cgroup', { skip: skipV1 || (!SYSTEMD ? 'no name=systemd hierarchy mounted' : false) }, async () => {
  const id = uniqueId();
  const dir = path.join(SYSTEMD!.mountPoint, id);
  let initPid = 0;
  await withRunning(
    id,
    (s) => (s.linux!.cgroupsPath = `/${id}`),
    async (c) => {
      initPid = c.pid;
      const line = (await readInside(c, '/proc/self/cgroup')).split('\n').find((l) => l.split(':')[1] === 'name=systemd');
      assert.equal(line?.split(':')[2], `/${id}`, 'the exec\'d process too, as the init');
      assert.ok(fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').includes(String(initPid)), 'the init, from the host');
      // The named hierarchy is shown as the others: its directory is the container's.
      assert.equal(await readInside(c, '/sys/fs/cgroup/systemd/cgroup.procs').then((t) => t.split('\n').includes('1')), true);
    },
  );
  assert.ok(initPid > 0);
  assert.equal(fs.existsSync(dir), false, 'delete removed the name=systemd cgroup');
});

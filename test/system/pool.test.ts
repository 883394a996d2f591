// The warm pool (Container.pool, lib/container/pool.ts): the same cases
// cold and pooled (createModes, a parametrized helper), what a container
// from the pool can reach of the pool from inside (attacks), the configs
// a pool cannot serve (cold, transparently), and the pool's life: close,
// process exit, a helper killed while waiting, a runtime killed outright.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Container, InvalidArgumentError } from '../../lib';
import { CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUTS } from '../../lib/native/constants';
import type { ContainerPool } from '../../lib/container/pool';
import type { Bundle } from '../helpers/bundle';
import { REPO_ROOT } from '../helpers/bundle';
import { createModes, spareCgroups, waitingHelpers } from '../helpers/pool';
import { createTestContainer, probeReport, runProbe, uniqueId, type ProbeReport } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';
import { ensureTestUser, runAs, TEST_USER_NAME } from '../helpers/user';

/** The clone flags of the default pool's helpers (pool.ts DEFAULT_POOL_NAMESPACES). */
const SHAPE_FLAGS = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;

const modes = createModes();
const suite = systemSuite();
const { skip } = suite;
let bundle: Bundle;
let outDir: string;

before(() => {
  if (skip) return;
  outDir = tempDir('pool');
  bundle = suite.bundle({
    edit: (s) => s.mounts!.push({ destination: '/out', type: 'bind', source: outDir, options: ['rbind', 'rw'] }),
  });
});

after(() => {
  if (!skip) fs.rmSync(outDir, { recursive: true, force: true });
});

function gone(helper: number): boolean {
  try {
    return fs.readFileSync(`/proc/${helper}/cmdline`, 'utf8') === '';
  } catch {
    return true;
  }
}

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
}

/** What a report says that must not depend on how the container was made (ids, pids and inode numbers aside). */
function comparable(r: ProbeReport): unknown {
  return {
    pid: r.pid,
    ids: [r.uid, r.euid, r.gid, r.egid, r.groups],
    status: r.status,
    hostname: r.hostname,
    cwd: r.cwd,
    env: r.env,
    rlimits: r.rlimits,
    oom: r.oom_score_adj,
    fds: Object.keys(r.fds),
    // Mount points, types and options; the out-dir's source differs by design.
    mounts: r.mounts.map((line) => line.split(' ').slice(4, 10).join(' ')),
    namespaces: Object.keys(r.namespaces).filter((ns) => r.namespaces[ns] !== hostNamespace(ns)),
  };
}

function hostNamespace(type: string): string {
  return fs.readlinkSync(`/proc/self/ns/${type}`);
}

for (const mode of modes) {
  test(`${mode.name}: create does not run the process; start does; wait gives the exit code`, { skip }, async () => {
    const marker = path.join(outDir, `ran-${mode.name}`);
    const run = await createTestContainer(bundle, { pool: mode.pool, args: ['/probe', 'write', `/out/ran-${mode.name}`] });
    try {
      assert.equal(run.container.state().status, 'created');
      assert.ok(!fs.existsSync(marker), 'not run before start');
      await run.container.start();
      assert.deepEqual(await run.container.wait(), { exitCode: 0, signal: null });
      assert.ok(fs.existsSync(marker), 'ran after start');
    } finally {
      await run.destroy();
    }
  });

  test(`${mode.name}: exit codes and signals come back through wait`, { skip }, async () => {
    const res = await runProbe(bundle, { pool: mode.pool, args: ['/probe', 'exit', '7'] });
    assert.deepEqual(res.exit, { exitCode: 7, signal: null });
    const run = await createTestContainer(bundle, { pool: mode.pool, args: ['/probe', 'sleep', '30'] });
    try {
      await run.container.start();
      await run.container.kill('SIGKILL');
      assert.deepEqual(await run.container.wait(), { exitCode: null, signal: 'SIGKILL' });
    } finally {
      await run.destroy();
    }
  });

  test(`${mode.name}: the container's process holds only its stdio, is pid 1 of new namespaces, non-root-capable as configured`, { skip }, async () => {
    const r = await probeReport(bundle, [], { pool: mode.pool });
    assert.deepEqual(Object.keys(r.fds), ['0', '1', '2'], 'no fd of the runtime, the pool or another helper');
    assert.equal(r.pid, 1);
    for (const ns of ['pid', 'net', 'ipc', 'uts', 'mnt']) assert.notEqual(r.namespaces[ns], hostNamespace(ns), `${ns} namespace is new`);
  });
}

test('a pooled container sees what a cold one sees (namespaces, mounts, credentials, limits, env, fds)', { skip }, async () => {
  const [cold, pooled] = modes;
  await pooled.pool!.ready();
  const a = await probeReport(bundle, [], { pool: cold.pool });
  const served = pooled.pool!.counts.served;
  const b = await probeReport(bundle, [], { pool: pooled.pool });
  assert.equal(pooled.pool!.counts.served, served + 1, 'served by the pool');
  assert.deepEqual(comparable(b), comparable(a));
});

test('a pooled container is in cgroups of its own name, and delete removes them', { skip }, async () => {
  const pool = modes[1].pool!;
  const id = uniqueId();
  const run = await createTestContainer(bundle, { id, pool });
  try {
    const pid = run.container.state().pid!;
    const lines = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
    for (const line of lines) {
      const cgroupPath = line.split(':').slice(2).join(':');
      assert.equal(path.basename(cgroupPath), id, `in ${line}`);
    }
    assert.deepEqual(spareCgroups().filter((dir) => dir.includes(String(pid))), []);
  } finally {
    await run.destroy();
  }
  for (const dir of ['/sys/fs/cgroup/pids', '/sys/fs/cgroup/unified', '/sys/fs/cgroup']) {
    assert.ok(!fs.readdirSync(dir).includes(id), `no ${id} left in ${dir}`);
  }
});

test('each helper serves one container: a second create gets another process, the first is gone with its container', { skip }, async () => {
  const pool = modes[1].pool!;
  await pool.ready();
  const a = await createTestContainer(bundle, { pool });
  const pidA = a.container.state().pid!;
  await a.destroy();
  await pool.ready();
  const b = await createTestContainer(bundle, { pool });
  try {
    assert.notEqual(b.container.state().pid, pidA);
    assert.ok(!waitingHelpers().includes(pidA), 'the first helper is not back in the pool');
  } finally {
    await b.destroy();
  }
});

// --- attacks from inside a pooled container ---

test('attack: a pooled container cannot signal, or even see, the helpers waiting in a pool', { skip }, async () => {
  const pool = modes[1].pool!;
  await pool.ready();
  const before = new Set(waitingHelpers());
  // The victims: helpers of a second pool, never taken while the attack runs.
  const victimPool = await Container.pool({ size: 2 });
  try {
    const victims = waitingHelpers().filter((pid) => !before.has(pid));
    assert.equal(victims.length, 2);
    // kill(-1, SIGKILL) from inside: every process the container may signal.
    const killAll = await runProbe(bundle, { pool, args: ['/probe', 'syscall', '62', '-1', '9'] });
    assert.equal(JSON.parse(killAll.stdout).errno, 'ESRCH', 'nothing to signal: no other process is visible');
    for (const pid of victims) {
      // The host pid of a waiting helper, from inside: no such process there.
      const probe = await runProbe(bundle, { pool, args: ['/probe', 'syscall', '62', String(pid), '9'] });
      assert.equal(JSON.parse(probe.stdout).errno, 'ESRCH', `helper ${pid} is not visible`);
    }
    assert.equal(pool.counts.cold, 0, 'the attackers came from the pool');
    for (const pid of victims) assert.ok(fs.existsSync(`/proc/${pid}`), `helper ${pid} still alive`);
    assert.equal(victimPool.waiting, 2);
  } finally {
    await victimPool.close();
  }
});

test('attack: a pooled container shares no namespace with another pooled helper', { skip }, async () => {
  const pool = modes[1].pool!;
  await pool.ready();
  const others = waitingHelpers();
  const r = await probeReport(bundle, [], { pool });
  for (const pid of others) {
    if (!fs.existsSync(`/proc/${pid}`)) continue; // taken by this very create
    for (const ns of ['pid', 'net', 'ipc', 'uts', 'mnt']) {
      assert.notEqual(r.namespaces[ns], fs.readlinkSync(`/proc/${pid}/ns/${ns}`), `${ns} of helper ${pid}`);
    }
  }
});

test('a waiting helper holds nothing but its channel: fd 3, a socket; no stdio', { skip }, async () => {
  const pool = modes[1].pool!;
  await pool.ready();
  const helpers = waitingHelpers();
  assert.ok(helpers.length > 0);
  for (const pid of helpers) {
    const fds = fs.readdirSync(`/proc/${pid}/fd`);
    assert.deepEqual(fds, ['3'], `helper ${pid}'s fds`);
    assert.match(fs.readlinkSync(`/proc/${pid}/fd/3`), /^socket:/);
    assert.match(fs.readlinkSync(`/proc/${pid}/exe`), /^\/memfd:kapsel-init/, 'exec\'d from the sealed copy');
  }
});

test('attack: a root process without CAP_SYS_PTRACE cannot read a waiting helper\'s memory', { skip }, async () => {
  const pool = modes[1].pool!;
  await pool.ready();
  const [pid] = waitingHelpers();
  // The attacker: root, every capability but CAP_SYS_PTRACE.
  const attacker = ['setpriv', '--bounding-set=-sys_ptrace', '--inh-caps=-sys_ptrace', '--'];
  const attack = (target: number) => spawnSync(attacker[0], [...attacker.slice(1), 'head', '-c', '1', `/proc/${target}/mem`], { encoding: 'utf8' });
  const denied = attack(pid);
  assert.notEqual(denied.status, 0, 'reading a pooled helper\'s memory');
  assert.match(denied.stderr, /Permission denied/);
  // The control: the same attack opens the memory of a process of its own
  // credentials (dumpable; a read at offset 0 then fails on the unmapped page, not at open).
  const control = spawn(attacker[0], [...attacker.slice(1), 'sleep', '30'], { stdio: 'ignore' });
  try {
    await until(() => fs.existsSync(`/proc/${control.pid}/exe`) && fs.readlinkSync(`/proc/${control.pid}/exe`).endsWith('sleep'));
    assert.doesNotMatch(attack(control.pid!).stderr, /Permission denied/, 'the attack opens a reachable process\'s memory');
  } finally {
    control.kill('SIGKILL');
    await new Promise((r) => control.once('exit', r));
  }
});

// --- configs the pool cannot serve: cold, with the same result ---

function coldCase(name: string, edit: (b: Bundle) => void, check?: (r: ProbeReport) => void): void {
  test(`fallback: ${name} is created cold and works`, { skip }, async () => {
    const pool = modes[1].pool!;
    await pool.ready();
    const b = suite.bundle();
    edit(b);
    b.write();
    const { cold, served } = { ...pool.counts };
    const r = await probeReport(b, [], { pool });
    assert.deepEqual(pool.counts, { cold: cold + 1, served }, 'not served by the pool');
    assert.equal(pool.waiting, 2, 'the pool keeps its helpers');
    check?.(r);
  });
}

coldCase('a config without a network namespace', (b) => {
  b.config.linux!.namespaces = b.config.linux!.namespaces!.filter((n) => n.type !== 'network');
}, (r) => assert.equal(r.namespaces.net, hostNamespace('net')));

coldCase('a config joining a namespace by path', (b) => {
  b.config.linux!.namespaces = b.config.linux!.namespaces!.map((n) => (n.type === 'network' ? { type: 'network', path: '/proc/self/ns/net' } : n));
});

coldCase('a config with oomScoreAdj', (b) => {
  b.config.process!.oomScoreAdj = 100;
}, (r) => assert.equal(r.oom_score_adj, 100));

coldCase('a config with a user namespace', (b) => {
  b.config.linux!.namespaces!.push({ type: 'user' });
  // Root stays root (the test rootfs is root's): the mapping is what tells a user namespace apart.
  b.config.linux!.uidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
  b.config.linux!.gidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
}, (r) => {
  assert.match(r.uid_map, /^\s*0\s+0\s+65536\s*$/);
  assert.notEqual(r.namespaces.user, hostNamespace('user'));
});

coldCase('a config with its cgroups elsewhere (cgroupsPath)', (b) => {
  b.config.linux!.cgroupsPath = `/kapsel-pool-test-${process.pid}/${uniqueId()}`;
});

test('fallback: a cgroup of the container\'s name exists already: the spare cgroups stay as they were, create goes cold and takes the empty one', { skip }, async () => {
  const pool = modes[1].pool!;
  await pool.ready();
  const id = uniqueId();
  const pidsParent = path.dirname(spareCgroups().find((d) => d.startsWith('/sys/fs/cgroup/pids/'))!);
  const squatted = path.join(pidsParent, id);
  fs.mkdirSync(squatted);
  const { cold } = pool.counts;
  const run = await createTestContainer(bundle, { id, pool });
  try {
    assert.equal(pool.counts.cold, cold + 1);
    const pid = run.container.state().pid!;
    assert.match(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8'), new RegExp(`pids:.*/${id}\\n`));
  } finally {
    await run.destroy();
    // Taken, not made, by create: delete leaves it, as it found it.
    fs.rmdirSync(squatted);
  }
  await pool.ready();
  assert.equal(pool.waiting, 2);
  // Exactly the waiting helpers' spares: none renamed halfway, none stranded.
  assert.equal(spareCgroups().length % pool.waiting, 0);
  assert.ok(spareCgroups().every((dir) => waitingHelpers().some((pid) => fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').trim() === String(pid))));
});

// --- the pool's life ---

test('bad options are typed errors that leave nothing', { skip }, async () => {
  const spares = spareCgroups().length;
  const helpers = waitingHelpers().length;
  const cases: Array<[unknown, string, string]> = [
    [{ size: 0 }, 'ERR_OUT_OF_RANGE', 'options.size'],
    [{ size: 65 }, 'ERR_OUT_OF_RANGE', 'options.size'],
    [{ size: 1.5 }, 'ERR_OUT_OF_RANGE', 'options.size'],
    [{ size: '2' }, 'ERR_INVALID_ARG_TYPE', 'options.size'],
    [{ size: 1, namespaces: ['user'] }, 'ERR_INVALID_ARG_VALUE', 'options.namespaces[0]'],
    [{ size: 1, namespaces: ['pid', 'time'] }, 'ERR_INVALID_ARG_VALUE', 'options.namespaces[1]'],
    [{ size: 1, namespaces: ['nope'] }, 'ERR_INVALID_ARG_VALUE', 'options.namespaces[0]'],
    [{ size: 1, logger: 'console' }, 'ERR_INVALID_ARG_TYPE', 'options.logger'],
  ];
  for (const [bad, code, argument] of cases) {
    await assert.rejects(Container.pool(bad as never), (err: unknown) => err instanceof InvalidArgumentError && err.code === code && err.argument === argument, JSON.stringify(bad));
  }
  await assert.rejects(Container.create({ id: uniqueId(), bundle: bundle.dir, root: suite.root, pool: {} as ContainerPool }), { code: 'ERR_INVALID_ARG_TYPE', argument: 'options.pool' });
  assert.equal(spareCgroups().length, spares);
  assert.equal(waitingHelpers().length, helpers);
});

test('close() kills and reaps every waiting helper and removes their spare cgroups; the closed pool serves nothing', { skip }, async () => {
  const before = new Set(waitingHelpers());
  const beforeSpares = new Set(spareCgroups());
  const pool = await Container.pool({ size: 3 });
  const mine = waitingHelpers().filter((pid) => !before.has(pid));
  assert.equal(mine.length, 3);
  assert.ok(spareCgroups().length > beforeSpares.size);
  await pool.close();
  for (const pid of mine) assert.ok(!fs.existsSync(`/proc/${pid}`), `helper ${pid} reaped`);
  assert.deepEqual(spareCgroups().filter((d) => !beforeSpares.has(d)), []);
  const r = await probeReport(bundle, [], { pool });
  assert.equal(r.pid, 1, 'a closed pool: created cold');
  assert.deepEqual(pool.counts, { served: 0, cold: 0 });
});

test('await using: the pool is closed at the end of the scope', { skip }, async () => {
  const before = new Set(waitingHelpers());
  let mine: number[] = [];
  {
    await using pool = await Container.pool({ size: 1 });
    mine = waitingHelpers().filter((pid) => !before.has(pid));
    assert.equal(mine.length, 1);
    assert.equal(pool.waiting, 1);
  }
  assert.ok(!fs.existsSync(`/proc/${mine[0]}`));
});

test('a helper killed while waiting is skipped: create is served by the next one', { skip }, async () => {
  const pool = modes[1].pool!;
  await pool.ready();
  const [first] = waitingHelpers();
  process.kill(first, 'SIGKILL');
  // Dead (a zombie, still our child) before the create looks.
  for (let i = 0; i < 200 && !/\) Z /.test(fs.readFileSync(`/proc/${first}/stat`, 'utf8')); i++) await new Promise((r) => setTimeout(r, 5));
  const { served } = pool.counts;
  const r = await probeReport(bundle, [], { pool });
  assert.equal(r.pid, 1);
  assert.equal(pool.counts.served, served + 1);
  await pool.ready();
  assert.ok(!fs.existsSync(`/proc/${first}`), 'the dead one was reaped');
});

const POOL_SCRIPT = `
const { Container } = require(${JSON.stringify(path.join(REPO_ROOT, 'dist', 'lib'))});
Container.pool({ size: 2 }).then((pool) => {
  process.stdout.write(JSON.stringify({ pid: process.pid }) + '\\n');
  // Until stdin ends: then, with the pool open, exit (or, 'hang', wait to be killed).
  process.stdin.resume();
  process.stdin.on('end', () => (process.argv[1] === 'hang' ? setInterval(() => {}, 1000) : process.exit(0)));
});
`;

function poolChild(mode: 'exit' | 'hang'): { child: ReturnType<typeof spawn>; ready: Promise<number> } {
  const child = spawn(process.execPath, ['-e', POOL_SCRIPT, mode], { stdio: ['pipe', 'pipe', 'inherit'] });
  const ready = new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (d) => resolve(JSON.parse(String(d)).pid));
    child.once('exit', (code) => reject(new Error(`pool child exited ${code}`)));
  });
  return { child, ready };
}

function helpersOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').startsWith('kapsel-init\0--pool-fd')) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

test('a process that exits with its pool open leaves no helper and no spare cgroup', { skip }, async () => {
  const { child, ready } = poolChild('exit');
  const pid = await ready;
  const helpers = helpersOf(pid);
  assert.equal(helpers.length, 2);
  assert.ok(spareCgroups(pid).length > 0);
  child.stdin!.end();
  await new Promise((r) => child.once('exit', r));
  // Its exit handler killed them and removed their cgroups before the process was gone.
  assert.deepEqual(spareCgroups(pid), []);
  await until(() => helpers.every(gone));
  assert.deepEqual(helpers.filter((h) => !gone(h)), []);
});

test('a runtime killed outright (SIGKILL): its helpers exit on their own, and the next pool removes its spare cgroups', { skip }, async () => {
  const { child, ready } = poolChild('hang');
  const pid = await ready;
  const helpers = helpersOf(pid);
  assert.equal(helpers.length, 2);
  assert.ok(spareCgroups(pid).length > 0);
  child.stdin!.end();
  await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  // Their channels closed with the runtime: they exit (status 0) by themselves.
  await until(() => helpers.every(gone));
  assert.deepEqual(helpers.filter((h) => !gone(h)), []);
  await until(() => spareCgroups(pid).every((d) => fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf8') === ''));
  const sweeper = await Container.pool({ size: 1 });
  await sweeper.close();
  assert.deepEqual(spareCgroups(pid), []);
});

test('attack on the channel: a malformed hand-over (two fds for one number, a target out of range, no plan) is refused by the helper, which runs nothing', { skip }, async () => {
  const { spawnPooledHelper } = await import('../../lib/container/pool-helper');
  const { nativeSyscalls, processCalls } = await import('../../lib/container/syscalls');
  const { openInitLink } = await import('../../lib/container/init-link');
  const devnull = fs.openSync('/dev/null', 'r');
  try {
    for (const [targets, planFd, why] of [
      [[0, 0], 0, /share a target/],
      [[0, 5000], 0, /out of range/],
      [[0, 1], 7, /no plan fd/],
    ] as const) {
      const helper = await spawnPooledHelper(nativeSyscalls, SHAPE_FLAGS);
      const { pidfd, socket } = helper.claim();
      const link = openInitLink(socket);
      try {
        nativeSyscalls.poolHandover(socket, [devnull, devnull], [...targets], planFd, 9);
        const event = await link.next();
        assert.equal(event.kind, 'failed');
        assert.match((event as { error: Error }).error.message, why);
        const status = await processCalls.pidfdWait(pidfd, true);
        assert.notEqual(status.exitCode, 0);
      } finally {
        link.close();
        fs.closeSync(pidfd);
        // Its spare cgroups (the test claimed it as a launch would, without a container to own them).
        const { destroyCgroups } = await import('../../lib/container/cgroups');
        if (helper.cgroups) await destroyCgroups(helper.cgroups);
      }
    }
  } finally {
    fs.closeSync(devnull);
  }
});

test('fallback: a mount made on the host after the pool filled (a volume, on a host with private mounts) is seen: that create goes cold', { skip }, async () => {
  const pool = modes[1].pool!;
  await pool.ready();
  const volume = tempDir('pool-volume');
  fs.writeFileSync(path.join(volume, 'file'), 'underneath');
  // After the helpers' mount namespaces were copied: a private mount does not reach them.
  spawnSync('mount', ['--make-private', '-t', 'tmpfs', 'pool-volume', volume]);
  try {
    fs.writeFileSync(path.join(volume, 'file'), 'on the volume');
    const b = suite.bundle({ edit: (s) => s.mounts!.push({ destination: '/vol', type: 'bind', source: volume, options: ['rbind', 'ro'] }) });
    const { cold } = pool.counts;
    const res = await runProbe(b, { pool, args: ['/probe', 'cat', '/vol/file'] });
    assert.match(res.stdout, /on the volume/, 'the container sees the volume, not the directory under it');
    assert.equal(pool.counts.cold, cold + 1);
  } finally {
    spawnSync('umount', [volume]);
    fs.rmSync(volume, { recursive: true, force: true });
  }
  await pool.ready();
  assert.equal(pool.waiting, 2, 'the stale helper replaced');
});

test('a rootless runtime gets a typed error for a pool (thrown before anything is made)', { skip }, () => {
  ensureTestUser();
  const script = `require(${JSON.stringify(path.join(REPO_ROOT, 'dist', 'lib'))}).Container.pool({ size: 1 }).then(
    () => console.log('opened'),
    (e) => console.log(JSON.stringify({ code: e.code })),
  );`;
  const res = runAs(TEST_USER_NAME, [process.execPath, '-e', script], { PATH: process.env.PATH });
  assert.equal(res.status, 0, res.stderr);
  assert.equal(JSON.parse(res.stdout).code, 'ERR_NOT_SUPPORTED');
});

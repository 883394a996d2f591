/**
 * Container#exec, checked from inside with the probe: the exec'd process
 * is in the init's namespaces (same inodes), root and hostname, with the
 * credentials, capabilities, limits, cwd and environment asked for, the
 * container's seccomp filter, and no fd of this process; exit codes and
 * signals come back; exec into a container that is not running fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Container } from '../../lib/container/container';
import type { Process, Spec } from '../../lib/config/types';
import { detectLayout, parseProcCgroup } from '../../lib/cgroups/layout';
import { parseCgroupFlags } from '../../lib/container/exec-cgroup';
import { InvalidConfigError, InvalidStateError, KapselError } from '../../lib/errors';
import { TEST_USER } from '../helpers/bundle';
import { createTestContainer, type ProbeReport } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';
import { capHex } from '../helpers/capabilities';

const suite = systemSuite();
const { skip } = suite;

/** A container of a fresh bundle running `/probe sleep 60`, started, destroyed after `fn`. */
async function withRunning(edit: ((spec: Spec) => void) | undefined, fn: (c: Container) => Promise<void>, start = true): Promise<void> {
  const bundle = suite.bundle({ edit });
  const run = await createTestContainer(bundle, { root: suite.root, args: ['/probe', 'sleep', '60'] });
  try {
    if (start) await run.container.start();
    await fn(run.container);
  } finally {
    await run.destroy();
  }
}

const BASE: Process = { args: ['/probe', 'report'], cwd: '/', env: ['PATH=/bin'] };

/** Execs `proc` (over BASE) with stdout and stderr in files; its exit and parsed report. */
async function execProbe(c: Container, proc: Partial<Process>, extra: string[] = []) {
  const dir = tempDir('exec-out');
  const out = fs.openSync(path.join(dir, 'out'), 'w');
  const err = fs.openSync(path.join(dir, 'err'), 'w');
  try {
    const p = await c.exec({ ...BASE, ...proc, args: proc.args ?? [...BASE.args, ...extra] }, { stdio: [0, out, err] });
    const exit = await p.wait();
    const stdout = fs.readFileSync(path.join(dir, 'out'), 'utf8');
    const stderr = fs.readFileSync(path.join(dir, 'err'), 'utf8');
    let report: (ProbeReport & { ret?: number; errno?: string }) | undefined;
    try {
      report = JSON.parse(stdout);
    } catch {
      report = undefined;
    }
    return { pid: p.pid, exit, stdout, stderr, report };
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function execReport(c: Container, proc: Partial<Process> = {}, extra: string[] = []): Promise<ProbeReport> {
  const res = await execProbe(c, proc, extra);
  if (res.exit.exitCode !== 0 || !res.report) throw new Error(`exec'd probe failed: ${JSON.stringify(res.exit)}\n${res.stdout}\n${res.stderr}`);
  return res.report;
}

test('the exec\'d process is in every namespace of the init, its root and hostname, with only its stdio', { skip }, async () => {
  await withRunning((spec) => (spec.hostname = 'exec-host'), async (c) => {
    const report = await execReport(c, {}, ['/probe']);
    for (const [type, id] of Object.entries(report.namespaces)) {
      assert.equal(id, fs.readlinkSync(`/proc/${c.pid}/ns/${type}`), `${type} namespace`);
    }
    // A pid of the container's pid namespace, not the host's.
    assert.ok(report.pid > 1 && report.pid < 1000, `pid ${report.pid}`);
    assert.equal(report.hostname, 'exec-host');
    assert.equal(report.cwd, '/');
    // The container's root: the probe binary at /probe, and the same root mount as the init's.
    assert.equal((report.stat['/probe'] as { type: string }).type, 'file');
    const rootMount = (mounts: string[]) => mounts.map((l) => l.split(' ')).filter((f) => f[4] === '/').pop()?.slice(2, 4).join(' ');
    const initMounts = fs.readFileSync(`/proc/${c.pid}/mountinfo`, 'utf8').trim().split('\n');
    assert.equal(rootMount(report.mounts), rootMount(initMounts));
    // stdio only: nothing of the runtime, the helper or this Node process.
    assert.deepEqual(Object.keys(report.fds).sort(), ['0', '1', '2']);
  });
});

test('user, groups, capabilities, rlimits, no_new_privs, umask, cwd and env are the exec\'d process\'s own', { skip }, async () => {
  await withRunning(undefined, async (c) => {
    const caps = ['CAP_CHOWN', 'CAP_KILL'];
    const report = await execReport(c, {
      user: { uid: TEST_USER.uid, gid: TEST_USER.gid, additionalGids: [5, 6], umask: 0o027 },
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: [{ type: 'RLIMIT_NOFILE', soft: 123, hard: 456 }],
      noNewPrivileges: true,
      cwd: '/etc/../etc',
      env: ['PATH=/bin', 'FOO=1', 'FOO=2'],
    });
    assert.deepEqual([report.uid, report.euid, report.gid, report.egid], [TEST_USER.uid, TEST_USER.uid, TEST_USER.gid, TEST_USER.gid]);
    assert.deepEqual([...report.groups].sort(), [5, 6]);
    // A non-root user keeps no capability across its execve (no ambient ones asked): only the bounding set shows.
    assert.equal(report.status.CapBnd, capHex(caps));
    assert.equal(report.status.CapEff, capHex([]));
    assert.equal(report.status.NoNewPrivs, '1');
    assert.equal(report.status.Umask, '0027');
    assert.deepEqual(report.rlimits.RLIMIT_NOFILE, { soft: '123', hard: '456' });
    assert.equal(report.cwd, '/etc');
    // The last FOO wins (runc); HOME from the image's passwd for the user.
    assert.deepEqual(report.env, ['PATH=/bin', 'FOO=2', `HOME=${TEST_USER.home}`]);
    const asRoot = await execReport(c, { capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [] } });
    assert.equal(asRoot.status.CapBnd, capHex(caps));
    assert.equal(asRoot.status.CapEff, capHex(caps));
    assert.equal(asRoot.status.CapPrm, capHex(caps));
    assert.equal(asRoot.status.CapInh, capHex([]));
    assert.equal(asRoot.env.find((kv) => kv.startsWith('HOME=')), 'HOME=/root');
  });
});

test('exit codes and killing signals come back; several execs run at once; the exit event fires', { skip }, async () => {
  await withRunning(undefined, async (c) => {
    const codes = await Promise.all([3, 4, 5].map((n) => execProbe(c, { args: ['/probe', 'exit', String(n)] })));
    assert.deepEqual(codes.map((r) => r.exit), [3, 4, 5].map((n) => ({ exitCode: n, signal: null })));
    const sleeper = await c.exec({ ...BASE, args: ['/probe', 'sleep', '60'] }, { stdio: [0, 1, 2] });
    const event = new Promise((resolve) => sleeper.once('exit', resolve));
    await sleeper.kill('SIGKILL');
    assert.deepEqual(await sleeper.wait(), { exitCode: null, signal: 'SIGKILL' });
    assert.deepEqual(await event, { exitCode: null, signal: 'SIGKILL' });
    await assert.rejects(sleeper.kill('SIGTERM'), KapselError);
  });
});

test('pidFile names the exec\'d process; a missing program and a bad process are clear errors', { skip }, async () => {
  await withRunning(undefined, async (c) => {
    const pidFile = path.join(tempDir('exec-pid'), 'pid');
    const p = await c.exec({ ...BASE, args: ['/probe', 'sleep', '60'] }, { stdio: [0, 1, 2], pidFile });
    assert.equal(fs.readFileSync(pidFile, 'utf8'), String(p.pid));
    // A child of this process, in the container's pid namespace.
    assert.equal(fs.readlinkSync(`/proc/${p.pid}/ns/pid`), fs.readlinkSync(`/proc/${c.pid}/ns/pid`));
    assert.match(fs.readFileSync(`/proc/${p.pid}/stat`, 'utf8'), new RegExp(`\\) \\w ${process.pid} `));
    await p.kill('SIGKILL');
    await p.wait();
    fs.rmSync(path.dirname(pidFile), { recursive: true });
    await assert.rejects(c.exec({ ...BASE, args: ['no-such-program'] }, { stdio: [0, 1, 2] }), /executable file not found/);
    await assert.rejects(c.exec({ ...BASE, cwd: '/no/such/dir' }, { stdio: [0, 1, 2] }), /\/no\/such\/dir/);
    await assert.rejects(c.exec({ ...BASE, args: [] } as Process, { stdio: [0, 1, 2] }), (e: unknown) => e instanceof InvalidConfigError && e.jsonPath === '/args');
    // The library's process object is no config.json: the error says what it is.
    const { cwd: _cwd, ...noCwd } = BASE;
    await assert.rejects(c.exec(noCwd as Process, { stdio: [0, 1, 2] }), {
      code: 'ERR_INVALID_CONFIG',
      document: 'exec process',
      message: 'invalid exec process: /cwd: is required',
    });
  });
});

test('a cwd through a /proc/self/fd link never leaves the container\'s root (CVE-2024-21626)', { skip }, async () => {
  await withRunning(undefined, async (c) => {
    for (let fd = 3; fd < 10; fd++) {
      let report: ProbeReport | undefined;
      try {
        report = await execReport(c, { cwd: `/proc/self/fd/${fd}` });
      } catch (err) {
        // Refused (not a directory, no such fd, outside the root) is fine.
        continue;
      }
      assert.ok(report.cwd.startsWith('/') && !report.cwd.includes('unreachable'), `fd ${fd}: cwd ${report.cwd}`);
      // Only the container's own directories: the probe sees its /proc there.
      assert.ok(report.cwd === '/proc' || report.cwd.startsWith('/proc/'), `fd ${fd}: cwd ${report.cwd}`);
    }
  });
});

test('exec into a created or stopped container fails and leaves nothing', { skip }, async () => {
  await withRunning(
    undefined,
    async (c) => {
      await assert.rejects(c.exec(BASE, { stdio: [0, 1, 2] }), (e: unknown) => e instanceof InvalidStateError && /must be running/.test(e.message));
      await c.start();
      await c.kill('SIGKILL');
      await c.wait();
      await assert.rejects(c.exec(BASE, { stdio: [0, 1, 2] }), (e: unknown) => e instanceof InvalidStateError && /not running/.test(e.message));
    },
    false,
  );
});

test('the container\'s seccomp filter applies to the exec\'d process', { skip: skip || (process.arch !== 'x64' ? 'syscall numbers here are x86_64' : false) }, async () => {
  const seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] };
  await withRunning((spec) => (spec.linux!.seccomp = seccomp as NonNullable<Spec['linux']>['seccomp']), async (c) => {
    for (const noNewPrivileges of [false, true]) {
      const res = await execProbe(c, { args: ['/probe', 'syscall', 'getppid'], noNewPrivileges });
      assert.equal(res.exit.exitCode, 0, res.stderr);
      assert.equal(res.report?.errno, 'EACCES', `noNewPrivileges ${noNewPrivileges}: ${res.stdout}`);
    }
  });
});

test('exec into a container that joined another container\'s network namespace', { skip }, async () => {
  await withRunning(undefined, async (owner) => {
    const netns = `/proc/${owner.pid}/ns/net`;
    await withRunning(
      (spec) => {
        spec.linux!.namespaces = spec.linux!.namespaces!.map((ns) => (ns.type === 'network' ? { type: 'network', path: netns } : ns));
      },
      async (c) => {
        const report = await execReport(c);
        assert.equal(report.namespaces.net, fs.readlinkSync(netns));
        assert.equal(report.namespaces.mnt, fs.readlinkSync(`/proc/${c.pid}/ns/mnt`));
      },
    );
  });
});

test('create: a cwd through the helper\'s own host /proc fd is refused, not entered', { skip }, async () => {
  const refusals: string[] = [];
  for (let fd = 3; fd < 10; fd++) {
    const bundle = suite.bundle({ edit: (spec) => (spec.process!.cwd = `/proc/self/fd/${fd}`) });
    const run = await createTestContainer(bundle, { root: suite.root }).catch((err: Error) => {
      refusals.push(err.message);
      return undefined;
    });
    if (!run) continue;
    try {
      await run.container.start();
      await run.container.wait();
      const cwd = (JSON.parse(run.output().stdout) as ProbeReport).cwd;
      assert.ok(cwd.startsWith('/') && !cwd.includes('unreachable'), `fd ${fd}: cwd ${cwd}`);
    } finally {
      await run.destroy();
    }
  }
  // Every one is refused: in-root resolution does not follow a procfs
  // symlink (issue 8, hole 14), and the getcwd check after chdir stands
  // behind it should a cwd ever get through.
  assert.equal(refusals.length, 7, refusals.join('\n'));
  for (const m of refusals) assert.match(m, /refusing to follow the procfs symlink|outside the container's root/);
});

/** A process's cgroups: controller -> path ("" the cgroup2 one). */
function cgroupsOf(pid: number): Map<string, string> {
  return parseProcCgroup(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
}

/** The host directory of the container init's cgroup in the pids hierarchy (v1), else the cgroup2 one. */
function initCgroupDir(initPid: number): { key: string; dir: string } {
  const layout = detectLayout();
  const own = cgroupsOf(initPid);
  const pids = layout.v1.pids;
  if (pids) return { key: 'pids', dir: path.join(pids.mountPoint, path.posix.relative(pids.mountRoot, own.get('pids')!)) };
  return { key: '', dir: path.join(layout.unified!.mountPoint, path.posix.relative(layout.unified!.mountRoot, own.get('')!)) };
}

test('the exec\'d process joins the container\'s cgroups, or the --cgroup sub-cgroup, before it runs', { skip }, async () => {
  await withRunning(undefined, async (c) => {
    const p = await c.exec({ ...BASE, args: ['/probe', 'sleep', '60'] }, { stdio: [0, 1, 2] });
    assert.deepEqual(cgroupsOf(p.pid), cgroupsOf(c.pid));
    await p.kill('SIGKILL');
    await p.wait();
    const { key, dir } = initCgroupDir(c.pid);
    fs.mkdirSync(path.join(dir, 'sub'));
    const q = await c.exec({ ...BASE, args: ['/probe', 'sleep', '60'] }, { stdio: [0, 1, 2], cgroup: parseCgroupFlags([key ? `${key}:sub` : 'sub']) });
    assert.equal(cgroupsOf(q.pid).get(key), `${cgroupsOf(c.pid).get(key)}/sub`);
    await q.kill('SIGKILL');
    await q.wait();
    await assert.rejects(c.exec(BASE, { stdio: [0, 1, 2], cgroup: parseCgroupFlags(['missing-sub']) }), /ENOENT|no such file/);
    // delete removes the sub-cgroup the container's processes made (here: we did).
  });
});

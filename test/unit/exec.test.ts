// exec without root: the exec plan, runc's flag parsing (-u, --cgroup,
// the process built from flags), the cgroup targets, and the operation on
// the syscall double (what is spawned, and what is left when it fails).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseUser, processFromFlags } from '../../lib/cli/commands/exec';
import { defaultSpec } from '../../lib/config/default-spec';
import type { Process } from '../../lib/config/types';
import { validateConfig, validateProcess } from '../../lib/config/validate';
import type { CgroupRecord } from '../../lib/cgroups/driver';
import { execCgroupDirs, joinExecCgroups, parseCgroupFlags } from '../../lib/container/exec-cgroup';
import { dedupEnv, execInContainer, type ExecEnv } from '../../lib/container/exec';
import { InvalidArgumentError, InvalidConfigError, InvalidStateError, KapselError, NotSupportedError } from '../../lib/errors';
import * as C from '../../lib/native/constants';
import { compileExecPlan, type ExecPlanContext } from '../../lib/plan/exec-plan';
import { compiledFilter } from '../helpers/seccomp-filter';
import { NO_LSM } from '../../lib/plan/labels';
import { helperFdLayout, type Step } from '../../lib/plan/steps';
import { readProcStat } from '../../lib/state/proc';
import { createContainerDir, writeState } from '../../lib/state/store';
import { scriptedEnv, type RecordingSyscalls } from '../helpers/recording-syscalls';
import { UsageError } from '../../lib/cli/args';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-unit-exec-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const ALL_NS = C.CLONE_NEWUSER | C.CLONE_NEWNS | C.CLONE_NEWPID;

function context(overrides: Partial<ExecPlanContext> = {}): ExecPlanContext {
  return {
    initPidfd: 42,
    namespaces: ALL_NS,
    container: { process: validateConfig(defaultSpec({ rootless: true, cgroupNamespace: false })).process },
    image: { passwd: [{ name: 'u', uid: 1000, gid: 1000, home: '/home/u' }] },
    setgroupsDenied: false,
    preserveFds: 0,
    lsm: NO_LSM,
    ...overrides,
  };
}

const proc = (p: Partial<Process> = {}) => validateProcess({ args: ['/bin/true'], cwd: '/', ...p });
const ops = (steps: Step[]) => steps.map((s) => s.op);

test('exec plan: the init\'s namespaces through its pidfd, nothing created, no rootfs, no wait for start', () => {
  const plan = compileExecPlan(proc({ user: { uid: 1000, gid: 1000 } }), context());
  assert.deepEqual(plan.join, [{ type: ALL_NS, pidfd: 42 }]);
  assert.equal(plan.cloneFlags, 0);
  assert.deepEqual([plan.uidMappings, plan.gidMappings], [[], []]);
  assert.deepEqual(ops(plan.steps), [
    'header', 'rlimit', 'bounding', 'keep-caps', 'setgroups', 'setresgid', 'setresuid', 'keep-caps', 'capset', 'ambient', 'umask', 'chdir', 'check-exec', 'exec',
  ], 'the container\'s rlimits and capabilities come with its process');
  const exec = plan.steps.at(-1) as Extract<Step, { op: 'exec' }>;
  assert.deepEqual(exec.env, ['HOME=/home/u']);
  // Namespaces that are the runtime's own are not joined at all.
  assert.deepEqual(compileExecPlan(proc(), context({ namespaces: 0, rootfs: '/b/rootfs' })).join, []);
});

test('exec plan: the terminal is the process\'s own (no /dev/console bind), its socket where no fifo is', () => {
  const plan = compileExecPlan(proc({ terminal: true, consoleSize: { height: 10, width: 20 } }), context({ preserveFds: 2 }));
  // Inside the container's mount namespace, whose /proc is never trusted: a private procfs.
  assert.deepEqual(plan.steps[0], { op: 'header', kind: 'exec', procfs: 'private', procBinds: [] });
  assert.deepEqual(plan.steps[1], { op: 'console', socketFd: helperFdLayout(2, { fifo: false }).consoleFd, rows: 10, cols: 20, bindConsole: false });
  assert.equal(helperFdLayout(2, { fifo: false }).consoleFd, 7, 'stdio, 2 preserved, plan, sync, console');
  assert.equal(helperFdLayout(2, { fifo: false, console: true }).listenerFd, 8);
  assert.equal(helperFdLayout(2, { fifo: false }).fifoFd, -1);
});

test('exec plan: the container\'s seccomp filter, placed by the exec\'d process\'s noNewPrivileges', () => {
  const spec = defaultSpec({ rootless: true, cgroupNamespace: false });
  spec.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ERRNO' }] };
  const ctx = context({ container: { seccomp: compiledFilter(validateConfig(spec).linux!.seccomp!) } });
  const early = ops(compileExecPlan(proc(), ctx).steps);
  assert.ok(early.indexOf('seccomp') < early.indexOf('setresuid'), early.join(' '));
  const late = ops(compileExecPlan(proc({ noNewPrivileges: true }), ctx).steps);
  assert.deepEqual(late.slice(-3), ['check-exec', 'seccomp', 'exec']);
  assert.equal(ops(compileExecPlan(proc(), context()).steps).indexOf('seccomp'), -1);
});

test('exec plan: settings kapsel cannot apply are refused; extra groups where setgroups is denied name the path', () => {
  assert.throws(() => compileExecPlan(proc({ scheduler: { policy: 'SCHED_BATCH' } }), context()), (e: unknown) => e instanceof NotSupportedError && /\/scheduler/.test(e.message));
  // LSM labels: plan-labels.test.ts.
  assert.throws(
    () => compileExecPlan(proc({ user: { uid: 0, gid: 0, additionalGids: [1] } }), context({ setgroupsDenied: true, jsonPath: '' })),
    (e: unknown) => e instanceof InvalidConfigError && e.jsonPath === '/user/additionalGids',
  );
});

test('env: the last value of a variable wins, where it last appeared; an empty HOME is filled in (runc)', () => {
  assert.deepEqual(dedupEnv(['A=1', 'B=2', 'A=3', 'C', 'C=4']), ['B=2', 'A=3', 'C=4']);
  assert.deepEqual(dedupEnv(['HOME=/h', 'HOME=']), []);
  const plan = compileExecPlan(validateProcess({ args: ['x'], cwd: '/', env: dedupEnv(['HOME=', 'P=1']) }), context());
  assert.deepEqual((plan.steps.at(-1) as Extract<Step, { op: 'exec' }>).env, ['P=1', 'HOME=/'], 'no passwd entry for uid 0 in this image: "/"');
});

test('-u uid[:gid]: decimal ids 0..2^31-1 only', () => {
  assert.deepEqual(parseUser('1000'), { uid: 1000 });
  assert.deepEqual(parseUser('0:5'), { uid: 0, gid: 5 });
  assert.deepEqual(parseUser('2147483647:2147483647'), { uid: 2147483647, gid: 2147483647 });
  for (const bad of ['', '1:abc', ':1', '1:', '-1', '2147483648', '4294967295', 'root', '1 ', '0x10', '1:2:3']) {
    assert.throws(() => parseUser(bad), UsageError, JSON.stringify(bad));
  }
});

test('the process from flags: runc\'s getProcess over the config\'s process', () => {
  const base: Process = { args: ['/init'], cwd: '/', env: ['PATH=/bin'], terminal: true, user: { uid: 5, gid: 6, additionalGids: [1] }, capabilities: { bounding: ['CAP_CHOWN'], inheritable: ['CAP_CHOWN'] } };
  const p = processFromFlags(base, ['/bin/sh', '-c', 'x'], {
    cwd: '/w', env: ['A=1'], user: '7', 'additional-gids': ['8'], cap: ['CAP_KILL'], 'no-new-privs': true,
  });
  assert.deepEqual(p.args, ['/bin/sh', '-c', 'x']);
  assert.equal(p.cwd, '/w');
  assert.deepEqual(p.env, ['PATH=/bin', 'A=1']);
  assert.equal(p.terminal, false, 'no --tty: no terminal, whatever the config says');
  assert.deepEqual(p.user, { uid: 7, gid: 6, additionalGids: [1, 8] });
  assert.deepEqual(p.capabilities, { bounding: ['CAP_CHOWN', 'CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'], inheritable: ['CAP_CHOWN'] });
  assert.equal(p.noNewPrivileges, true);
  assert.deepEqual(base.env, ['PATH=/bin'], 'the base is not changed');
  assert.equal(processFromFlags(base, ['x'], { tty: true }).terminal, true);
  assert.throws(() => processFromFlags(base, [], {}), UsageError);
  assert.throws(() => processFromFlags(base, ['x'], { 'additional-gids': ['-1'] }), UsageError);
});

test('--cgroup: runc\'s forms and refusals', () => {
  assert.deepEqual([...parseCgroupFlags(['sub'])], [['', 'sub']]);
  assert.deepEqual([...parseCgroupFlags(['cpu,cpuacct:a', 'memory:b/c'])], [['cpu', 'a'], ['cpuacct', 'a'], ['memory', 'b/c']]);
  assert.deepEqual([...parseCgroupFlags([])], []);
  for (const bad of [[':x'], ['cpu:a', 'cpu:b'], ['cpu:a', 'bare'], ['bare', 'cpu:a'], ['../up'], ['/abs'], ['a/../../up'], ['cpu:']]) {
    assert.throws(() => parseCgroupFlags(bad), InvalidArgumentError, JSON.stringify(bad));
  }
});

test('exec cgroups: every hierarchy of the container\'s cgroups, with the --cgroup sub-paths', () => {
  const hybrid: CgroupRecord = {
    version: 1,
    v1: { memory: '/sys/fs/cgroup/memory/c1', cpu: '/sys/fs/cgroup/cpu,cpuacct/c1', cpuacct: '/sys/fs/cgroup/cpu,cpuacct/c1' },
    unified: '/sys/fs/cgroup/unified/c1',
    created: [],
  };
  assert.deepEqual(execCgroupDirs(hybrid, parseCgroupFlags(['memory:m'])), [
    '/sys/fs/cgroup/memory/c1/m',
    '/sys/fs/cgroup/cpu,cpuacct/c1',
    '/sys/fs/cgroup/unified/c1',
  ]);
  assert.deepEqual(execCgroupDirs(hybrid, parseCgroupFlags(['s'])), [
    '/sys/fs/cgroup/memory/c1/s',
    '/sys/fs/cgroup/cpu,cpuacct/c1/s',
    '/sys/fs/cgroup/unified/c1/s',
  ]);
  assert.throws(() => execCgroupDirs(hybrid, parseCgroupFlags(['blkio:x'])), InvalidArgumentError);
  // v2: the one path, a controller prefix naming nothing of its own.
  const v2: CgroupRecord = { version: 2, v1: {}, unified: '/sys/fs/cgroup/k/c', created: [] };
  assert.deepEqual(execCgroupDirs(v2, parseCgroupFlags(['memory:sub'])), ['/sys/fs/cgroup/k/c/sub']);
  // No cgroups of its own (rootless): nothing to join, and --cgroup is an error.
  assert.doesNotThrow(() => joinExecCgroups(undefined, 1, { unprivileged: true }));
  assert.throws(() => joinExecCgroups(undefined, 1, { unprivileged: true, sub: parseCgroupFlags(['s']) }), InvalidArgumentError);
});

let serial = 0;

/** A running "container" whose init is this very process (alive, the right start time), on the double. */
function runningContainer(namespaces = ALL_NS): { root: string; id: string } {
  const dir = path.join(tmp, `case-${++serial}`);
  const bundle = path.join(dir, 'bundle');
  fs.mkdirSync(path.join(bundle, 'rootfs'), { recursive: true });
  const spec = defaultSpec({ rootless: true, cgroupNamespace: false });
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec));
  const root = path.join(dir, 'root');
  const id = `c${serial}`;
  fs.mkdirSync(root, { mode: 0o700 }); // a checked state root, as Container gives the operations
  createContainerDir(root, id);
  writeState(root, {
    ociVersion: '1.0.2', id, pid: process.pid, initStartTime: readProcStat(process.pid)!.startTime, bundle, rootfs: path.join(bundle, 'rootfs'),
    created: new Date().toISOString(), owner: 'me', ownPidNamespace: true, rootless: true,
    recorded: { process: spec.process!, namespaces, lsm: NO_LSM },
  });
  return { root, id };
}

function execEnv(sys: RecordingSyscalls, launch: ExecEnv['launch'], joinCgroups: () => void = () => undefined): ExecEnv {
  return {
    launch,
    init: {
      openInit: () => sys.openPath('/proc/init-pidfd'),
      foreignNamespaces: () => ALL_NS,
      setgroupsDenied: () => false,
      openBirthCgroup: () => undefined,
      joinCgroups: (_init, pid) => {
        sys.calls.push(['joinCgroups', pid]);
        joinCgroups();
      },
    },
  };
}

test('exec on the double: the helper joins the init by its pidfd, cgroups before go, and the init pidfd is closed', async () => {
  const ref = runningContainer();
  const { env, sys, links } = scriptedEnv([{ kind: 'exited' }]);
  const pidFile = path.join(tmp, `pid-${serial}`);
  const launched = await execInContainer(ref, { args: ['/bin/true'], cwd: '/' }, { stdio: [0, 1, 2], pidFile }, execEnv(sys, env));
  const [[spawn]] = sys.named('spawn') as [[{ argv: string[]; fds: number[]; join: unknown[]; cloneFlags: number }]];
  // The helper learns the plan's kind from the plan's header, not from argv (told once).
  assert.ok(!spawn.argv.includes('--exec'), spawn.argv.join(' '));
  const initPidfd = (spawn.join[0] as { pidfd: number }).pidfd;
  assert.deepEqual(spawn.join, [{ type: ALL_NS, pidfd: initPidfd }]);
  assert.equal(spawn.fds.length, 5, 'stdio, plan, sync socket: no exec fifo');
  const names = sys.calls.map((c) => c[0]);
  assert.ok(names.indexOf('joinCgroups') > names.indexOf('spawn'));
  assert.deepEqual(links[0].said, ['go']);
  assert.equal(links[0].goStates, undefined, 'no hook states for an exec plan');
  assert.equal(fs.readFileSync(pidFile, 'utf8'), String(launched.pid));
  assert.deepEqual([...sys.open], [launched.pidfd], 'only the process\'s pidfd is left, for the caller');
});

test('exec on the double: the process is born in its cgroup2 cgroup (CLONE_INTO_CGROUP), the rest joined before go', async () => {
  const ref = runningContainer();
  const { env, sys } = scriptedEnv([{ kind: 'exited' }]);
  const birthFd = fs.openSync(tmp, 'r');
  let bornIn: string | undefined;
  const exec = execEnv(sys, env);
  exec.init.openBirthCgroup = () => ({ fd: birthFd, dir: '/sys/fs/cgroup/c1' });
  exec.init.joinCgroups = (_record, _pid, _sub, _logger, dir) => {
    bornIn = dir;
  };
  const launched = await execInContainer(ref, { args: ['/bin/true'], cwd: '/' }, { stdio: [0, 1, 2] }, exec);
  const [[spawn]] = sys.named('spawn') as [[{ cgroupFd?: number }]];
  assert.equal(spawn.cgroupFd, birthFd);
  assert.equal(bornIn, '/sys/fs/cgroup/c1');
  assert.throws(() => fs.fstatSync(birthFd), /EBADF/, 'the cgroup fd is closed after the spawn');
  sys.close(launched.pidfd);
});

test('exec on the double: a failed step, a failed cgroup join, a failed spawn leave nothing', async () => {
  const failures: [string, (sys: RecordingSyscalls) => void, () => void, { kind: 'failed'; error: Error } | undefined][] = [
    ['step', () => undefined, () => undefined, { kind: 'failed', error: new Error('chdir /x: no such file or directory') }],
    ['cgroup', () => undefined, () => { throw new Error('cgroup.procs: EACCES'); }, undefined],
    ['spawn', (sys) => sys.failing.set('spawn', Object.assign(new Error('clone: EPERM'), { code: 'EPERM', syscall: 'clone' })), () => undefined, undefined],
  ];
  for (const [name, arrange, cgroupJoin, event] of failures) {
    const ref = runningContainer();
    const { env, sys, links } = scriptedEnv(event ? [event] : [{ kind: 'exited' }]);
    arrange(sys);
    const pidFile = path.join(tmp, `pid-${serial}`);
    await assert.rejects(execInContainer(ref, { args: ['/bin/true'], cwd: '/' }, { stdio: [0, 1, 2], pidFile }, execEnv(sys, env, cgroupJoin)), name);
    assert.deepEqual([...sys.open], [], `${name}: every fd is closed, the init's pidfd too`);
    assert.deepEqual([...sys.alive], [], `${name}: the helper is killed and reaped`);
    for (const link of links) assert.ok(link.closed, `${name}: the setup channel is closed`);
    assert.equal(fs.existsSync(pidFile), false, `${name}: no pid file`);
    if (name === 'cgroup') assert.deepEqual(links[0].said, [], 'cgroup: "go" is never sent');
  }
});

test('exec on the double: a bad process or options fail before anything is opened; a created container is refused', async () => {
  const ref = runningContainer();
  const { env, sys } = scriptedEnv([]);
  await assert.rejects(execInContainer(ref, { args: [], cwd: '/' } as Process, {}, execEnv(sys, env)), (e: unknown) => e instanceof InvalidConfigError && e.jsonPath === '/args');
  await assert.rejects(execInContainer(ref, { args: ['x'], cwd: '/' }, { stdio: ['pipe', 'pip', 'pipe'] as never }, execEnv(sys, env)), /stdio\[1\]/);
  await assert.rejects(execInContainer(ref, { args: ['x'], cwd: '/' }, { consoleSocket: '/s' }, execEnv(sys, env)), /process.terminal is false/);
  fs.writeFileSync(path.join(ref.root, ref.id, 'exec.fifo'), '');
  await assert.rejects(execInContainer(ref, { args: ['x'], cwd: '/' }, {}, execEnv(sys, env)), InvalidStateError);
  assert.deepEqual(sys.calls, []);
});

test('launch of an exec plan: no fifo, the kind in the plan header alone, done when the helper\'s socket closes; "ready" is a protocol error', async () => {
  const { launchInit } = await import('../../lib/container/launch');
  const plan = compileExecPlan(proc(), context());
  const done = scriptedEnv([{ kind: 'exited' }]);
  const launched = await launchInit({ plan, stdio: [0, 1, 2], privilegedIdMaps: false, onSync: async () => undefined }, done.env);
  const [[spawn]] = done.sys.named('spawn') as [[{ argv: string[]; fds: number[] }]];
  assert.deepEqual(spawn.argv, ['kapsel-init', '--plan-fd', '3', '--sync-fd', '4']);
  assert.deepEqual(plan.steps[0], { op: 'header', kind: 'exec', procfs: 'private', procBinds: [] });
  assert.equal(done.sys.named('openPath').length, 0, 'no exec fifo is opened');
  assert.deepEqual([...done.sys.open], [launched.pidfd]);
  await launched.abort();
  const ready = scriptedEnv([{ kind: 'ready' }]);
  await assert.rejects(launchInit({ plan, stdio: [0, 1, 2], privilegedIdMaps: false, onSync: async () => undefined }, ready.env), /unexpected "ready"/);
  assert.deepEqual([...ready.sys.open], []);
  assert.deepEqual([...ready.sys.alive], []);
});

test('exec plan: what the process leaves out comes from the container\'s record; what it says wins', () => {
  const container = {
    process: {
      capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] },
      rlimits: [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 20 }],
    },
  };
  const step = <O extends Step['op']>(plan: { steps: Step[] }, op: O) => plan.steps.filter((s): s is Extract<Step, { op: O }> => s.op === op);
  const inherited = compileExecPlan(proc(), context({ container }));
  assert.deepEqual(step(inherited, 'bounding'), [{ op: 'bounding', keep: String(1n << 5n) }]);
  assert.deepEqual(step(inherited, 'rlimit').map((r) => [r.type, r.soft, r.hard]), [['RLIMIT_NOFILE', '10', '20']]);
  const own = compileExecPlan(proc({ capabilities: { bounding: ['CAP_CHOWN'] }, rlimits: [{ type: 'RLIMIT_NPROC', soft: 1, hard: 1 }] }), context({ container }));
  assert.deepEqual(step(own, 'bounding'), [{ op: 'bounding', keep: '1' }]);
  assert.deepEqual(step(own, 'rlimit').map((r) => r.type), ['RLIMIT_NPROC']);
  // A container without capabilities: an exec'd process without them gets none, never the runtime's.
  const none = compileExecPlan(proc(), context({ container: { process: {} } }));
  assert.deepEqual(step(none, 'bounding'), [{ op: 'bounding', keep: '0' }]);
  assert.deepEqual(step(none, 'capset'), [{ op: 'capset', effective: '0', permitted: '0', inheritable: '0' }]);
  assert.deepEqual(step(none, 'ambient'), [{ op: 'ambient', raise: '0' }]);
});

test('exec on the double: only the namespace types create recorded are joined, whatever else differs from the runtime\'s', async () => {
  const ref = runningContainer(C.CLONE_NEWPID | C.CLONE_NEWNS);
  const { env, sys } = scriptedEnv([{ kind: 'exited' }]);
  const launched = await execInContainer(ref, { args: ['/bin/true'], cwd: '/' }, { stdio: [0, 1, 2] }, execEnv(sys, env));
  const [[spawn]] = sys.named('spawn') as [[{ join: { type: number }[] }]];
  assert.deepEqual(spawn.join.map((j) => j.type), [C.CLONE_NEWPID | C.CLONE_NEWNS], 'the init\'s user namespace differs too, but the container has none of its own');
  sys.close(launched.pidfd);
});

test('exec on the double: the bundle is never read (removed after create), and a state without a create-time record is refused', async () => {
  const ref = runningContainer();
  fs.rmSync(path.join(ref.root, '..', 'bundle'), { recursive: true });
  const { env, sys } = scriptedEnv([{ kind: 'exited' }]);
  const launched = await execInContainer(ref, { args: ['/bin/true'], cwd: '/' }, { stdio: [0, 1, 2] }, execEnv(sys, env));
  sys.close(launched.pidfd);
  const old = runningContainer();
  const file = path.join(old.root, old.id, 'state.json');
  const { recorded: _recorded, ...state } = JSON.parse(fs.readFileSync(file, 'utf8')) as { recorded?: unknown };
  fs.writeFileSync(file, JSON.stringify(state));
  const again = scriptedEnv([]);
  await assert.rejects(execInContainer(old, { args: ['/bin/true'], cwd: '/' }, {}, execEnv(again.sys, again.env)), (e: unknown) => e instanceof KapselError && e.code === 'ERR_INVALID_STATE' && /create-time record/.test(e.message));
  assert.deepEqual(again.sys.calls, [], 'nothing opened');
});

test('the exec module loads neither the config loader nor the seccomp compiler: nothing of config.json can reach an exec, and it installs the create-time filter', () => {
  const script = `require(${JSON.stringify(path.resolve(__dirname, '../../lib/container/exec.js'))});
    const loaded = Object.keys(require.cache).filter((f) => /[\\\\/]config[\\\\/]load\\.js$|[\\\\/]seccomp[\\\\/](compile|library|disk-cache)\\.js$|[\\\\/]host[\\\\/]seccomp\\.js$/.test(f));
    process.stdout.write(JSON.stringify(loaded));`;
  const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), []);
});

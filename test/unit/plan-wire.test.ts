// The plan's wire contract across the language boundary, without root: many
// configs are compiled in TypeScript, encoded, and decoded by the init
// helper's own C++ step readers (kapsel-init --dry-run); each decoded step
// must equal the TypeScript step field by field. A field swapped, dropped or
// misread on either side fails here instead of inside a container.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { defaultSpec, validateConfig } from '../../lib/config';
import type { Spec } from '../../lib/config/types';
import { initHelperPath } from '../../lib/native/addon';
import { compilePlan } from '../../lib/plan/compile';
import { compilePrograms, libseccompCompiler } from '../../lib/container/planning';
import { encodeSteps } from '../../lib/plan/encode';
import {
  CHECKED_NAMESPACES,
  DEVICE_TYPES,
  HOOKS_IN_CONTAINER,
  MOUNT_FILESYSTEMS,
  PLAN_KINDS,
  PROCFS_SOURCES,
  type Step,
  type StepOp,
} from '../../lib/plan/steps';
import { FAILURE_REASONS, HOOK_FAILURE_REASONS } from '../../lib/plan/protocol';
import { fakeFacts, type FakeFacts } from '../helpers/facts';
import { podmanSizedProfile } from '../helpers/seccomp-profiles';

const bundle = '/b';
const rootfs = '/b/rootfs';
/** The launching runtime's environment: what a hook without env gets on the wire (plan/hooks.ts). */
const RUNTIME_ENV = ['RUNTIME=env', 'PATH=/usr/bin'];

/** What the dry run prints for a step: bigints as decimal strings, bytes as hex. */
function expected(step: Step): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(step)) {
    // The seccomp step's summary is for `kapsel plan` only: never sent.
    if (step.op === 'seccomp' && key === 'summary') continue;
    if (typeof value === 'bigint') out[key] = value.toString();
    else if (value instanceof Uint8Array) out[key] = Buffer.from(value).toString('hex');
    else out[key] = value;
  }
  if (step.op === 'hook' && step.env === undefined) out.env = RUNTIME_ENV;
  return out;
}

/** The steps as the C++ readers decode them. */
function decodeInC(steps: readonly Step[]): Record<string, unknown>[] {
  const run = spawnSync(initHelperPath(), ['--dry-run', '--plan-fd', '0'], { input: encodeSteps(steps, RUNTIME_ENV) });
  assert.equal(run.status, 0, `kapsel-init --dry-run failed: ${run.stderr}`);
  return run.stdout
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function assertSameInC(name: string, steps: readonly Step[]): void {
  const decoded = decodeInC(steps);
  assert.equal(decoded.length, steps.length, `${name}: step count`);
  steps.forEach((step, i) => assert.deepEqual(decoded[i], expected(step), `${name}: step ${i} (${step.op})`));
}

function spec(edit?: (s: Spec) => void, rootless = false): Spec {
  const s = defaultSpec({ rootless, uid: 1000, gid: 1000 });
  s.process!.terminal = false;
  s.process!.args = ['/bin/app', '--flag'];
  edit?.(s);
  return s;
}

const configs: Array<{ name: string; spec: Spec; rootless?: boolean; noPivot?: boolean; preserveFds?: number; lsm?: FakeFacts['lsm'] }> = [
  { name: 'default', spec: spec() },
  { name: 'rootless (user namespace maps)', spec: spec(undefined, true), rootless: true },
  {
    name: 'mounts',
    spec: spec((s) => {
      s.mounts!.push(
        { destination: '/data', type: 'bind', source: '/tmp', options: ['rbind', 'ro', 'nosuid', 'rslave'] },
        { destination: '/file', type: 'bind', source: '/etc/hostname', options: ['bind', 'noexec'] },
        { destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nodev', 'mode=1777', 'size=1m', 'strictatime'] },
        { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro'] },
        { destination: '/shared', type: 'bind', source: '/tmp', options: ['bind', 'shared', 'rro'] },
        { destination: '/var/cache', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup', 'ro', 'size=2m'] },
      );
      if (!s.linux!.namespaces!.some((n) => n.type === 'cgroup')) s.linux!.namespaces!.push({ type: 'cgroup' });
    }),
  },
  {
    name: 'devices',
    spec: spec((s) => {
      s.linux!.devices = [
        { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 },
        { path: '/dev/loop9', type: 'b', major: 7, minor: 9, fileMode: 0o660, uid: 5, gid: 6 },
        { path: '/dev/pipe', type: 'p' },
      ];
    }),
  },
  {
    name: 'hooks',
    spec: spec((s) => {
      s.hooks = {
        createRuntime: [{ path: '/bin/cr' }],
        createContainer: [{ path: '/bin/cc', args: ['cc', 'a b', 'ü "q"\n'], env: ['X=1', 'Y='], timeout: 5 }],
        startContainer: [{ path: '/bin/sc' }],
      };
    }),
  },
  {
    name: 'process: rlimits, capabilities, groups, umask, no-new-privileges, oom score',
    spec: spec((s) => {
      const p = s.process!;
      p.rlimits = [
        { type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 },
        { type: 'RLIMIT_CORE', soft: 2 ** 63, hard: 2 ** 63 },
      ];
      p.capabilities = {
        bounding: ['CAP_CHOWN', 'CAP_SYS_ADMIN', 'CAP_CHECKPOINT_RESTORE'],
        effective: ['CAP_CHOWN'],
        permitted: ['CAP_CHOWN', 'CAP_SYS_ADMIN'],
        inheritable: ['CAP_KILL'],
        ambient: ['CAP_CHOWN'],
      };
      p.user = { uid: 1000, gid: 100, additionalGids: [5, 6, 2147483647], umask: 0o027 };
      p.noNewPrivileges = true;
      p.oomScoreAdj = -500;
      p.cwd = '/work dir';
      p.env = ['PATH=/opt/bin:/bin', 'LANG=C.UTF-8', 'EMPTY='];
    }),
  },
  { name: 'terminal', spec: spec((s) => ((s.process!.terminal = true), (s.process!.consoleSize = { height: 24, width: 80 }))) },
  {
    name: 'sysctl, personality, hostname, domainname',
    spec: spec((s) => {
      s.linux!.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.msgmax': '8192' };
      s.linux!.personality = { domain: 'LINUX32' };
      s.hostname = 'box';
      s.domainname = 'example.org';
    }),
  },
  {
    name: 'masked and read-only paths, read-only root',
    spec: spec((s) => {
      s.linux!.maskedPaths = ['/proc/kcore', '/sys/firmware', '/weird path'];
      s.linux!.readonlyPaths = ['/proc/sys', '/proc/bus'];
      s.root!.readonly = true;
      s.linux!.rootfsPropagation = 'rslave';
    }),
  },
  { name: 'no pivot, preserved fds', spec: spec(), noPivot: true, preserveFds: 2 },
  {
    name: 'seccomp with a notify listener and a terminal',
    spec: spec((s) => {
      s.process!.terminal = true;
      s.linux!.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        listenerPath: '/run/agent.sock',
        syscalls: [
          { names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' },
          { names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
        ],
      };
    }),
  },
  {
    name: 'seccomp without no_new_privs',
    spec: spec((s) => {
      s.process!.noNewPrivileges = false;
      s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['execve', 'exit_group'], action: 'SCMP_ACT_ALLOW' }] };
    }),
  },
  {
    name: 'podman-sized seccomp without no_new_privs: the filter allows the release before the wait',
    spec: spec((s) => {
      s.process!.noNewPrivileges = false;
      s.linux!.seccomp = podmanSizedProfile();
    }),
  },
  {
    name: 'scheduler, I/O priority, CPU affinity, memory policy',
    spec: spec((s) => {
      s.process!.scheduler = { policy: 'SCHED_DEADLINE', flags: ['SCHED_FLAG_RESET_ON_FORK', 'SCHED_FLAG_DL_OVERRUN'], runtime: 1e6, deadline: 2e6, period: 2 ** 60 };
      s.process!.ioPriority = { class: 'IOPRIO_CLASS_IDLE', priority: 7 };
      s.process!.execCPUAffinity = { initial: '0-1', final: '0,3-5,64' };
      s.linux!.memoryPolicy = { mode: 'MPOL_INTERLEAVE', nodes: '0,2-3', flags: ['MPOL_F_STATIC_NODES'] };
    }),
  },
  {
    name: 'idmapped binds: the container user namespace mappings, and the mount\'s own',
    spec: spec((s) => {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
      s.mounts!.push(
        { destination: '/own', type: 'bind', source: '/srv', options: ['rbind', 'ridmap'] },
        {
          destination: '/mapped',
          type: 'bind',
          source: '/srv/data',
          options: ['bind', 'idmap', 'ro'],
          uidMappings: [{ containerID: 0, hostID: 101000, size: 10 }],
          gidMappings: [{ containerID: 5, hostID: 200000, size: 1 }, { containerID: 6, hostID: 200010, size: 2 }],
        },
      );
    }),
  },
  {
    name: 'a mount namespace joined by path (checked on arrival)',
    spec: spec((s) => {
      s.linux!.namespaces!.find((n) => n.type === 'mount')!.path = '/proc/1234/ns/mnt';
    }),
  },
  {
    name: 'no mount namespace: the runtime\'s, entered with a chroot',
    spec: spec((s) => {
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'mount');
      s.mounts = [];
      s.linux!.maskedPaths = [];
      s.linux!.readonlyPaths = [];
      s.root!.readonly = false;
    }),
  },
  {
    name: 'LSM labels with SELinux and AppArmor enabled: exec-label steps, context= on new filesystems',
    lsm: { selinux: true, apparmor: true, apparmorExecAttr: 'attr/exec' },
    spec: spec((s) => {
      s.process!.selinuxLabel = 'system_u:system_r:container_t:s0:c1,c2';
      s.process!.apparmorProfile = 'kapsel-test (enforce)';
      s.linux!.mountLabel = 'system_u:object_r:container_file_t:s0:c1,c2';
      s.mounts!.push({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup', 'size=1m'] });
      s.linux!.maskedPaths = ['/proc/acpi'];
    }),
  },
  {
    name: 'time namespace with offsets',
    spec: spec((s) => {
      s.linux!.namespaces!.push({ type: 'time' });
      s.linux!.timeOffsets = { monotonic: { secs: 86400, nanosecs: 5 }, boottime: { secs: -1 } };
    }),
  },
];

const seen = new Set<StepOp>();

for (const c of configs) {
  test(`C++ decodes the compiled plan as TypeScript built it: ${c.name}`, () => {
    const spec = validateConfig(c.spec);
    // Real programs on the wire, compiled as create compiles them.
    const programs = compilePrograms(spec, libseccompCompiler());
    const plan = compilePlan(spec, { bundle, rootfs, noPivot: c.noPivot, preserveFds: c.preserveFds }, fakeFacts({ unprivileged: c.rootless ?? false, lsm: c.lsm }), programs);
    for (const step of plan.steps) seen.add(step.op);
    assertSameInC(c.name, plan.steps);
  });
}

test('C++ decodes ops no config above produces, and edge values', () => {
  const program = Buffer.from([0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x7f]); // BPF_RET|BPF_K ALLOW, NULs inside
  const steps: Step[] = [
    { op: 'seccomp', program, flags: 0, listenerFd: -1, allowsIdleRelease: false },
    { op: 'seccomp', program: Uint8Array.from([0xff, 0xfe, 0x00, 0x0a, 0x22, 0x5c, 0x80, 0x00]), flags: 8, listenerFd: 9, allowsIdleRelease: true },
    { op: 'capset', effective: String((1n << 64n) - 1n), permitted: String(1n << 63n), inheritable: '0' },
    { op: 'rlimit', type: 'RLIMIT_STACK', resource: 3, soft: String((1n << 64n) - 1n), hard: '0' },
    { op: 'mount', source: 'a\tb', target: '/x', fstype: 't', flags: 0xffffffff, data: 'k="v",\\', inContainer: false, filesystem: 'sysfs', inheritMode: true },
    { op: 'tmpfs-copyup', target: '/t', flags: 0, data: '', inheritMode: true },
    { op: 'setgroups', gids: [] },
    { op: 'exec', args: ['x'], env: [], searchPath: '' },
    { op: 'bind-device', path: '/dev/loop9', type: 'b', major: 7, minor: 1048575, source: '/dev/block/7:1048575' },
    { op: 'netdev', what: '/linux/netDevices/e~1x', from: 'kapsel-nd0', to: 'net%d', addresses: ['10.0.0.1/24', 'fd00::1/64', '10.1.0.1/32 peer 10.1.0.2'] },
    { op: 'netdev', what: '/linux/netDevices/eth0', from: 'kapsel-nd1', to: 'eth0', addresses: [] },
    { op: 'bind-socket', what: 'NOTIFY_SOCKET', source: '/run/x/notify', dev: String((1n << 64n) - 1n), ino: '12345678901234567890', target: '/run/notify/notify.sock' },
  ];
  for (const step of steps) seen.add(step.op);
  assertSameInC('edge values', steps);
});

test('every value of every wire enum goes through the C++ decoder as the value it is', () => {
  // An enum travels as its index: a list reordered or extended on one side
  // decodes to another word (or is refused) and fails the comparison.
  const steps: Step[] = [
    ...PLAN_KINDS.flatMap((kind) => PROCFS_SOURCES.map((procfs): Step => ({ op: 'header', kind, procfs, procBinds: ['proc/cpuinfo', 'proc/net/dev'] }))),
    ...DEVICE_TYPES.map((type): Step => ({ op: 'mknod', path: '/dev/x', type, mode: 0o600, major: 1, minor: 2, uid: 0, gid: 0 })),
    ...DEVICE_TYPES.filter((t) => t !== 'p').map((type): Step => ({ op: 'bind-device', path: '/dev/x', type: type as 'c' | 'b', major: 1, minor: 2, source: '/dev/y' })),
    ...MOUNT_FILESYSTEMS.map((filesystem): Step => ({ op: 'mount', source: 's', target: '/t', fstype: 'f', flags: 0, data: '', inContainer: true, filesystem, inheritMode: false })),
    ...HOOKS_IN_CONTAINER.map((kind): Step => ({ op: 'hook', kind, path: '/h', timeout: 0, args: [], env: [] })),
    ...CHECKED_NAMESPACES.map((ns): Step => ({ op: 'check-ns', ns, forbiddenDevs: [1], forbiddenInodes: [2] })),
  ];
  for (const step of steps) seen.add(step.op);
  assertSameInC('wire enums', steps);
});

test('the wire enums of the plan and of the init\'s messages are the same lists in C++', () => {
  const run = spawnSync(initHelperPath(), ['--wire-enums']);
  assert.equal(run.status, 0, run.stderr.toString());
  assert.deepEqual(JSON.parse(run.stdout.toString()), {
    PlanKind: PLAN_KINDS,
    ProcfsSource: PROCFS_SOURCES,
    DeviceType: DEVICE_TYPES,
    MountFilesystem: MOUNT_FILESYSTEMS,
    HookKind: HOOKS_IN_CONTAINER,
    CheckedNamespace: CHECKED_NAMESPACES,
    HookFailure: HOOK_FAILURE_REASONS,
    FailReason: FAILURE_REASONS,
  });
});

test('the C++ decoder refuses a wire enum value it does not know', () => {
  const bytes = encodeSteps([{ op: 'check-ns', ns: 'uts', forbiddenDevs: [], forbiddenInodes: [] }]);
  // The ns field is the record's second: "3" (uts) becomes "9".
  const at = bytes.indexOf(Buffer.from('check-ns')) + 'check-ns'.length + 4;
  assert.equal(bytes.toString('utf8', at, at + 1), '3');
  bytes.write('9', at);
  const run = spawnSync(initHelperPath(), ['--dry-run', '--plan-fd', '0'], { input: bytes });
  assert.equal(run.status, 1);
  assert.match(run.stderr.toString(), /check-ns: ns is not a known value: 9/);
});

test('every op of the plan went through the C++ decoder above', () => {
  // Record<StepOp, true>: adding an op to steps.ts without listing it here does not compile.
  const all: Record<StepOp, true> = {
    header: true, root: true, mount: true, setattr: true, mkdir: true, touch: true, mknod: true, symlink: true, mask: true,
    readonly: true, 'pivot-root': true, 'move-root': true, sync: true, hook: true, sysctl: true, console: true,
    personality: true, hostname: true, domainname: true, rlimit: true, bounding: true,
    'keep-caps': true, setgroups: true, setresgid: true, setresuid: true, capset: true, ambient: true,
    'no-new-privs': true, seccomp: true, umask: true, chdir: true, 'check-exec': true, 'wait-start': true, exec: true,
    'exec-label': true,
    'bind-device': true, 'bind-socket': true, 'tmpfs-copyup': true, unshare: true,
    affinity: true, scheduler: true, ioprio: true, mempolicy: true, 'check-timens': true, 'attach-tree': true,
    'loopback-up': true, netdev: true, chroot: true, 'check-ns': true,
  };
  const missing = (Object.keys(all) as StepOp[]).filter((op) => !seen.has(op));
  assert.deepEqual(missing, []);
});

test('the C++ decoder refuses a step whose fields disagree with its op', () => {
  const good = encodeSteps([{ op: 'chdir', path: '/' }]);
  // One field too many: the count says 3, an extra field follows the path.
  const extra = Buffer.concat([good.subarray(0, 4), Buffer.from([3, 0, 0, 0]), good.subarray(8), Buffer.from([1, 0, 0, 0, 0x78])]);
  const run = spawnSync(initHelperPath(), ['--dry-run', '--plan-fd', '0'], { input: extra });
  assert.equal(run.status, 1);
  assert.match(run.stderr.toString(), /chdir.*left over/);
  const unknown = encodeSteps([{ op: 'chdir', path: '/' }]);
  unknown.write('chdiz', 12);
  const run2 = spawnSync(initHelperPath(), ['--dry-run', '--plan-fd', '0'], { input: unknown });
  assert.equal(run2.status, 1);
  assert.match(run2.stderr.toString(), /unknown step chdiz/);
});

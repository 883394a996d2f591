// Issue 9 item 6: LSM labels (plan/labels.ts), compiled against fake hosts
// with and without SELinux and AppArmor: where the exec-label steps go,
// which mounts get SELinux's context option, what is ignored with a note
// and what is refused; the label fields' validation; the host detection's
// mountinfo parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processFromFlags } from '../../lib/cli/commands/exec';
import { defaultSpec, validateConfig } from '../../lib/config';
import type { Process, Spec } from '../../lib/config/types';
import { validateProcess } from '../../lib/config/validate';
import { InvalidConfigError } from '../../lib/errors';
import { compilePlan } from '../../lib/plan/compile';
import { compileExecPlan, type ExecPlanContext } from '../../lib/plan/exec-plan';
import { compiledFilter } from '../helpers/seccomp-filter';
import * as C from '../../lib/native/constants';
import { selinuxfsMounts } from '../../lib/host/facts';
import { NO_LSM, withContextOption } from '../../lib/plan/labels';
import type { Step } from '../../lib/plan/steps';
import { fakeFacts, type FakeFacts } from '../helpers/facts';

const SELINUX = { selinux: true, apparmor: false };
const APPARMOR = { selinux: false, apparmor: true };
const PROCESS_LABEL = 'system_u:system_r:container_t:s0:c1,c2';
const MOUNT_LABEL = 'system_u:object_r:container_file_t:s0:c1,c2';
const CONTEXT = `context="${MOUNT_LABEL}"`;

function spec(edit?: (s: Spec) => void): Spec {
  const s = structuredClone(defaultSpec({ rootless: false, cgroupNamespace: false }));
  s.process!.terminal = false;
  edit?.(s);
  return s;
}

function compile(s: Spec, lsm?: FakeFacts['lsm']) {
  return compilePlan(validateConfig(s), { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts({ lsm }));
}

const ops = (steps: readonly Step[]) => steps.map((s) => s.op);
const labelSteps = (steps: readonly Step[]) => steps.filter((s) => s.op === 'exec-label');
/** The data a new filesystem at `target` is mounted with. */
function mountData(steps: readonly Step[], target: string): string | undefined {
  for (const s of steps) {
    if (s.op === 'mount' && s.target === target && s.fstype !== '') return s.data;
    if (s.op === 'tmpfs-copyup' && s.target === target) return s.data;
  }
  return undefined;
}

const labelled = (edit?: (s: Spec) => void) =>
  spec((s) => {
    s.process!.selinuxLabel = PROCESS_LABEL;
    s.linux!.mountLabel = MOUNT_LABEL;
    edit?.(s);
  });

test('SELinux disabled: both labels ignored with one note each, nothing labelled', () => {
  const plan = compile(labelled());
  assert.deepEqual(labelSteps(plan.steps), []);
  const allData = plan.steps.flatMap((s) => (s.op === 'mount' || s.op === 'tmpfs-copyup' ? [s.data] : s.op === 'mask' ? [s.dirData] : []));
  assert.ok(allData.length > 5);
  assert.equal(allData.some((d) => d.includes('context=')), false);
  assert.deepEqual(plan.notes, [
    `/process/selinuxLabel: SELinux is not enabled on this host, the label ${JSON.stringify(PROCESS_LABEL)} is ignored (as crun)`,
    `/linux/mountLabel: SELinux is not enabled on this host, the label ${JSON.stringify(MOUNT_LABEL)} is ignored (as runc and crun)`,
  ]);
  assert.deepEqual(plan.warnings, []);
});

test('SELinux enabled: the process label is written to attr/exec, once, no note', () => {
  const plan = compile(labelled(), SELINUX);
  assert.deepEqual(labelSteps(plan.steps), [{ op: 'exec-label', what: '/process/selinuxLabel', attr: 'attr/exec', value: PROCESS_LABEL }]);
  assert.deepEqual(plan.notes, []);
});

test('SELinux enabled: context= on every new filesystem but proc, sysfs and cgroup, as runc labels them', () => {
  const plan = compile(
    labelled((s) => {
      s.mounts!.push(
        { destination: '/cache', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup'] },
        { destination: '/data', type: 'bind', source: '/tmp', options: ['rbind'] },
        { destination: '/own', type: 'tmpfs', source: 'tmpfs', options: ['fscontext=system_u:object_r:tmp_t:s0'] },
      );
      s.linux!.maskedPaths = ['/proc/acpi', '/proc/kcore'];
    }),
    SELINUX,
  );
  // runc's default mounts: the /dev tmpfs, devpts, /dev/shm, mqueue get the label.
  assert.equal(mountData(plan.steps, '/dev'), `mode=755,size=65536k,${CONTEXT}`);
  assert.equal(mountData(plan.steps, '/dev/pts'), `newinstance,ptmxmode=0666,mode=0620,gid=5,${CONTEXT}`);
  assert.equal(mountData(plan.steps, '/dev/shm'), `mode=1777,size=65536k,${CONTEXT}`);
  assert.equal(mountData(plan.steps, '/dev/mqueue'), CONTEXT);
  assert.equal(mountData(plan.steps, '/cache'), CONTEXT, 'tmpcopyup');
  // procfs and sysfs cannot be labelled; the cgroup hierarchy is a bind here.
  assert.equal(mountData(plan.steps, '/proc'), '');
  assert.equal(mountData(plan.steps, '/sys'), '');
  // A bind takes no data; a mount with its own context option keeps it.
  const bind = plan.steps.find((s) => s.op === 'mount' && s.target === '/data');
  assert.equal(bind?.op === 'mount' && bind.data, '');
  assert.equal(mountData(plan.steps, '/own'), 'fscontext=system_u:object_r:tmp_t:s0');
  // maskedPaths: the filesystem over a directory (runc's maskPath).
  const mask = plan.steps.find((s) => s.op === 'mask' && s.path === '/proc/acpi');
  assert.equal(mask?.op === 'mask' && mask.dirData, CONTEXT);
});

test('SELinux enabled, in a user namespace: only tmpfs, devpts (ramfs, overlay) take the label there; mqueue goes without', () => {
  const rootless = structuredClone(defaultSpec({ rootless: true, uid: 1000, gid: 1000, cgroupNamespace: false }));
  rootless.process!.terminal = false;
  rootless.linux!.mountLabel = MOUNT_LABEL;
  const own = compilePlan(validateConfig(rootless), { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts({ lsm: SELINUX, unprivileged: true }));
  // The runtime's own user namespace (rootless podman calls it as uid 0 there), none in the config.
  const podman = compilePlan(validateConfig(labelled()), { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts({ lsm: SELINUX, inUserNamespace: true }));
  for (const plan of [own, podman]) {
    assert.match(mountData(plan.steps, '/dev') ?? '', /,context="/);
    assert.match(mountData(plan.steps, '/dev/pts') ?? '', /,context="/);
    assert.equal(mountData(plan.steps, '/dev/mqueue')?.includes('context='), false);
  }
});

test('SELinux enabled, a cgroup namespace on a cgroup2 host: the fresh cgroup2 mount is not labelled', () => {
  const s = labelled((c) => c.linux!.namespaces!.push({ type: 'cgroup' }));
  const plan = compilePlan(validateConfig(s), { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts({ lsm: SELINUX, cgroup2: true }));
  const cgroup = plan.steps.find((st) => st.op === 'mount' && st.fstype === 'cgroup2');
  assert.equal(cgroup?.op === 'mount' && cgroup.data, '');
});

test('withContextOption: runc\'s quoted context option, appended; an existing context option wins', () => {
  assert.equal(withContextOption('', 'a:b:c:s0:c1,c2'), 'context="a:b:c:s0:c1,c2"');
  assert.equal(withContextOption('size=1m', 'l'), 'size=1m,context="l"');
  for (const own of ['context=x', 'size=1m,defcontext=x', 'rootcontext=x', 'fscontext="x,y"']) assert.equal(withContextOption(own, 'l'), own);
  assert.equal(withContextOption('mycontext=1', 'l'), 'mycontext=1,context="l"', 'only the exact option names');
});

test('AppArmor enabled: "exec PROFILE" to the attr file the host has (runc\'s fallback to attr/exec)', () => {
  const s = spec((c) => (c.process!.apparmorProfile = 'kapsel-default'));
  assert.deepEqual(labelSteps(compile(s, APPARMOR).steps), [
    { op: 'exec-label', what: '/process/apparmorProfile', attr: 'attr/apparmor/exec', value: 'exec kapsel-default' },
  ]);
  assert.deepEqual(labelSteps(compile(s, { ...APPARMOR, apparmorExecAttr: 'attr/exec' }).steps), [
    { op: 'exec-label', what: '/process/apparmorProfile', attr: 'attr/exec', value: 'exec kapsel-default' },
  ]);
});

test('AppArmor disabled: a profile fails, naming the field (runc fails create when the kernel refuses it)', () => {
  const s = spec((c) => (c.process!.apparmorProfile = 'docker-default'));
  assert.throws(
    () => compile(s),
    (e: unknown) => e instanceof InvalidConfigError && e.jsonPath === '/process/apparmorProfile' && /apparmor: config provided but apparmor not supported/.test(e.message),
  );
  // SELinux being enabled changes nothing for AppArmor.
  assert.throws(() => compile(s, SELINUX), InvalidConfigError);
});

test('both enabled: both labels, SELinux first; before any seccomp filter, the credential change and the wait for start', () => {
  for (const noNewPrivileges of [true, false]) {
    const s = labelled((c) => {
      c.process!.apparmorProfile = 'p';
      c.process!.noNewPrivileges = noNewPrivileges;
      c.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 1024 }];
      c.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ERRNO' }] };
      c.hooks = { startContainer: [{ path: '/bin/true' }] };
    });
    const steps = compile(s, { selinux: true, apparmor: true }).steps;
    const order = ops(steps);
    const first = order.indexOf('exec-label');
    assert.deepEqual(labelSteps(steps).map((l) => l.op === 'exec-label' && l.what), ['/process/selinuxLabel', '/process/apparmorProfile']);
    assert.equal(order[first - 1], 'rlimit', `after the limits (noNewPrivileges ${noNewPrivileges})`);
    for (const later of ['seccomp', 'setresuid', 'capset', 'check-exec', 'wait-start', 'hook', 'exec'] as const) {
      assert.ok(order.lastIndexOf(later) > first + 1, `${later} after the labels: ${order.join(' ')}`);
    }
  }
});

function execContext(lsm: ExecPlanContext['lsm'], seccomp = false): ExecPlanContext {
  const s = spec((c) => {
    if (seccomp) c.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ERRNO' }] };
  });
  const valid = validateConfig(s);
  const container = { seccomp: valid.linux?.seccomp && compiledFilter(valid.linux.seccomp) };
  return { initPidfd: 9, namespaces: C.CLONE_NEWNS, container, image: { passwd: [] }, setgroupsDenied: false, preserveFds: 0, jsonPath: '', lsm };
}
const execProc = (p: Partial<Process>) => validateProcess({ args: ['/bin/true'], cwd: '/', user: { uid: 1, gid: 1 }, ...p });

test('exec plan: the process\'s labels are applied as create applies them, before the filter and the credentials', () => {
  const plan = compileExecPlan(execProc({ selinuxLabel: PROCESS_LABEL, apparmorProfile: 'p' }), execContext({ selinux: true, apparmor: true, apparmorExecAttr: 'attr/exec' }, true));
  assert.deepEqual(labelSteps(plan.steps), [
    { op: 'exec-label', what: '/selinuxLabel', attr: 'attr/exec', value: PROCESS_LABEL },
    { op: 'exec-label', what: '/apparmorProfile', attr: 'attr/exec', value: 'exec p' },
  ]);
  assert.deepEqual(ops(plan.steps).slice(0, 5), ['header', 'exec-label', 'exec-label', 'seccomp', 'bounding']);
  assert.deepEqual(plan.notes, []);
});

test('exec plan: a process without labels of its own gets the container\'s (runc newInitConfig), one with its own keeps them', () => {
  const lsm = { selinux: true, apparmor: true, apparmorExecAttr: 'attr/exec' } as const;
  const ctx = { ...execContext(lsm), container: { process: { selinuxLabel: 'container:label', apparmorProfile: 'container-profile' } } };
  assert.deepEqual(labelSteps(compileExecPlan(execProc({}), ctx).steps).map((l) => l.op === 'exec-label' && l.value), ['container:label', 'exec container-profile']);
  const own = compileExecPlan(execProc({ selinuxLabel: PROCESS_LABEL, apparmorProfile: 'p' }), ctx);
  assert.deepEqual(labelSteps(own.steps).map((l) => l.op === 'exec-label' && l.value), [PROCESS_LABEL, 'exec p']);
});

test('kapsel exec --process-label and --apparmor become the exec\'d process\'s labels', () => {
  const base: Process = { args: ['/bin/sh'], cwd: '/', selinuxLabel: 'config:label', apparmorProfile: 'config-profile' };
  const p = processFromFlags(base, ['x'], { 'process-label': PROCESS_LABEL, apparmor: 'cli-profile' });
  assert.deepEqual([p.selinuxLabel, p.apparmorProfile], [PROCESS_LABEL, 'cli-profile']);
  // Without the flags, the container's own labels (runc's getProcess).
  assert.deepEqual([processFromFlags(base, ['x'], {}).selinuxLabel, processFromFlags(base, ['x'], {}).apparmorProfile], ['config:label', 'config-profile']);
  const plan = compileExecPlan(validateProcess(p), execContext({ selinux: true, apparmor: true, apparmorExecAttr: 'attr/apparmor/exec' }));
  assert.deepEqual(labelSteps(plan.steps).map((l) => l.op === 'exec-label' && l.value), [PROCESS_LABEL, 'exec cli-profile']);
});

test('exec plan without the modules: a SELinux label is a note, an AppArmor profile an error naming it', () => {
  const plan = compileExecPlan(execProc({ selinuxLabel: PROCESS_LABEL }), execContext(NO_LSM));
  assert.deepEqual(labelSteps(plan.steps), []);
  assert.equal(plan.notes?.length, 1);
  assert.match(plan.notes![0], /^\/selinuxLabel: SELinux is not enabled on this host/);
  assert.throws(
    () => compileExecPlan(execProc({ apparmorProfile: 'p' }), execContext(NO_LSM)),
    (e: unknown) => e instanceof InvalidConfigError && e.jsonPath === '/apparmorProfile',
  );
});

test('label fields: no control character, no quote in a SELinux context, no more than the kernel takes; errors name the field', () => {
  const bad: Array<[(s: Spec) => void, string, RegExp]> = [
    [(s) => (s.process!.selinuxLabel = 'a:b:c\nd'), '/process/selinuxLabel', /control characters \(found U\+000A\)/],
    [(s) => (s.process!.selinuxLabel = 'a:b:"c"'), '/process/selinuxLabel', /double quote/],
    [(s) => (s.process!.selinuxLabel = 'x'.repeat(4096)), '/process/selinuxLabel', /4096 bytes long, at most 4095/],
    [(s) => (s.process!.apparmorProfile = 'p\u007f'), '/process/apparmorProfile', /U\+007F/],
    [(s) => (s.process!.apparmorProfile = 'p'.repeat(4091)), '/process/apparmorProfile', /at most 4090/],
    [(s) => (s.linux!.mountLabel = 'a\tb'), '/linux/mountLabel', /U\+0009/],
    [(s) => (s.linux!.mountLabel = 'a"b'), '/linux/mountLabel', /double quote/],
    [(s) => (s.linux!.mountLabel = 'm'.repeat(256)), '/linux/mountLabel', /at most 255/],
  ];
  for (const [edit, jsonPath, message] of bad) {
    assert.throws(
      () => validateConfig(spec(edit)),
      (e: unknown) => e instanceof InvalidConfigError && e.jsonPath === jsonPath && message.test(e.message),
      jsonPath,
    );
  }
  // What real engines send passes, an AppArmor profile may hold a quote or a space.
  validateConfig(labelled((s) => (s.process!.apparmorProfile = 'my "odd" profile')));
  validateConfig(spec((s) => ((s.linux!.mountLabel = 'm'.repeat(255)), (s.process!.selinuxLabel = 'x'.repeat(4095)))));
  // exec --process documents are checked the same way, from their own root.
  assert.throws(() => validateProcess({ args: ['x'], cwd: '/', selinuxLabel: 'a\0b' }), (e: unknown) => e instanceof InvalidConfigError && e.jsonPath === '/selinuxLabel');
});

test('host detection: the selinuxfs mounts of mountinfo, read-only ones marked', () => {
  const mountinfo = [
    '22 28 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw',
    '23 22 0:22 / /sys/fs/selinux rw,nosuid,noexec,relatime shared:8 - selinuxfs selinuxfs rw',
    '88 80 0:22 / /var/lib/my\\040root/sys/fs/selinux ro,nosuid,nodev,noexec,relatime - selinuxfs selinuxfs rw',
    '89 80 0:22 / /other rw,relatime - selinuxfs selinuxfs ro',
    '24 28 0:5 / /dev rw,nosuid shared:2 - devtmpfs devtmpfs rw,size=4096k',
    '',
  ].join('\n');
  assert.deepEqual(selinuxfsMounts(mountinfo), [
    { mountPoint: '/sys/fs/selinux', readOnly: false },
    { mountPoint: '/var/lib/my root/sys/fs/selinux', readOnly: true },
    { mountPoint: '/other', readOnly: true },
  ]);
  assert.deepEqual(selinuxfsMounts(''), []);
});

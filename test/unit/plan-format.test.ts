// The printed plan (formatPlan, `kapsel plan`) is readable and stable:
// flags and capabilities by name, modes in octal, every hook in the order
// it runs with its namespace, state and environment, and a hook without
// env shown as inheriting the runtime's environment: no value of the
// caller's environment is in any form of a plan (text, JSON, the object).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../lib/cli/main';
import { Container, defaultSpec, formatPlan, planToJSON, type Spec } from '../../lib';
import { capabilityNames, CLONE_FLAGS, flagNames, hostFacts, MOUNT_FLAGS, octalMode } from '../../lib/testing';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-plan-format-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A rootless config with a bind, a tmpfs, limits and four hooks (two without env). */
function config(): Spec {
  const c = defaultSpec({ rootless: true, uid: 1000, gid: 1000 });
  c.process!.terminal = false;
  c.process!.args = ['/bin/app'];
  c.process!.env = ['PATH=/bin'];
  c.process!.user!.umask = 0o27;
  c.mounts = [
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind', 'ro', 'nosuid', 'nodev'] },
    { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'noexec', 'mode=1777'] },
  ];
  c.linux!.maskedPaths = ['/proc/kcore'];
  c.linux!.readonlyPaths = ['/proc/sys'];
  c.linux!.resources = { pids: { limit: 64 } };
  c.hooks = {
    createRuntime: [{ path: '/usr/bin/netns-setup', args: ['netns-setup', '--bridge', 'br0'], timeout: 10 }],
    createContainer: [{ path: '/usr/bin/cc-hook' }],
    poststart: [{ path: '/usr/bin/notify', env: ['CHANNEL=ops'] }],
    poststop: [{ path: '/usr/bin/cleanup' }],
  };
  return c;
}

function printed(): string {
  return formatPlan(Container.plan(config(), { bundle: '/bundle', facts: hostFacts.rootless({ uid: 1000, host: { directories: ['/srv/data'] } }) }));
}

/** The lines of a section: from its heading to the next unindented line. */
function section(text: string, heading: string): string {
  const lines = text.split('\n');
  const at = lines.indexOf(heading);
  assert.ok(at >= 0, `no "${heading}" in:\n${text}`);
  const end = lines.findIndex((l, i) => i > at && !l.startsWith(' '));
  return lines.slice(at, end < 0 ? undefined : end).join('\n');
}

test('the printed plan: namespaces and id maps, then the hooks in the order they run, then the cgroups (snapshot)', () => {
  const text = printed();
  assert.equal(
    text.slice(0, text.indexOf('\nsteps:')),
    [
      'new namespaces: pid mount ipc uts user (CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID)',
      'uid map: 0 1000 1',
      'gid map: 0 1000 1',
      'setgroups: deny',
      'fds: 0=stdin 1=stdout 2=stderr 3=plan 4=sync 5=fifo',
    ].join('\n'),
  );
  assert.equal(
    section(text, 'hooks (in the order they run):'),
    [
      'hooks (in the order they run):',
      '  1. createRuntime[0] at create, in the runtime\'s namespaces, state "creating" on stdin, a failure fails create',
      '     path="/usr/bin/netns-setup" args=["netns-setup", "--bridge", "br0"] timeout=10s',
      '     env: inherits the runtime\'s environment',
      '  2. createContainer[0] at create, in the container\'s namespaces, state "creating" on stdin, a failure fails create',
      '     path="/usr/bin/cc-hook" args=["/usr/bin/cc-hook"] timeout=none',
      '     env: inherits the runtime\'s environment',
      '  3. poststart[0] at start, in the runtime\'s namespaces, state "running" on stdin, a failure fails start',
      '     path="/usr/bin/notify" args=["/usr/bin/notify"] timeout=none',
      '     env: ["CHANNEL=ops"]',
      '  4. poststop[0] at delete, in the runtime\'s namespaces, state "stopped" on stdin, a failure is a warning',
      '     path="/usr/bin/cleanup" args=["/usr/bin/cleanup"] timeout=none',
      '     env: inherits the runtime\'s environment',
    ].join('\n'),
  );
  assert.equal(
    section(text, 'cgroups (v2):'),
    [
      'cgroups (v2):',
      '  unified: /sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/<id>',
      '  write pids.max=64',
      '  init born in: /sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/<id>',
    ].join('\n'),
  );
  assert.equal(text, printed(), 'the same plan prints the same text');
});

test('the printed steps: mount and setattr flags, clone flags, capabilities by name; modes in octal (snapshot of lines)', () => {
  // Without the step numbers: a step added elsewhere in the plan does not change these lines.
  const steps = section(printed(), 'steps:').split('\n').slice(1).map((l) => l.replace(/^ *\d+ {2}/, ''));
  for (const line of [
    'mount source="" target="/" fstype="" flags=MS_REC|MS_SLAVE data="" inContainer=false filesystem="other" inheritMode=false',
    'mkdir path="/data" mode=0755',
    'mount source="/srv/data" target="/data" fstype="" flags=MS_BIND|MS_REC data="" inContainer=true filesystem="other" inheritMode=false',
    'setattr target="/data" set=MOUNT_ATTR_RDONLY|MOUNT_ATTR_NOSUID|MOUNT_ATTR_NODEV clear=0 propagation=0 recursive=false',
    'mount source="tmpfs" target="/tmp" fstype="tmpfs" flags=MS_NOSUID|MS_NOEXEC data="mode=1777" inContainer=true filesystem="other" inheritMode=false',
    'bind-device path="/dev/null" type="c" major=1 minor=3 source="/dev/null"',
    'sync name="runtime-hooks"  (the runtime runs the prestart and createRuntime hooks here)',
    'hook kind="createContainer" path="/usr/bin/cc-hook" args=["/usr/bin/cc-hook"] timeout=0 env=(inherits the runtime\'s environment)',
    'mask path="/proc/kcore" missingOk=true dirFstype="tmpfs" dirFlags=MS_RDONLY dirData="" fileSource="/dev/null"',
    'bounding keep=CAP_KILL|CAP_NET_BIND_SERVICE|CAP_AUDIT_WRITE',
    'capset effective=CAP_KILL|CAP_NET_BIND_SERVICE|CAP_AUDIT_WRITE permitted=CAP_KILL|CAP_NET_BIND_SERVICE|CAP_AUDIT_WRITE inheritable=0',
    'umask mask=0027',
    'exec args=["/bin/app"] env=["PATH=/bin", "HOME=/"] searchPath="/bin"',
  ]) {
    assert.ok(steps.includes(line), `no step line\n  ${line}\nin:\n${steps.join('\n')}`);
  }
  // No flag or mask field is a number other than 0, and every mode has the leading 0 of octal.
  const numeric = steps.filter((l) => /\b(flags|set|clear|dirFlags|keep|effective|permitted|inheritable|raise)=(?!0\b)\d/.test(l) || / (mode|mask)=[1-9]/.test(l));
  assert.deepEqual(numeric, [], 'a number where a name or an octal mode belongs');
});

test('flag and mode names: several bits, unknown bits kept in hex, zero, 64-bit capability masks, octal modes', () => {
  assert.equal(flagNames(0x2 | 0x4, MOUNT_FLAGS), 'MS_NOSUID|MS_NODEV');
  assert.equal(flagNames(0, MOUNT_FLAGS), '0');
  assert.equal(flagNames(0x4000 | 0x40000000, MOUNT_FLAGS), 'MS_REC|0x40000000');
  assert.equal(flagNames(0x20000000 | 0x10000000, CLONE_FLAGS), 'CLONE_NEWUSER|CLONE_NEWPID');
  assert.equal(capabilityNames(String((1n << 21n) | (1n << 40n) | (1n << 63n))), 'CAP_SYS_ADMIN|CAP_CHECKPOINT_RESTORE|0x8000000000000000');
  assert.equal(capabilityNames('0'), '0');
  assert.equal(octalMode(0o755), '0755');
  assert.equal(octalMode(0o1777), '01777');
  assert.equal(octalMode(0o22), '0022');
});

/** A secret in this process's environment, and a config whose hooks have no env. */
const SECRET_NAME = 'KAPSEL_PLAN_FORMAT_SECRET';
const SECRET = 'hunter2-9d41b7';

function withSecret<T>(run: () => T): T {
  process.env[SECRET_NAME] = SECRET;
  try {
    return run();
  } finally {
    delete process.env[SECRET_NAME];
  }
}

function bundleWithHooks(): { bundle: string; spec: Spec } {
  const bundle = fs.mkdtempSync(path.join(tmp, 'bundle-'));
  fs.mkdirSync(path.join(bundle, 'rootfs'));
  const spec = defaultSpec({ rootless: process.getuid!() !== 0, uid: process.getuid!(), gid: process.getgid!() });
  spec.hooks = { prestart: [{ path: '/bin/true' }], createContainer: [{ path: '/bin/true' }], startContainer: [{ path: '/bin/true' }], poststop: [{ path: '/bin/true' }] };
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec));
  return { bundle, spec };
}

test('a plan for this host (facts gathered) holds none of the caller\'s environment: the object, its JSON and its text', () => {
  const { bundle, spec } = bundleWithHooks();
  const plan = withSecret(() => Container.plan(spec, { bundle }));
  const hookSteps = plan.steps.filter((s) => s.op === 'hook');
  assert.equal(hookSteps.length, 2);
  for (const s of hookSteps) assert.ok(s.op === 'hook' && s.env === undefined, 'a hook without env has none in the plan');
  for (const form of [JSON.stringify(plan), JSON.stringify(planToJSON(plan)), formatPlan(plan)]) {
    assert.ok(!form.includes(SECRET), 'the secret is in a form of the plan');
    assert.ok(!form.includes(SECRET_NAME), 'the secret\'s name is in a form of the plan');
  }
  assert.equal(formatPlan(plan).match(/inherits the runtime's environment/g)?.length, 2 + 4, 'two steps, four hooks');
});

test('kapsel plan, text and --format json, prints none of the caller\'s environment', async () => {
  const { bundle } = bundleWithHooks();
  for (const format of [[], ['--format', 'json']]) {
    let out = '';
    let err = '';
    const status = await withSecret(() =>
      main(['--root', path.join(tmp, 'root'), 'plan', '--bundle', bundle, ...format], {
        out: (t) => (out += t),
        logSinks: { stderr: (t) => (err += t), appendFile: () => undefined, now: () => new Date() },
      }),
    );
    assert.equal(status, 0, err);
    assert.ok(out.includes('hook'), out);
    assert.ok(!out.includes(SECRET) && !err.includes(SECRET), `kapsel plan ${format.join(' ')} printed the secret`);
  }
});

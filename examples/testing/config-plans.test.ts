// Testing a config generator without root: validateConfig says whether
// what it writes is a config a runtime takes (every error with its JSON
// path), and Container.plan on a made-up host (kapsel/testing's presets)
// says what create would do with it: the same plan on a laptop, in CI and
// under `env -i`, since nothing of it is read from the machine the test
// runs on. Runs as any user:
//
//   node --test dist/examples/testing/config-plans.test.js
//
// In a package that depends on kapsel, import from 'kapsel' and
// 'kapsel/testing'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Container, defaultSpec, formatPlan, validateConfig, type Spec } from '../../lib';
import { hostFacts, MOUNT_ATTRS } from '../../lib/testing';

// --- The code under test: a generator of configs for a web service. ---

interface WebService {
  name: string;
  command: string[];
  memoryMiB: number;
  /** The uid the service's rootless runtime runs as. */
  uid: number;
  /** Data directory on the host, bound read-only at /data. */
  data?: string;
  /** Registers the service with the proxy before it starts (a createRuntime hook). */
  register?: string;
}

function webServiceConfig(s: WebService): Spec {
  const config = defaultSpec({ rootless: true, uid: s.uid, gid: s.uid });
  config.hostname = s.name;
  config.process!.terminal = false;
  config.process!.args = s.command;
  config.root!.readonly = true;
  config.linux!.resources = { memory: { limit: s.memoryMiB * 1024 * 1024 }, pids: { limit: 128 } };
  if (s.data) config.mounts!.push({ destination: '/data', type: 'bind', source: s.data, options: ['rbind', 'ro', 'nosuid', 'nodev'] });
  if (s.register) {
    // No env: the hook gets the runtime's own environment (the proxy's token is there).
    config.hooks = { createRuntime: [{ path: s.register, args: ['register', s.name] }], poststop: [{ path: s.register, args: ['unregister', s.name] }] };
  }
  return config;
}

// --- Its tests. ---

const web: WebService = { name: 'web', command: ['/usr/bin/web', '--port', '8080'], memoryMiB: 256, uid: 1000, data: '/srv/web', register: '/usr/local/bin/proxy-register' };
/** The host the service is deployed on: rootless, cgroup v2 delegated by systemd, AppArmor. */
const deployHost = (): ReturnType<typeof hostFacts.rootless> => hostFacts.rootless({ uid: 1000, cgroups: 'v2', lsm: 'apparmor', host: { directories: ['/srv/web'] } });

test('the generated config is valid for the deployment host', () => {
  const report = validateConfig(webServiceConfig(web), { collect: true, facts: deployHost() });
  assert.deepEqual(report.errors, []);
  assert.deepEqual(report.warnings, []);
});

test('a service without a command is refused, naming the field', () => {
  const report = validateConfig(webServiceConfig({ ...web, command: [] }), { collect: true, facts: deployHost() });
  assert.equal(report.valid, false);
  assert.deepEqual(report.errors.map((e) => e.path), ['/process/args']);
});

test('the plan: read-only root, the data bound read-only, the memory limit in its cgroup, the hooks in order', () => {
  const plan = Container.plan(webServiceConfig(web), { bundle: '/srv/bundles/web', facts: deployHost() });
  assert.ok(plan.steps.some((s) => s.op === 'setattr' && s.target === '/' && (s.set & MOUNT_ATTRS.MOUNT_ATTR_RDONLY) !== 0), 'read-only root');
  assert.ok(plan.steps.some((s) => s.op === 'mount' && s.source === '/srv/web' && s.target === '/data'));
  assert.deepEqual(
    plan.cgroups?.writes.map((w) => `${w.file}=${w.value}`),
    ['memory.max=268435456', 'pids.max=128'],
  );
  assert.equal(plan.cgroups?.unified, '/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/<id>');
  assert.deepEqual(
    plan.hooks?.map((h) => `${h.kind} ${h.args.join(' ')} (${h.namespace}, ${h.status})`),
    ['createRuntime register web (runtime, creating)', 'poststop unregister web (runtime, stopped)'],
  );
});

test('the printed plan names what it does, and shows no environment values for the hooks', () => {
  const text = formatPlan(Container.plan(webServiceConfig(web), { bundle: '/srv/bundles/web', facts: deployHost() }));
  assert.match(text, /setattr target="\/data" set=MOUNT_ATTR_RDONLY\|MOUNT_ATTR_NOSUID\|MOUNT_ATTR_NODEV /);
  assert.match(text, /capset effective=CAP_KILL\|CAP_NET_BIND_SERVICE\|CAP_AUDIT_WRITE /);
  assert.doesNotMatch(text, /CAP_SYS_ADMIN/);
  assert.equal(text.match(/env: inherits the runtime's environment/g)?.length, 2);
});

test('on a cgroup v1 host the service gets no limits, and the plan says so', () => {
  const plan = Container.plan(webServiceConfig(web), { bundle: '/srv/bundles/web', facts: hostFacts.rootless({ uid: 1000, cgroups: 'v1-hybrid', host: { directories: ['/srv/web'] } }) });
  assert.equal(plan.cgroups, undefined);
  assert.ok(plan.warnings.some((w) => /no cgroup is delegated to this user/.test(w)), plan.warnings.join('\n'));
});

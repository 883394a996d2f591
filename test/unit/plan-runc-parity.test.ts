// Issue 9: item 19, ambient capabilities the kernel would refuse (not in
// inheritable and permitted) are left out with a warning, as runc does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSpec, validateConfig } from '../../lib/config';
import { raisableAmbient } from '../../lib/plan/process';
import { compilePlan } from '../../lib/plan/compile';
import { fakeFacts } from '../helpers/facts';

test('ambient capabilities missing from inheritable or permitted are left out with a warning each', () => {
  const result = raisableAmbient({
    permitted: ['CAP_KILL', 'CAP_NET_BIND_SERVICE'],
    inheritable: ['CAP_NET_BIND_SERVICE', 'CAP_CHOWN'],
    ambient: ['CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_CHOWN'],
  });
  assert.deepEqual(result.names, ['CAP_NET_BIND_SERVICE']);
  assert.equal(result.warnings.length, 2);
  assert.match(result.warnings[0], /^\/process\/capabilities\/ambient: CAP_KILL is not raised: .* must also be in inheritable /);
  assert.match(result.warnings[1], /CAP_CHOWN .* must also be in permitted /);
});

test('runc\'s default config compiles: its ambient set is dropped from the plan and each is a plan warning', () => {
  const spec = structuredClone(defaultSpec({ rootless: false, cgroupNamespace: false }));
  const defaults = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
  spec.process!.capabilities = { bounding: defaults, effective: defaults, permitted: defaults, ambient: defaults };
  const plan = compilePlan(validateConfig(spec), { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts());
  const ambient = plan.steps.find((s) => s.op === 'ambient');
  assert.deepEqual(ambient, { op: 'ambient', raise: 0n });
  assert.equal(plan.warnings.filter((w) => w.includes('/capabilities/ambient')).length, 3);
});

// LSM labels (issue 9 item 6): plan-labels.test.ts.

test('socket activation (issue 9 item 18): only LISTEN_FDS meant for this process counts; the plan passes the fds and sets the env', async () => {
  const { socketActivationFromEnv } = await import('../../lib/container/socket-activation');
  assert.deepEqual(socketActivationFromEnv({ LISTEN_FDS: '2', LISTEN_PID: '77', LISTEN_FDNAMES: 'a:b' }, 77), { count: 2, names: 'a:b' });
  assert.equal(socketActivationFromEnv({ LISTEN_FDS: '2', LISTEN_PID: '78' }, 77), undefined);
  assert.equal(socketActivationFromEnv({ LISTEN_FDS: '0', LISTEN_PID: '77' }, 77), undefined);
  const spec = structuredClone(defaultSpec({ rootless: false, cgroupNamespace: false }));
  const plan = compilePlan(validateConfig(spec), { bundle: '/b', rootfs: '/b/rootfs', preserveFds: 1, listenFds: { count: 2 } }, fakeFacts());
  assert.equal(plan.preserveFds, 3);
  const exec = plan.steps.find((s) => s.op === 'exec');
  assert.ok(exec && exec.op === 'exec');
  assert.deepEqual(exec.env.filter((kv) => kv.startsWith('LISTEN_')), ['LISTEN_FDS=2', 'LISTEN_PID=1']);
});

test('NOTIFY_SOCKET (issue 9 item 18): a socket file is bound in and named; an abstract one is a warning', () => {
  const spec = validateConfig(structuredClone(defaultSpec({ rootless: false, cgroupNamespace: false })));
  const plan = compilePlan(spec, { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts({ runtimeEnv: ['NOTIFY_SOCKET=/run/systemd/notify'], directories: [] }));
  const exec = plan.steps.find((s) => s.op === 'exec');
  assert.ok(exec && exec.op === 'exec' && exec.env.includes('NOTIFY_SOCKET=/run/notify/notify.sock'));
  assert.ok(plan.steps.some((s) => s.op === 'mount' && s.source === '/run/systemd/notify'), JSON.stringify(plan.steps.filter((s) => s.op === 'mount')));
  assert.equal(spec.mounts!.some((m) => m.source === '/run/systemd/notify'), false, 'the config itself is not changed');
  const abstract = compilePlan(spec, { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts({ runtimeEnv: ['NOTIFY_SOCKET=@sd'] }));
  assert.ok(abstract.warnings.some((w) => w.startsWith('NOTIFY_SOCKET=@sd')));
});

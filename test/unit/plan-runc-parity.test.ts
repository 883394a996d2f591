// Issue 9: item 19, ambient capabilities the kernel would refuse (not in
// inheritable and permitted) are left out with a warning, as runc does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSpec, validateConfig } from '../../lib/config';
import { raisableAmbient } from '../../lib/plan/process';
import { compilePlan } from '../../lib/plan/compile';
import { InvalidArgumentError } from '../../lib/errors';
import type { NotifySocketFact } from '../../lib/plan/plan-facts';
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
  assert.deepEqual(ambient, { op: 'ambient', raise: '0' });
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
  const socket = { path: '/run/systemd/notify', kind: 'socket', dev: '24', ino: '18446744073709551615' } as const;
  const plan = compilePlan(spec, { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts({ runtimeEnv: ['NOTIFY_SOCKET=/run/systemd/notify'], notifySocket: socket }));
  const exec = plan.steps.find((s) => s.op === 'exec');
  assert.ok(exec && exec.op === 'exec' && exec.env.includes('NOTIFY_SOCKET=/run/notify/notify.sock'));
  const binds = plan.steps.filter((s) => s.op === 'bind-socket');
  assert.deepEqual(binds, [
    { op: 'bind-socket', what: 'NOTIFY_SOCKET', source: '/run/systemd/notify', dev: '24', ino: String((1n << 64n) - 1n), target: '/run/notify/notify.sock' },
  ]);
  // After the config's mounts (a tmpfs on /run would cover it), before pivot_root.
  const ops = plan.steps.map((s) => s.op);
  assert.ok(ops.lastIndexOf('mount') < ops.indexOf('bind-socket') && ops.indexOf('bind-socket') < ops.indexOf('pivot-root'), ops.join(' '));
  assert.equal(plan.steps.some((s) => s.op === 'mount' && s.source === '/run/systemd/notify'), false, 'never a bind by path');
  assert.equal(spec.mounts!.some((m) => m.source === '/run/systemd/notify'), false, 'the config itself is not changed');
  const abstract = compilePlan(spec, { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts({ runtimeEnv: ['NOTIFY_SOCKET=@sd'] }));
  assert.ok(abstract.warnings.some((w) => w.startsWith('NOTIFY_SOCKET=@sd')));
});

test('issue 16 hole 6: NOTIFY_SOCKET naming anything but a socket is refused at plan time, naming the variable and the path', () => {
  const spec = validateConfig(structuredClone(defaultSpec({ rootless: false, cgroupNamespace: false })));
  const refused = (path: string, notifySocket: NotifySocketFact | undefined, why: RegExp): void => {
    assert.throws(
      () => compilePlan(spec, { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts({ runtimeEnv: [`NOTIFY_SOCKET=${path}`], notifySocket })),
      (err: unknown) => err instanceof InvalidArgumentError && err.message.startsWith(`NOTIFY_SOCKET=${path}: `) && why.test(err.message),
    );
  };
  refused('/etc/shadow', { path: '/etc/shadow', kind: 'regular file' }, /is a regular file, not a socket/);
  refused('/', { path: '/', kind: 'directory' }, /is a directory, not a socket/);
  refused('/tmp/x/link', { path: '/tmp/x/link', kind: 'symlink' }, /symbolic link \(not followed\)/);
  refused('/run/gone', { path: '/run/gone', kind: 'error', error: 'ENOENT' }, /ENOENT/);
  // Facts about another path (or none) are no facts about this one.
  refused('/run/a', { path: '/run/b', kind: 'socket', dev: '1', ino: '2' }, /did not look at this path/);
  refused('/run/a', undefined, /did not look at this path/);
});

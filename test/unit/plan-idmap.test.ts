// Id-mapped bind mounts in the plan: the trees the runtime makes (mapping
// and recursion), the attach steps numbered for the fds the init inherits,
// and what is refused (with the field).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSpec } from '../../lib/config/default-spec';
import type { Spec } from '../../lib/config/types';
import { validateConfig } from '../../lib/config/validate';
import { InvalidConfigError, NotSupportedError } from '../../lib/errors';
import { compilePlan } from '../../lib/plan/compile';
import { formatPlan } from '../../lib/plan/format';
import { helperFdLayout } from '../../lib/plan/steps';
import { fakeFacts } from '../helpers/facts';

function spec(edit: (s: Spec) => void): Spec {
  const s = defaultSpec({ rootless: false });
  s.process!.terminal = false;
  edit(s);
  return s;
}

const withUserns = (s: Spec): void => {
  s.linux!.namespaces!.push({ type: 'user' });
  s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  s.linux!.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
};

test('trees in mount order, the container mappings for idmap alone, fds after the helper fds', () => {
  const s = spec((x) => {
    withUserns(x);
    x.mounts!.push(
      { destination: '/plain', type: 'bind', source: '/srv', options: ['bind'] },
      { destination: '/a', type: 'bind', source: '/srv/a', options: ['rbind', 'ridmap'] },
      { destination: '/b', type: 'bind', source: 'rel', options: ['bind'], uidMappings: [{ containerID: 0, hostID: 7, size: 2 }], gidMappings: [{ containerID: 1, hostID: 8, size: 1 }] },
    );
  });
  const plan = compilePlan(validateConfig(s), { bundle: '/bundle', rootfs: '/bundle/rootfs', preserveFds: 2 }, fakeFacts());
  assert.deepEqual(plan.idmapTrees, [
    { source: '/srv/a', recursive: true, recursiveIdmap: true, uidMap: '0 100000 65536\n', gidMap: '0 200000 65536\n' },
    { source: '/bundle/rel', recursive: false, recursiveIdmap: false, uidMap: '0 7 2\n', gidMap: '1 8 1\n' },
  ]);
  const first = helperFdLayout(2).consoleFd; // no terminal: the console slot is the first tree's
  const attaches = plan.steps.filter((st) => st.op === 'attach-tree');
  assert.deepEqual(attaches, [
    { op: 'attach-tree', fd: first, source: '/srv/a', target: '/a' },
    { op: 'attach-tree', fd: first + 1, source: '/bundle/rel', target: '/b' },
  ]);
  assert.match(formatPlan(plan), /idmap tree 0: \/srv\/a \(recursive\) ridmap uid 0 100000 65536; gid 0 200000 65536/);
  // The plain bind is still a mount step; the id-mapped ones are not.
  assert.equal(plan.steps.filter((st) => st.op === 'mount' && st.source.startsWith('/srv')).length, 1);
});

test('with a terminal the trees come after the console socket fd', () => {
  const s = spec((x) => {
    x.process!.terminal = true;
    x.mounts!.push({ destination: '/a', type: 'bind', source: '/srv', options: ['bind', 'idmap'], uidMappings: [{ containerID: 0, hostID: 1, size: 1 }], gidMappings: [{ containerID: 0, hostID: 1, size: 1 }] });
  });
  const plan = compilePlan(validateConfig(s), { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts());
  const attach = plan.steps.find((st) => st.op === 'attach-tree');
  assert.equal(attach?.op === 'attach-tree' && attach.fd, helperFdLayout(0).consoleFd + 1);
});

test('refused: idmap with no mappings and no user namespace, a new filesystem, a rootless runtime', () => {
  assert.throws(
    () => validateConfig(spec((x) => x.mounts!.push({ destination: '/a', type: 'bind', source: '/srv', options: ['bind', 'idmap'] }))),
    (err: unknown) => err instanceof InvalidConfigError && err.jsonPath === '/mounts/7/options',
  );
  const tmpfs = validateConfig(spec((x) => (withUserns(x), x.mounts!.push({ destination: '/t', type: 'tmpfs', source: 'tmpfs', options: ['ridmap'] }))));
  assert.throws(() => compilePlan(tmpfs, { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts()), (err: unknown) => err instanceof NotSupportedError && /\/mounts\/7\/options: an id-mapped mount of a new filesystem/.test(err.message));
  const bind = validateConfig(spec((x) => (withUserns(x), x.mounts!.push({ destination: '/a', type: 'bind', source: '/srv', options: ['bind', 'idmap'] }))));
  assert.throws(() => compilePlan(bind, { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts({ unprivileged: true })), /\/mounts\/7\/options: an id-mapped mount by an unprivileged \(rootless\) runtime/);
});

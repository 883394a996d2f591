// Layout detection from mountinfo and cgroupsPath resolution, for every
// kind of host, without touching this one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutFromMountinfo, parseProcCgroup } from '../../lib/cgroups/layout';
import { ownCgroupTarget, resolveCgroupTarget } from '../../lib/cgroups/path';

const HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
`;
const PURE_V2 = '30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n';
const PURE_V1 = HYBRID.split('\n').filter((l) => !l.includes('cgroup2')).join('\n');

test('hybrid, pure v1 and pure v2 layouts are told apart', () => {
  const hybrid = layoutFromMountinfo(HYBRID);
  assert.equal(hybrid.kind, 'hybrid');
  // systemd's named hierarchy too: a container is placed in it as in the others (issue 17, item 10).
  assert.deepEqual(Object.keys(hybrid.v1).sort(), ['cpu', 'cpuacct', 'freezer', 'memory', 'name=systemd']);
  assert.deepEqual(hybrid.v1['name=systemd'], { mountPoint: '/sys/fs/cgroup/systemd', mountRoot: '/', controllers: ['name=systemd'] });
  assert.equal(hybrid.v1.cpu, hybrid.v1.cpuacct, 'co-mounted controllers share one hierarchy');
  assert.equal(hybrid.v1.cpu.mountPoint, '/sys/fs/cgroup/cpu,cpuacct');
  assert.deepEqual(hybrid.unified, { mountPoint: '/sys/fs/cgroup/unified', mountRoot: '/' });
  assert.equal(layoutFromMountinfo(PURE_V1).kind, 'v1');
  const v2 = layoutFromMountinfo(PURE_V2);
  assert.equal(v2.kind, 'v2');
  assert.deepEqual(v2.v1, {});
  assert.equal(v2.unified?.mountPoint, '/sys/fs/cgroup');
  // A named hierarchy beside a pure cgroup2 one (left from a container on it) makes no v1 host; other names are not ours.
  const named = layoutFromMountinfo(`${PURE_V2}50 30 0:40 / /run/systemd-v1 rw - cgroup cgroup rw,name=systemd\n51 30 0:41 / /run/other rw - cgroup cgroup rw,name=other\n`);
  assert.equal(named.kind, 'v2');
  assert.deepEqual(named.v1, {});
  assert.equal(layoutFromMountinfo(`${PURE_V1}\n51 31 0:41 / /sys/fs/cgroup/other rw - cgroup cgroup rw,name=other\n`).v1['name=other'], undefined);
});

test('the runtime\'s own cgroups as directories: name=systemd included, a cgroup outside a mounted part left out', () => {
  const hybrid = layoutFromMountinfo(HYBRID);
  const mine = parseProcCgroup('5:name=systemd:/user.slice/s\n4:memory:/runtime\n2:cpu,cpuacct:/\n3:freezer:/\n0::/user.slice/x.scope\n');
  assert.deepEqual(ownCgroupTarget(hybrid, mine), {
    v1: {
      cpu: '/sys/fs/cgroup/cpu,cpuacct',
      cpuacct: '/sys/fs/cgroup/cpu,cpuacct',
      memory: '/sys/fs/cgroup/memory/runtime',
      freezer: '/sys/fs/cgroup/freezer',
      'name=systemd': '/sys/fs/cgroup/systemd/user.slice/s',
    },
    unified: '/sys/fs/cgroup/unified/user.slice/x.scope',
  });
  const nested = layoutFromMountinfo('35 31 0:32 /outer /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n');
  assert.deepEqual(ownCgroupTarget(nested, mine), { v1: {} });
  // resolveCgroupTarget puts a container in the named hierarchy as in the others.
  assert.equal(resolveCgroupTarget(undefined, 'c1', hybrid, mine).v1['name=systemd'], '/sys/fs/cgroup/systemd/user.slice/s/c1');
});

test('/proc/PID/cgroup lines: controllers and the v2 line', () => {
  const own = parseProcCgroup('4:memory:/a/b\n2:cpu,cpuacct:/c\n1:name=systemd:/s\n0::/user.slice/x.scope\n');
  assert.equal(own.get('memory'), '/a/b');
  assert.equal(own.get('cpuacct'), '/c');
  assert.equal(own.get(''), '/user.slice/x.scope');
});

const own = parseProcCgroup('4:memory:/runtime\n2:cpu,cpuacct:/\n3:freezer:/\n0::/user.slice/x.scope\n');

test('absolute paths (podman, containerd) are under each hierarchy root', () => {
  const hybrid = layoutFromMountinfo(HYBRID);
  const t = resolveCgroupTarget('/libpod_parent/libpod-abc', 'abc', hybrid, own);
  assert.equal(t.v1.memory, '/sys/fs/cgroup/memory/libpod_parent/libpod-abc');
  assert.equal(t.v1.cpu, '/sys/fs/cgroup/cpu,cpuacct/libpod_parent/libpod-abc');
  assert.equal(t.unified, '/sys/fs/cgroup/unified/libpod_parent/libpod-abc');
  const v2 = resolveCgroupTarget('/default/ID', 'ID', layoutFromMountinfo(PURE_V2), own);
  assert.deepEqual(v2, { v1: {}, unified: '/sys/fs/cgroup/default/ID' });
});

test('relative and missing paths: under the own cgroup on v1, under its parent on v2', () => {
  const hybrid = layoutFromMountinfo(HYBRID);
  const t = resolveCgroupTarget(undefined, 'c1', hybrid, own);
  assert.equal(t.v1.memory, '/sys/fs/cgroup/memory/runtime/c1');
  assert.equal(t.v1.freezer, '/sys/fs/cgroup/freezer/c1');
  assert.equal(t.unified, '/sys/fs/cgroup/unified/user.slice/c1');
  const rel = resolveCgroupTarget('machine/./c1', 'c1', layoutFromMountinfo(PURE_V2), own);
  assert.equal(rel.unified, '/sys/fs/cgroup/user.slice/machine/c1');
});

test('".." leaving its start, the root itself and systemd paths are refused with clear errors', () => {
  const v2 = layoutFromMountinfo(PURE_V2);
  assert.throws(() => resolveCgroupTarget('/a/../../etc', 'x', v2, own), { code: 'ERR_INVALID_CONFIG', jsonPath: '/linux/cgroupsPath' });
  assert.throws(() => resolveCgroupTarget('../x', 'x', v2, own), /climbs out/);
  assert.equal(resolveCgroupTarget('/a/../b', 'x', v2, own).unified, '/sys/fs/cgroup/b');
  assert.throws(() => resolveCgroupTarget('/', 'x', v2, own), /root cgroup/);
  assert.throws(() => resolveCgroupTarget('system.slice:kapsel:x', 'x', v2, own), /needs --systemd-cgroup/);
  assert.throws(() => resolveCgroupTarget('system.slice:kapsel:x', 'x', v2, own, { systemd: true, systemdRunning: false }), {
    code: 'ERR_NOT_SUPPORTED',
    message: 'systemd not running on this host, cannot use systemd cgroups manager',
  });
  // With systemd: the scope's cgroup (test/unit/cgroups-systemd.test.ts).
  const scope = resolveCgroupTarget('machine-pod.slice:kapsel:x', 'x', v2, own, { systemd: true, systemdRunning: true });
  assert.equal(scope.unified, '/sys/fs/cgroup/machine.slice/machine-pod.slice/kapsel-x.scope');
  assert.deepEqual(scope.systemd, { unit: 'kapsel-x.scope', slice: 'machine-pod.slice', bus: 'system' });
  assert.throws(() => resolveCgroupTarget('', 'x', v2, own, { systemd: true, systemdRunning: true, rootless: true }), { code: 'ERR_NOT_SUPPORTED', message: /systemd --user/ });
});

test('a hierarchy mounted from a sub-cgroup (inside a container): absolute paths are below what is mounted', () => {
  const nested = layoutFromMountinfo('30 23 0:26 /outer /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n35 31 0:32 /outer /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n');
  const t = resolveCgroupTarget('/inner/c', 'c', nested, own);
  assert.equal(t.unified, '/sys/fs/cgroup/inner/c');
  assert.equal(t.v1.memory, '/sys/fs/cgroup/memory/inner/c');
  // The runtime's own memory cgroup (/runtime) is not inside the mounted /outer.
  assert.throws(() => resolveCgroupTarget('rel', 'c', nested, own), /outside the mounted part/);
});

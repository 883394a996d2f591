// The warm pool's pure parts and its launch on the syscall double: which
// plans a pooled helper can serve (pool-fit.ts), what the hand-over sends
// (every slot of the fd table but the sync socket, at its number; a gap is
// not sent), and that a claimed helper is killed, reaped and its channel
// closed when the launch fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchInit, type LaunchRequest, type PooledInit } from '../../lib/container/launch';
import { poolMiss, POOL_MAX_FDS, type HelperShape } from '../../lib/container/pool-fit';
import { CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUSER, CLONE_NEWUTS } from '../../lib/native/constants';
import type { CgroupRecord } from '../../lib/cgroups';
import type { CgroupPlan } from '../../lib/plan/runtime-cgroups';
import { fdTable, helperFdLayout, type LaunchPlan } from '../../lib/plan/steps';
import { launchRequest } from '../helpers/launch-request';
import { scriptedEnv, type RecordingSyscalls } from '../helpers/recording-syscalls';

const SHAPE = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;

const spare: CgroupRecord = {
  version: 1,
  v1: { pids: '/sys/fs/cgroup/pids/own/kapsel-pool-1-1', memory: '/sys/fs/cgroup/memory/own/kapsel-pool-1-1' },
  created: ['/sys/fs/cgroup/pids/own/kapsel-pool-1-1', '/sys/fs/cgroup/memory/own/kapsel-pool-1-1'],
};

function cgroupPlan(parent = 'own', id = 'c1'): CgroupPlan {
  const v1 = { pids: `/sys/fs/cgroup/pids/${parent}/${id}`, memory: `/sys/fs/cgroup/memory/${parent}/${id}` };
  return { layout: 'v1', v1, directories: Object.values(v1), writes: [], warnings: [], placement: { join: Object.values(v1) } };
}

function plan(overrides: Partial<LaunchPlan> = {}, preserveFds = 0): LaunchPlan {
  return {
    cloneFlags: SHAPE,
    join: [],
    uidMappings: [],
    gidMappings: [],
    denySetgroups: false,
    preserveFds,
    fds: fdTable(preserveFds, { fifo: true }),
    steps: [],
    warnings: [],
    cgroups: cgroupPlan(),
    ...overrides,
  };
}

const shape: HelperShape = { cloneFlags: SHAPE, cgroups: spare };

test('pool fit: the pool\'s namespaces and cgroups beside its spares are served', () => {
  assert.equal(poolMiss(plan(), shape), undefined);
});

test('pool fit: every config the pool cannot serve says why', () => {
  const cases: [string, LaunchPlan, RegExp][] = [
    ['fewer namespaces', plan({ cloneFlags: SHAPE & ~CLONE_NEWNET }), /namespaces/],
    ['a joined namespace', plan({ join: [{ type: CLONE_NEWNET, path: '/proc/1/ns/net' }] }), /joins/],
    ['a user namespace', plan({ cloneFlags: SHAPE | CLONE_NEWUSER, uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }] }), /namespaces|user namespace/],
    ['time offsets', plan({ timeOffsets: 'monotonic 1 0' }), /time/],
    ['an oom score', plan({ oomScoreAdj: 5 }), /oomScoreAdj/],
    ['too many fds', plan({ fds: fdTable(POOL_MAX_FDS, { fifo: true }) }, POOL_MAX_FDS), /fd table/],
    ['cgroups elsewhere', plan({ cgroups: cgroupPlan('elsewhere') }), /beside/],
    ['no cgroups', plan({ cgroups: undefined }), /no cgroups/],
    ['other hierarchies', plan({ cgroups: { ...cgroupPlan(), v1: { pids: '/sys/fs/cgroup/pids/own/c1' } } }), /beside/],
    ['cgroup2 against v1 spares', plan({ cgroups: { ...cgroupPlan(), layout: 'v2' } }), /beside/],
    ['systemd cgroups', plan({ cgroups: { ...cgroupPlan(), systemd: { scope: { unit: 'kapsel-c1.scope', slice: 'system.slice', bus: 'system' }, properties: [] } } }), /systemd/],
  ];
  for (const [name, p, why] of cases) assert.match(poolMiss(p, shape) ?? 'served', why, name);
  assert.match(poolMiss(plan(), { cloneFlags: SHAPE }) ?? 'served', /the pool has no cgroups/);
});

/** A helper "spawned" ahead: a pidfd and a channel of the double's. */
function pooledOn(sys: RecordingSyscalls): PooledInit & { claimed: number } {
  const [socket, pidfd] = sys.seqpacketPair();
  const helper = {
    claimed: 0,
    claim() {
      helper.claimed++;
      return { pid: 4_100_000, pidfd, socket };
    },
  };
  return helper;
}

function request(overrides: Partial<LaunchRequest> = {}): LaunchRequest {
  return launchRequest(plan({ cgroups: undefined }, 2), overrides);
}

test('launch through a pooled helper: no spawn; the fd table but the sync socket is handed over at its numbers; a gap is not sent', async () => {
  const { env, sys } = scriptedEnv([{ kind: 'ready' }]);
  const pooled = pooledOn(sys);
  const init = await launchInit(request({ pooled, skipFds: [4] }), env);
  assert.equal(pooled.claimed, 1);
  assert.deepEqual(sys.named('spawn'), []);
  assert.equal(sys.named('seqpacketPair').length, 1, 'only the helper\'s own channel: no new pair');
  const layout = helperFdLayout(2);
  const [[socket, fds, targets, planFd, syncFd]] = sys.named('poolHandover') as [[number, number[], number[], number, number]];
  assert.deepEqual(targets, [0, 1, 2, 3, layout.planFd, layout.fifoFd]);
  assert.deepEqual(fds.slice(0, 4), [7, 8, 9, 3], 'stdio, this process\'s fd 3; fd 4 is a gap');
  assert.equal(planFd, layout.planFd);
  assert.equal(syncFd, layout.syncFd);
  assert.equal(init.pid, 4_100_000);
  // Our copies of the plan and fifo fds closed after the hand-over, the channel with the conversation.
  assert.ok(!sys.open.has(socket));
  assert.deepEqual([...sys.open], [init.pidfd]);
  await init.abort();
  assert.deepEqual([...sys.open], []);
});

test('launch through a pooled helper that fails after the claim: the helper is killed and reaped, every fd closed', async () => {
  const { env, sys } = scriptedEnv([{ kind: 'ready' }]);
  const pooled = pooledOn(sys);
  sys.failing.set('openPath', Object.assign(new Error('open: no such file'), { code: 'ENOENT', errno: -2, syscall: 'open' }));
  await assert.rejects(launchInit(request({ pooled }), env), /no such file/);
  const [pidfd] = sys.named('pidfdWait')[0] as [number];
  assert.deepEqual(sys.named('pidfdSendSignal'), [[pidfd, 9]]);
  assert.deepEqual(sys.named('poolHandover'), []);
  assert.deepEqual([...sys.open], []);
});

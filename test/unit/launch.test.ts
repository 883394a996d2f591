// The launch shared by create and exec, on the syscall double: the fds the
// init gets (helperFdLayout order), who owns which fd, and what is left
// when it fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchInit, type LaunchRequest } from '../../lib/container/launch';
import { KapselError } from '../../lib/errors';
import { fdTable, helperFdLayout, type LaunchPlan } from '../../lib/plan/steps';
import { launchRequest } from '../helpers/launch-request';
import { scriptedEnv } from '../helpers/recording-syscalls';

function plan(preserveFds: number, withUserNamespace = false, console = false): LaunchPlan {
  const maps = withUserNamespace ? [{ containerID: 0, hostID: 1000, size: 1 }] : [];
  return { cloneFlags: 0, join: [], uidMappings: maps, gidMappings: maps, denySetgroups: false, preserveFds, fds: fdTable(preserveFds, { console }), steps: [], warnings: [] };
}

function request(overrides: Partial<LaunchRequest> = {}): LaunchRequest {
  return launchRequest(plan(0), overrides);
}

test('launch: preserved fds, plan, sync socket, fifo and a connected console in helperFdLayout order', async () => {
  const { env, sys } = scriptedEnv([{ kind: 'ready' }]);
  const init = await launchInit(request({ plan: plan(2, false, true), consoleSocket: '/tmp/console.sock' }), env);
  const [[spawn]] = sys.named('spawn') as [[{ fds: number[]; argv: string[] }]];
  const layout = helperFdLayout(2);
  assert.deepEqual(spawn.fds.slice(0, 5), [7, 8, 9, 3, 4], 'stdio, then this process\'s fds 3 and 4');
  const [[, planLength]] = sys.named('memfdWith') as [[string, number]];
  assert.ok(planLength > 0, 'the encoded plan is written');
  assert.deepEqual(spawn.argv, ['kapsel-init', '--plan-fd', String(layout.planFd), '--sync-fd', String(layout.syncFd)]);
  assert.equal(spawn.fds.length, layout.consoleFd + 1);
  const consoleFd = spawn.fds[layout.consoleFd];
  assert.deepEqual(sys.named('unixConnect'), [['/tmp/console.sock']]);
  assert.ok(sys.named('close').some(([fd]) => fd === consoleFd), 'our connection to the console socket is closed after the spawn');
  assert.deepEqual([...sys.open], [init.pidfd]);
  await init.abort();
  await init.abort();
  assert.deepEqual(sys.named('pidfdSendSignal'), [[init.pidfd, 9]], 'abort is idempotent');
  assert.deepEqual([...sys.open], []);
});

test('launch: a console socket given as an fd is passed and stays the caller\'s', async () => {
  const { env, sys } = scriptedEnv([{ kind: 'ready' }]);
  const init = await launchInit(request({ plan: plan(0, false, true), consoleSocket: 5 }), env);
  const [[spawn]] = sys.named('spawn') as [[{ fds: number[] }]];
  assert.equal(spawn.fds[helperFdLayout(0).consoleFd], 5);
  assert.ok(!sys.named('close').some(([fd]) => fd === 5));
  await init.abort();
});

test('launch: id maps only for a new user namespace, after the spawn and before go', async () => {
  for (const userns of [false, true]) {
    const { env, sys, links } = scriptedEnv([{ kind: 'ready' }]);
    const init = await launchInit(request({ plan: plan(0, userns), privilegedIdMaps: false }), env);
    const maps = sys.named('writeIdMaps');
    assert.equal(maps.length, userns ? 1 : 0);
    if (userns) assert.equal(maps[0][4], false, 'privileged flag passed on');
    assert.deepEqual(links[0].said, ['go']);
    await init.abort();
  }
});

test('launch: a failed sync point whose abort cannot be sent still reports the sync point\'s error', async () => {
  const { env, sys, links } = scriptedEnv([{ kind: 'sync', point: 'runtime-hooks' }]);
  const hookError = new KapselError('ERR_HOOK_FAILED', 'createRuntime hook /h failed: exit status 1');
  const failingEnv = {
    ...env,
    openLink(fd: number) {
      const link = env.openLink(fd);
      link.abort = () => {
        throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
      };
      return link;
    },
  };
  await assert.rejects(
    launchInit(request({ onSync: async () => Promise.reject(hookError) }), failingEnv),
    (e: unknown) => e === hookError,
  );
  assert.ok(links[0].closed);
  assert.deepEqual([...sys.open], []);
  assert.deepEqual([...sys.alive], []);
});

test('launch: the exec fifo cannot be opened: nothing is spawned, nothing stays open', async () => {
  const { env, sys } = scriptedEnv([{ kind: 'ready' }]);
  sys.failing.set('openPath', Object.assign(new Error('open: no such file'), { code: 'ENOENT', errno: -2, syscall: 'open' }));
  await assert.rejects(launchInit(request(), env), /no such file/);
  assert.deepEqual(sys.named('spawn'), []);
  assert.deepEqual([...sys.open], []);
});

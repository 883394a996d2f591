// create's success and abort paths on the syscall double (no root, no
// process): whatever fails, create leaves no state directory, closes every
// fd it opened, and kills and reaps an init it spawned; a failed hook is
// followed by the poststop hooks.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultSpec } from '../../lib/config/default-spec';
import type { Spec } from '../../lib/config/types';
import { createContainer, type CreateOptions } from '../../lib/container/create';
import type { SetupEvent } from '../../lib/container/init-link';
import { HookFailedError, KapselError, SyscallError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { scriptedEnv, type RecordingSyscalls, type ScriptedLink } from '../helpers/recording-syscalls';

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-create-abort-')));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

let serial = 0;

/** A node one-liner as a hook (the hook's env is empty: no PATH lookup). */
function nodeHook(code: string): { path: string; args: string[] } {
  return { path: process.execPath, args: ['node', '-e', code] };
}

interface Setup {
  root: string;
  id: string;
  dir: string;
  options: CreateOptions;
  warnings: string[];
  poststopMarker: string;
}

/** A bundle (rootless default spec: a new user namespace, so id maps are written) and a state root. */
function setup(edit: (spec: Spec) => void = () => undefined, extra: Partial<CreateOptions> = {}): Setup {
  const dir = path.join(tmp, `case-${++serial}`);
  const bundle = path.join(dir, 'bundle');
  fs.mkdirSync(path.join(bundle, 'rootfs'), { recursive: true });
  const poststopMarker = path.join(dir, 'poststop-ran');
  const spec = defaultSpec({ rootless: true, cgroupNamespace: false });
  spec.process!.terminal = false;
  spec.hooks = { poststop: [nodeHook(`require('fs').writeFileSync(${JSON.stringify(poststopMarker)}, '')`)] };
  edit(spec);
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec));
  const warnings: string[] = [];
  const logger: Logger = { warn: (m) => warnings.push(m) };
  // createContainer takes a state root already opened and checked (Container.create does that).
  const root = path.join(dir, 'root');
  fs.mkdirSync(root, { mode: 0o700 });
  const id = `c${serial}`;
  return { root, id, dir, warnings, poststopMarker, options: { id, bundle, root, logger, ...extra } };
}

/** Nothing left: no state dir, no fd of the double open, every link closed, no live init. */
function assertLeftNothing(s: Setup, sys: RecordingSyscalls, links: ScriptedLink[]): void {
  assert.equal(fs.existsSync(path.join(s.root, s.id)), false, 'the state directory is removed');
  assert.deepEqual([...sys.open], [], 'every fd create opened is closed');
  assert.deepEqual([...sys.alive], [], 'no init is left unreaped');
  for (const link of links) assert.ok(link.closed, 'the setup channel is closed');
}

/** The spawned init was killed, then reaped, then its pidfd closed, in that order. */
function assertKilledAndReaped(sys: RecordingSyscalls): void {
  assert.equal(sys.named('spawn').length, 1, 'an init was spawned');
  const pidfd = sys.named('pidfdWait')[0]?.[0] as number;
  assert.ok(pidfd !== undefined, 'the init is waited for');
  const at = (name: string): number => sys.calls.findIndex((c) => c[0] === name && c[1] === pidfd);
  const kill = sys.calls.findIndex((c) => c[0] === 'pidfdSendSignal' && c[1] === pidfd && c[2] === 9);
  assert.ok(kill >= 0, 'SIGKILL through the pidfd');
  assert.ok(kill < at('pidfdWait') && at('pidfdWait') < at('close'), 'kill, then reap, then close the pidfd');
}

async function rejects(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  assert.fail('create must fail');
}

test('create on the double: spawns with the fd layout, writes the id maps, says go, and hands over only the pidfd', async () => {
  const s = setup();
  s.options.pidFile = path.join(s.dir, 'pid');
  const { env, sys, links } = scriptedEnv([{ kind: 'ready' }]);
  const created = await createContainer(s.options, env);
  try {
    const [[spawn]] = sys.named('spawn') as [[{ fds: number[]; argv: string[] }]];
    const [[fifoPathArg]] = sys.named('openPath') as [[string]];
    assert.equal(fifoPathArg, path.join(s.root, s.id, 'exec.fifo'));
    assert.equal(spawn.fds.length, 6, 'stdio, plan, sync socket, exec fifo');
    assert.deepEqual(spawn.fds.slice(0, 3), [0, 1, 2]);
    assert.deepEqual(spawn.argv, ['kapsel-init', '--plan-fd', '3', '--sync-fd', '4']);
    assert.equal(sys.named('writeIdMaps').length, 1);
    assert.equal(sys.named('writeIdMaps')[0][0], sys.pid);
    assert.deepEqual(links[0].said, ['go']);
    // The init's hooks run in its pid namespace, where it is pid 1 (runtime.md, State).
    assert.equal(links[0].goStates!.creating.pid, 1);
    assert.equal(links[0].goStates!.created.status, 'created');
    assert.ok(links[0].closed);
    assert.equal(created.stored.pid, sys.pid);
    assert.equal(created.stored.initStartTime, sys.startTime);
    const onDisk = JSON.parse(fs.readFileSync(path.join(s.root, s.id, 'state.json'), 'utf8'));
    assert.equal(onDisk.pid, sys.pid);
    assert.equal(fs.readFileSync(s.options.pidFile!, 'utf8'), String(sys.pid));
    assert.deepEqual([...sys.open], [created.pidfd], 'only the pidfd stays open, for the caller');
    assert.deepEqual(sys.named('pidfdSendSignal'), [], 'a created init is not killed');
    assert.equal(fs.existsSync(s.poststopMarker), false);
  } finally {
    fs.rmSync(path.join(s.root, s.id), { recursive: true, force: true });
  }
});

test('create abort: spawn throws', async () => {
  const s = setup();
  const { env, sys, links } = scriptedEnv([{ kind: 'ready' }]);
  sys.failing.set('spawn', Object.assign(new Error('clone: operation not permitted'), { code: 'EPERM', errno: -1, syscall: 'clone' }));
  const err = await rejects(createContainer(s.options, env));
  assert.ok(err instanceof SyscallError && err.errnoName === 'EPERM' && err.syscall === 'clone', String(err));
  assert.equal(links.length, 0, 'no conversation without an init');
  assert.deepEqual(sys.named('pidfdSendSignal'), [], 'nothing to kill');
  assert.ok(sys.named('close').length >= 4, 'the plan memfd, both socket ends and the fifo handle are closed');
  assertLeftNothing(s, sys, links);
  assert.equal(fs.existsSync(s.poststopMarker), false, 'poststop hooks run only after a failed hook');
});

test('create abort: the init reports a failed step', async () => {
  const s = setup();
  const reported = new SyscallError({ errnoName: 'ENOENT', errno: 2, syscall: 'mount', path: '/proc', step: { index: 4, op: 'mount' } });
  const { env, sys, links } = scriptedEnv([{ kind: 'failed', error: reported }]);
  const err = await rejects(createContainer(s.options, env));
  assert.equal(err, reported, 'the init\'s own error reaches the caller');
  assertKilledAndReaped(sys);
  assertLeftNothing(s, sys, links);
  assert.equal(fs.existsSync(s.poststopMarker), false);
});

test('create abort: the init exits without reporting', async () => {
  const s = setup();
  const { env, sys, links } = scriptedEnv([{ kind: 'exited' }]);
  const err = await rejects(createContainer(s.options, env));
  assert.ok(err instanceof KapselError && err.code === 'ERR_PROTOCOL', String(err));
  assert.match(err.message, /exited during setup without reporting/);
  assertKilledAndReaped(sys);
  assertLeftNothing(s, sys, links);
});

test('create abort: a createRuntime hook fails: abort is sent, the init killed, poststop hooks run', async () => {
  const s = setup((spec) => (spec.hooks!.createRuntime = [nodeHook('process.exit(3)')]));
  const script: SetupEvent[] = [{ kind: 'sync', point: 'runtime-hooks' }, { kind: 'ready' }];
  const { env, sys, links } = scriptedEnv(script);
  const err = await rejects(createContainer(s.options, env));
  assert.ok(err instanceof HookFailedError && err.hook === 'createRuntime', String(err));
  assert.match(err.message, /exit status 3/);
  assert.deepEqual(links[0].said, ['go', 'abort'], 'the init is told to abort, not to proceed');
  assertKilledAndReaped(sys);
  assertLeftNothing(s, sys, links);
  assert.ok(fs.existsSync(s.poststopMarker), 'the poststop hooks ran');
});

test('create abort: the init reports a failed createContainer hook: poststop hooks run', async () => {
  const s = setup();
  const { env, sys, links } = scriptedEnv([
    { kind: 'sync', point: 'runtime-hooks' },
    { kind: 'failed', error: new HookFailedError('createContainer', '/bin/hook', 'exit status 1') },
  ]);
  const err = await rejects(createContainer(s.options, env));
  assert.ok(err instanceof HookFailedError, String(err));
  assert.deepEqual(links[0].said, ['go', 'proceed']);
  assertKilledAndReaped(sys);
  assertLeftNothing(s, sys, links);
  assert.ok(fs.existsSync(s.poststopMarker), 'the poststop hooks ran');
});

test('create abort: the pid file cannot be written after the init is ready', async () => {
  const s = setup();
  s.options.pidFile = path.join(s.dir, 'no-such-dir', 'pid');
  const { env, sys, links } = scriptedEnv([{ kind: 'ready' }]);
  const err = await rejects(createContainer(s.options, env));
  assert.ok(err instanceof SyscallError && err.errnoName === 'ENOENT', String(err));
  assertKilledAndReaped(sys);
  assertLeftNothing(s, sys, links);
  assert.equal(fs.existsSync(s.poststopMarker), false);
});

test('create abort: the id maps cannot be written', async () => {
  const s = setup();
  const { env, sys, links } = scriptedEnv([{ kind: 'ready' }]);
  sys.failing.set('writeIdMaps', Object.assign(new Error('write: operation not permitted'), { code: 'EPERM', errno: -1, syscall: 'write', path: '/proc/1/uid_map' }));
  const err = await rejects(createContainer(s.options, env));
  assert.ok(err instanceof SyscallError && err.syscall === 'write', String(err));
  assert.deepEqual(links[0].said, [], 'go is never sent');
  assertKilledAndReaped(sys);
  assertLeftNothing(s, sys, links);
});

test('create abort: the console socket cannot be reached', async () => {
  const s = setup((spec) => (spec.process!.terminal = true), { consoleSocket: '/nonexistent/console.sock' });
  const { env, sys, links } = scriptedEnv([{ kind: 'ready' }]);
  sys.failing.set('unixConnect', Object.assign(new Error('connect: no such file or directory'), { code: 'ENOENT', errno: -2, syscall: 'connect', path: '/nonexistent/console.sock' }));
  const err = await rejects(createContainer(s.options, env));
  assert.ok(err instanceof SyscallError && err.errnoName === 'ENOENT', String(err));
  assert.deepEqual(sys.named('spawn'), []);
  assertLeftNothing(s, sys, links);
});

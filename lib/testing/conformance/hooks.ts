/** config.md, POSIX-platform Hooks, and runtime.md's Lifecycle steps 3-13 for hooks. */
import assert from 'node:assert/strict';
import { alive, nsOf, type Harness } from './harness';
import { cite, type Area, type Check } from './spec';

const ORDER = cite('config.md', 'POSIX-platform Hooks', 'MUST', 'Hooks MUST be called in the listed order.');
const TIMEOUT = cite('config.md', 'POSIX-platform Hooks', 'MUST', 'timeout (int, OPTIONAL) is the number of seconds before aborting the hook. If set, timeout MUST be greater than zero.');
const STDIN = cite('config.md', 'POSIX-platform Hooks', 'MUST', 'The state of the container MUST be passed to hooks over stdin so that they may do work appropriate to the current state of the container.');

/** A bundle with one recording hook of each kind (startContainer's inside the container). */
function allHooks(h: Harness): string {
  return h.bundle((c) => {
    c.hooks = {
      prestart: [h.hook('prestart')],
      createRuntime: [h.hook('createRuntime')],
      createContainer: [h.hook('createContainer')],
      startContainer: [h.containerHook('startContainer')],
      poststart: [h.hook('poststart')],
      poststop: [h.hook('poststop')],
    };
  });
}

/** Runs the whole lifecycle of an allHooks() container; returns its state while running. */
async function fullLifecycle(h: Harness): Promise<{ id: string; bundle: string; pid: number }> {
  const id = h.id();
  const bundle = allHooks(h);
  const state = await h.created(id, bundle);
  await h.ok(['start', id]);
  await h.ok(['kill', id, 'KILL']);
  await h.waitStatus(id, 'stopped');
  await h.ok(['delete', id]);
  return { id, bundle, pid: state.pid as number };
}

type HookName = 'prestart' | 'createRuntime' | 'createContainer' | 'startContainer' | 'poststart';
const STEP: Record<HookName, { step: string; text: string; later: string[]; op: 'create' | 'start' }> = {
  prestart: { step: '3', op: 'create', later: ['createRuntime', 'createContainer'], text: 'If any prestart hook fails, the runtime MUST generate an error, stop the container, and continue the lifecycle at step 12.' },
  createRuntime: { step: '4', op: 'create', later: ['createContainer'], text: 'If any createRuntime hook fails, the runtime MUST generate an error, stop the container, and continue the lifecycle at step 12.' },
  createContainer: { step: '5', op: 'create', later: [], text: 'If any createContainer hook fails, the runtime MUST generate an error, stop the container, and continue the lifecycle at step 12.' },
  startContainer: { step: '7', op: 'start', later: ['poststart'], text: 'If any startContainer hook fails, the runtime MUST generate an error, stop the container, and continue the lifecycle at step 12.' },
  poststart: { step: '9', op: 'start', later: [], text: 'If any poststart hook fails, the runtime MUST generate an error, stop the container, and continue the lifecycle at step 12.' },
};

/**
 * The container of a failing `failing` hook: every hook records itself
 * (a first hook of the failing kind succeeds and records the pid), the
 * failing one exits 1. Runs create (and start, for start's hooks), which
 * must fail; returns the container's id and pid.
 */
async function failingHook(h: Harness, failing: HookName): Promise<{ id: string; pid: number }> {
  const id = h.id();
  const make = (name: HookName) => (name === 'startContainer' ? h.containerHook.bind(h) : (l: string, e?: number) => h.hook(l, { exit: e }));
  const hooks: Record<string, unknown[]> = { poststop: [h.hook('poststop')] };
  for (const name of ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart'] as HookName[]) {
    hooks[name] = name === failing ? [make(name)(`${name}-ok`, 0), make(name)(`${name}-fails`, 1)] : [make(name)(name, 0)];
  }
  const bundle = h.bundle((c) => (c.hooks = hooks));
  let pid: number;
  if (STEP[failing].op === 'create') {
    await h.fails(['create', '--bundle', bundle, id], `the ${failing} hook exits 1`);
    // prestart runs in the runtime namespace: its pid is the host's.
    pid = h.hookState(failing === 'prestart' ? 'prestart-ok' : 'prestart').pid as number;
  } else {
    pid = (await h.created(id, bundle)).pid as number;
    await h.fails(['start', id], `the ${failing} hook exits 1`);
  }
  return { id, pid };
}

function failureChecks(name: HookName): Check[] {
  const { step, text, later, op } = STEP[name];
  const c = cite('runtime.md', 'Lifecycle', 'MUST', text);
  return [
    {
      title: `a failing ${name} hook fails ${op}, the container is destroyed (step ${step} -> 12) and no later hook runs`,
      cite: c,
      async run(h) {
        const { id, pid } = await failingHook(h, name);
        await h.gone(id, `the ${name} hook failed, so the container is destroyed`);
        assert.ok(!Number.isInteger(pid) || !alive(pid), `the container process ${pid} is gone`);
        const ran = h.order();
        for (const l of later) assert.ok(!ran.includes(l), `${l} ran after the failed ${name} hook (order: ${ran.join(', ')})`);
        if (name !== 'poststart') assert.equal(h.read('ran'), undefined, 'the user program did not run');
      },
    },
    {
      title: `after a failing ${name} hook the poststop hooks run (step ${step} -> 12 -> 13)`,
      cite: c,
      async run(h) {
        await failingHook(h, name);
        assert.ok(h.order().includes('poststop'), `poststop did not run (order: ${h.order().join(', ')})`);
      },
    },
  ];
}

export const hooksArea: Area = {
  name: 'hooks',
  checks: [
    {
      title: 'each kind of hook runs in the listed order, each within its operation (create, start, delete)',
      cite: ORDER,
      async run(h) {
        const id = h.id();
        await h.created(id, allHooks(h));
        assert.deepEqual(h.order(), ['prestart', 'createRuntime', 'createContainer'], 'after create');
        await h.ok(['start', id]);
        assert.deepEqual(h.order(), ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart'], 'after start');
        await h.ok(['kill', id, 'KILL']);
        await h.waitStatus(id, 'stopped');
        assert.deepEqual(h.order().slice(5), [], 'no hook runs on the program\'s exit');
        await h.ok(['delete', id]);
        assert.deepEqual(h.order().slice(5), ['poststop'], 'after delete');
      },
    },
    {
      title: 'hooks of one kind run in their array\'s order',
      cite: ORDER,
      async run(h) {
        const id = h.id();
        const bundle = h.bundle((c) => (c.hooks = { createRuntime: ['a', 'b', 'c'].map((l) => h.hook(`createRuntime-${l}`)), poststop: ['a', 'b'].map((l) => h.hook(`poststop-${l}`)) }));
        await h.created(id, bundle);
        await h.ok(['kill', id, 'KILL']);
        await h.waitStatus(id, 'stopped');
        await h.ok(['delete', id]);
        assert.deepEqual(h.order(), ['createRuntime-a', 'createRuntime-b', 'createRuntime-c', 'poststop-a', 'poststop-b']);
      },
    },
    {
      title: 'every hook gets the state (ociVersion, id, status, bundle) on stdin',
      cite: STDIN,
      async run(h) {
        const { id } = await fullLifecycle(h);
        for (const label of ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']) {
          const state = h.hookState(label);
          assert.equal(state.id, id, `${label}: id`);
          assert.equal(typeof state.ociVersion, 'string', `${label}: ociVersion`);
          assert.equal(typeof state.status, 'string', `${label}: status`);
          assert.equal(typeof state.bundle, 'string', `${label}: bundle`);
          assert.ok((state.bundle as string).startsWith('/'), `${label}: bundle is absolute`);
        }
      },
    },
    {
      title: 'poststop\'s state says stopped; poststart\'s says running; create\'s hooks say creating or created',
      cite: STDIN,
      async run(h) {
        await fullLifecycle(h);
        for (const label of ['prestart', 'createRuntime', 'createContainer']) {
          assert.ok(['creating', 'created'].includes(h.hookState(label).status as string), `${label}: status ${String(h.hookState(label).status)}`);
        }
        assert.equal(h.hookState('poststart').status, 'running', 'poststart');
        assert.equal(h.hookState('poststop').status, 'stopped', 'poststop');
      },
    },
    {
      title: 'hooks in the runtime namespace (prestart, createRuntime, poststart) get the pid as the runtime sees it',
      cite: cite('runtime.md', 'State', 'DEFINITION', 'For hooks executed in the runtime namespace, it is the pid as seen by the runtime.'),
      async run(h) {
        const id = h.id();
        const state = await h.created(id, allHooks(h));
        await h.ok(['start', id]);
        for (const label of ['prestart', 'createRuntime', 'poststart']) assert.equal(h.hookState(label).pid, state.pid, label);
      },
    },
    {
      title: 'hooks in the container namespace (createContainer, startContainer) get the pid as the container sees it (1 in its pid namespace)',
      cite: cite('runtime.md', 'State', 'DEFINITION', 'For hooks executed in the container namespace, it is the pid as seen by the container.'),
      async run(h) {
        const id = h.id();
        await h.created(id, allHooks(h));
        await h.ok(['start', id]);
        for (const label of ['createContainer', 'startContainer']) assert.equal(h.hookState(label).pid, 1, label);
      },
    },
    {
      title: 'prestart, createRuntime, poststart and poststop run in the runtime\'s mount namespace',
      cite: cite('config.md', 'POSIX-platform Hooks', 'MUST', 'The createRuntime hooks MUST be executed in the runtime namespace.'),
      async run(h) {
        await fullLifecycle(h);
        const ours = nsOf('self', 'mnt');
        for (const label of ['prestart', 'createRuntime', 'poststart', 'poststop']) assert.equal(h.read(`${label}.mntns`)?.trim(), ours, label);
      },
    },
    {
      title: 'createContainer and startContainer run in the container\'s mount namespace',
      cite: cite('config.md', 'POSIX-platform Hooks', 'MUST', 'The createContainer hooks MUST be executed in the container namespace.'),
      async run(h) {
        const id = h.id();
        const state = await h.created(id, allHooks(h));
        await h.ok(['start', id]);
        const theirs = nsOf(state.pid as number, 'mnt');
        assert.ok(theirs, `cannot read the container's mount namespace`);
        for (const label of ['createContainer', 'startContainer']) assert.equal(h.read(`${label}.mntns`)?.trim(), theirs, label);
      },
    },
    {
      title: 'a startContainer hook\'s path is resolved in the container (it exists only in the rootfs)',
      cite: cite('config.md', 'POSIX-platform Hooks', 'MUST', 'The value of path MUST resolve in the container namespace.'),
      async run(h) {
        const id = h.id();
        await h.created(id, h.bundle((c) => (c.hooks = { startContainer: [h.containerHook('startContainer')] })));
        await h.ok(['start', id]);
        assert.ok(h.order().includes('startContainer'));
      },
    },
    {
      title: 'a startContainer hook runs before the user program',
      cite: cite('config.md', 'StartContainer Hooks', 'MUST', 'The startContainer hooks MUST be called before the user-specified process is executed as part of the start operation.'),
      async run(h) {
        const id = h.id();
        const program = ['/bin/sh', '-c', 'if [ -e /out/startContainer.state ]; then echo after > /out/program; else echo before > /out/program; fi'];
        await h.created(id, h.bundle((c) => (c.hooks = { startContainer: [h.containerHook('startContainer')] }), program));
        await h.ok(['start', id]);
        assert.equal((await h.waitFile('program')).trim(), 'after');
      },
    },
    {
      title: 'a createContainer hook\'s path is resolved in the runtime namespace (it exists only on the host)',
      cite: cite('config.md', 'POSIX-platform Hooks', 'MUST', 'The value of path MUST resolve in the runtime namespace.'),
      async run(h) {
        const id = h.id();
        await h.created(id, h.bundle((c) => (c.hooks = { createContainer: [h.hook('createContainer')] })));
        assert.deepEqual(h.order(), ['createContainer']);
      },
    },
    {
      title: 'a hook gets its args and env',
      cite: cite('config.md', 'POSIX-platform Hooks', 'DEFINITION', 'env (array of strings, OPTIONAL) with the same semantics as IEEE Std 1003.1-2008\'s environ.'),
      async run(h) {
        const id = h.id();
        await h.created(id, h.bundle((c) => (c.hooks = { createRuntime: [h.hook('createRuntime', { env: ['CONFORMANCE_HOOK=set by config'] })] })));
        assert.match(h.read('createRuntime.env') ?? '', /^CONFORMANCE_HOOK=set by config$/m);
        assert.equal(h.read('createRuntime.args')?.trim(), `${h.out} createRuntime 0`);
      },
    },
    ...(['self', 'child'] as const).map(
      (mode): Check => ({
        title: mode === 'self' ? 'a hook that outlives its timeout is aborted and fails create' : 'a hook whose child outlives the timeout is aborted and fails create',
        cite: TIMEOUT,
        async run(h) {
          const id = h.id();
          const bundle = h.bundle((c) => (c.hooks = { createRuntime: [h.hook('createRuntime', { sleep: 25, sleepInChild: mode === 'child', timeout: 1 })] }));
          // A runtime that waits for the hook instead is killed by the
          // kit's bound on one call (20 s by default), which fails the check.
          await h.fails(['create', '--bundle', bundle, id], 'the createRuntime hook sleeps past its 1 s timeout');
          await h.gone(id, 'create failed');
        },
      }),
    ),
    ...failureChecks('prestart'),
    ...failureChecks('createRuntime'),
    ...failureChecks('createContainer'),
    ...failureChecks('startContainer'),
    ...failureChecks('poststart'),
    {
      title: 'a failing poststop hook does not fail delete, and the next poststop hook still runs',
      cite: cite('runtime.md', 'Lifecycle', 'MUST', 'If any poststop hook fails, the runtime MUST log a warning, but the remaining hooks and lifecycle continue as if the hook had succeeded.'),
      async run(h) {
        const id = h.id();
        await h.created(id, h.bundle((c) => (c.hooks = { poststop: [h.hook('poststop-fails', { exit: 1 }), h.hook('poststop-next')] })));
        await h.ok(['kill', id, 'KILL']);
        await h.waitStatus(id, 'stopped');
        await h.ok(['delete', id]);
        assert.deepEqual(h.order(), ['poststop-fails', 'poststop-next']);
        await h.gone(id, 'delete succeeded');
      },
    },
  ],
};

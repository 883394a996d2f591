/**
 * One table of state-machine cases, run against the real runtime
 * (test/system/state-machine-shared.test.ts: root containers) and the
 * simulated one (test/unit/simulated-runtime.test.ts, also as
 * kapsel-test): each case brings a container to a status, calls one
 * operation, and checks the outcome — the status after it, its removal,
 * or the error, with the status unchanged (a refusal changes nothing).
 * The expectations are written out here from runtime.md and runc's rules,
 * not computed from lib/state/machine.ts, so a wrong table there fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerStatus } from '../../lib/config/types';
import type { CreateOptions } from '../../lib/container/container';
import type { Runtime, RuntimeContainer } from '../../lib/container/runtime';
import type { KapselErrorCode } from '../../lib/errors';

/** Where a case starts: a status, and how it got there ("paused-created": paused before start). */
export type From = 'created' | 'running' | 'paused' | 'paused-created' | 'stopped';
export type Op = 'start' | 'kill' | 'pause' | 'resume' | 'delete' | 'forceDelete' | 'exec';

/** The outcome: the status after the operation, 'deleted', or the error's code. */
export type Expect = ContainerStatus | 'deleted' | { code: KapselErrorCode };

export interface StateMachineCase {
  from: From;
  op: Op;
  expect: Expect;
}

const REFUSED = { code: 'ERR_INVALID_STATE' } as const;

/** Every operation in every status a container can be brought to. */
export const STATE_MACHINE_CASES: readonly StateMachineCase[] = [
  { from: 'created', op: 'start', expect: 'running' },
  { from: 'created', op: 'kill', expect: 'stopped' },
  { from: 'created', op: 'pause', expect: 'paused' },
  { from: 'created', op: 'resume', expect: REFUSED },
  { from: 'created', op: 'delete', expect: REFUSED },
  { from: 'created', op: 'forceDelete', expect: 'deleted' },
  { from: 'created', op: 'exec', expect: REFUSED },
  { from: 'running', op: 'start', expect: REFUSED },
  { from: 'running', op: 'kill', expect: 'stopped' },
  { from: 'running', op: 'pause', expect: 'paused' },
  { from: 'running', op: 'resume', expect: REFUSED },
  { from: 'running', op: 'delete', expect: REFUSED },
  { from: 'running', op: 'forceDelete', expect: 'deleted' },
  { from: 'running', op: 'exec', expect: 'running' },
  { from: 'paused', op: 'start', expect: REFUSED },
  { from: 'paused', op: 'kill', expect: 'stopped' },
  { from: 'paused', op: 'pause', expect: REFUSED },
  { from: 'paused', op: 'resume', expect: 'running' },
  { from: 'paused', op: 'delete', expect: REFUSED },
  { from: 'paused', op: 'forceDelete', expect: 'deleted' },
  { from: 'paused', op: 'exec', expect: REFUSED },
  { from: 'paused-created', op: 'start', expect: REFUSED },
  { from: 'paused-created', op: 'resume', expect: 'created' },
  { from: 'paused-created', op: 'kill', expect: 'stopped' },
  { from: 'stopped', op: 'start', expect: REFUSED },
  { from: 'stopped', op: 'kill', expect: REFUSED },
  { from: 'stopped', op: 'pause', expect: REFUSED },
  { from: 'stopped', op: 'resume', expect: REFUSED },
  { from: 'stopped', op: 'delete', expect: 'deleted' },
  { from: 'stopped', op: 'forceDelete', expect: 'deleted' },
  { from: 'stopped', op: 'exec', expect: REFUSED },
];

/** What the cases need of a runtime under test. */
export interface StateMachineSubject {
  runtime: Runtime;
  /** Create options for a container whose process runs until killed (stdio ignored). */
  createOptions(id: string): CreateOptions;
  /** A command that exits 0 in the container. */
  execArgs: string[];
  /** A new container id. */
  newId(): string;
  /** load/list options (the state root). */
  loadOptions?: { root?: string };
}

const STATUS_OF: Record<From, ContainerStatus> = { created: 'created', running: 'running', paused: 'paused', 'paused-created': 'paused', stopped: 'stopped' };

async function bringTo(c: RuntimeContainer, from: From): Promise<void> {
  if (from !== 'created' && from !== 'paused-created') await c.start();
  if (from === 'paused' || from === 'paused-created') await c.pause();
  if (from === 'stopped') {
    await c.kill('SIGKILL');
    await c.wait();
  }
  assert.equal(c.state().status, STATUS_OF[from], `brought to ${from}`);
}

async function perform(c: RuntimeContainer, op: Op, subject: StateMachineSubject): Promise<void> {
  switch (op) {
    case 'start':
      return c.start();
    case 'kill':
      await c.kill('SIGKILL');
      // Gone once waited for: a kill returns when the signal is sent.
      await c.wait();
      return;
    case 'pause':
      return c.pause();
    case 'resume':
      return c.resume();
    case 'delete':
      return c.delete();
    case 'forceDelete':
      return c.delete({ force: true });
    case 'exec': {
      const p = await c.exec(subject.execArgs, { stdio: 'ignore' });
      assert.deepEqual(await p.wait(), { exitCode: 0, signal: null }, 'the exec\'d process ran');
      return;
    }
  }
}

async function isGone(subject: StateMachineSubject, id: string): Promise<boolean> {
  const listed = (await subject.runtime.list(subject.loadOptions)).some((s) => s.id === id);
  await assert.rejects(subject.runtime.load(id, subject.loadOptions), { code: 'ERR_CONTAINER_NOT_FOUND' });
  return !listed;
}

function describe(c: StateMachineCase): string {
  const outcome = typeof c.expect === 'string' ? c.expect : `refused (${c.expect.code})`;
  return `${c.op} in ${c.from} -> ${outcome}`;
}

/** Runs one case on a fresh container; it is force-deleted at the end whatever happened. */
export async function runCase(subject: StateMachineSubject, c: StateMachineCase): Promise<void> {
  const id = subject.newId();
  const container = await subject.runtime.create(subject.createOptions(id));
  try {
    await bringTo(container, c.from);
    if (typeof c.expect === 'object') {
      await assert.rejects(perform(container, c.op, subject), { code: c.expect.code });
      assert.equal(container.state().status, STATUS_OF[c.from], 'a refused operation changes nothing');
    } else {
      await perform(container, c.op, subject);
      if (c.expect === 'deleted') assert.ok(await isGone(subject, id), `${id} is not listed after the delete`);
      else assert.equal(container.state().status, c.expect);
    }
  } finally {
    await container.delete({ force: true });
  }
}

/**
 * Registers one node:test test per case, plus the cases about ids: an
 * unknown id, an existing id, and a handle on a deleted container.
 */
export function stateMachineTests(prefix: string, subject: () => StateMachineSubject, options: { skip?: string | false } = {}): void {
  for (const c of STATE_MACHINE_CASES) {
    test(`${prefix}: ${describe(c)}`, { skip: options.skip }, () => runCase(subject(), c));
  }
  test(`${prefix}: an unknown id is not found; forced delete of one is not an error`, { skip: options.skip }, async () => {
    const s = subject();
    await assert.rejects(s.runtime.load(s.newId(), s.loadOptions), { code: 'ERR_CONTAINER_NOT_FOUND' });
    await assert.rejects(s.runtime.load('../escape', s.loadOptions), { code: 'ERR_INVALID_ID' });
  });
  test(`${prefix}: create with an existing id fails and leaves the first container as it was`, { skip: options.skip }, async () => {
    const s = subject();
    const id = s.newId();
    const first = await s.runtime.create(s.createOptions(id));
    try {
      await assert.rejects(s.runtime.create(s.createOptions(id)), { code: 'ERR_CONTAINER_EXISTS' });
      assert.equal(first.state().status, 'created');
    } finally {
      await first.delete({ force: true });
    }
  });
  test(`${prefix}: a handle on a deleted container: every operation is not found, a forced delete is not an error`, { skip: options.skip }, async () => {
    const s = subject();
    const c = await s.runtime.create(s.createOptions(s.newId()));
    const other = await s.runtime.load(c.id, s.loadOptions);
    await c.delete({ force: true });
    const notFound = { code: 'ERR_CONTAINER_NOT_FOUND' };
    assert.throws(() => other.state(), notFound);
    await assert.rejects(other.start(), notFound);
    await assert.rejects(other.kill('SIGKILL'), notFound);
    await assert.rejects(other.pause(), notFound);
    await assert.rejects(other.exec(s.execArgs, { stdio: 'ignore' }), notFound);
    await assert.rejects(other.delete(), notFound);
    await other.delete({ force: true });
  });
}

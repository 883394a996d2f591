import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerStatus } from '../../lib/config/types';
import { InvalidIdError, InvalidStateError } from '../../lib/errors';
import { validateId } from '../../lib/state/id';
import { assertAllowed, isAllowed, statusFrom, type Operation, type StatusFacts } from '../../lib/state/machine';
import { parseSignal } from '../../lib/signals';

const statuses: ContainerStatus[] = ['creating', 'created', 'running', 'paused', 'stopped'];

test('the transition table', () => {
  const expected: Record<Operation, ContainerStatus[]> = {
    start: ['created'],
    kill: ['created', 'running', 'paused'],
    delete: ['stopped'],
    forceDelete: statuses,
    pause: ['created', 'running'],
    resume: ['paused'],
    exec: ['running'],
    execIgnoringPause: ['running', 'paused'],
    update: ['created', 'running', 'paused'],
    ps: ['created', 'running', 'paused'],
    stats: ['created', 'running', 'paused'],
  };
  for (const [op, allowed] of Object.entries(expected) as [Operation, ContainerStatus[]][]) {
    for (const status of statuses) {
      assert.equal(isAllowed(op, status), allowed.includes(status), `${op} in ${status}`);
    }
  }
});

test('the status rule (shared by the real and the simulated runtime), asking only the facts it needs', () => {
  const asked: string[] = [];
  const facts = (f: { hasInit: boolean; beingCreated?: boolean; initAlive?: boolean; frozen?: boolean; awaitingStart?: boolean }): StatusFacts => {
    const fact = (name: keyof typeof f) => () => {
      asked.push(name);
      const value = f[name];
      assert.notEqual(value, undefined, `${name} asked although it cannot matter`);
      return value!;
    };
    return { hasInit: f.hasInit, beingCreated: fact('beingCreated'), initAlive: fact('initAlive'), frozen: fact('frozen'), awaitingStart: fact('awaitingStart') };
  };
  assert.equal(statusFrom(facts({ hasInit: false, beingCreated: true })), 'creating');
  assert.equal(statusFrom(facts({ hasInit: false, beingCreated: false })), 'stopped', 'a create that died half-way');
  assert.equal(statusFrom(facts({ hasInit: true, initAlive: false })), 'stopped');
  assert.equal(statusFrom(facts({ hasInit: true, initAlive: true, frozen: true })), 'paused');
  assert.equal(statusFrom(facts({ hasInit: true, initAlive: true, frozen: false, awaitingStart: true })), 'created');
  assert.equal(statusFrom(facts({ hasInit: true, initAlive: true, frozen: false, awaitingStart: false })), 'running');
  assert.ok(!asked.includes('frozen') || asked.indexOf('initAlive') < asked.indexOf('frozen'), 'a dead init is not asked about its cgroup');
});

test('refusals are typed errors with the words engines look for', () => {
  assert.throws(() => assertAllowed('c1', 'kill', 'stopped'), (e: unknown) => e instanceof InvalidStateError && /container not running/.test(e.message) && e.code === 'ERR_INVALID_STATE');
  assert.throws(() => assertAllowed('c1', 'start', 'running'), /must be "created"/);
  assert.throws(() => assertAllowed('c1', 'delete', 'running'), /stop it first or use force/);
  assert.doesNotThrow(() => assertAllowed('c1', 'start', 'created'));
  assert.throws(() => assertAllowed('c1', 'exec', 'stopped'), /container not running/);
  assert.throws(() => assertAllowed('c1', 'exec', 'created'), /must be running/);
  assert.throws(() => assertAllowed('c1', 'exec', 'paused'), /--ignore-paused/);
  assert.doesNotThrow(() => assertAllowed('c1', 'execIgnoringPause', 'paused'));
  assert.throws(() => assertAllowed('c1', 'pause', 'stopped'), /container not running/);
  assert.throws(() => assertAllowed('c1', 'resume', 'running'), /container not paused/);
  assert.throws(() => assertAllowed('c1', 'start', 'paused'), /must be "created"/);
});

test('container ids', () => {
  for (const ok of ['a', 'abc-DEF_1.2+3', 'x'.repeat(64)]) assert.equal(validateId(ok), ok);
  for (const bad of ['', '.', '..', 'a/b', '../x', 'a b', 'a\nb', 'é']) {
    assert.throws(() => validateId(bad), (e: unknown) => e instanceof InvalidIdError && e.code === 'ERR_INVALID_ID', JSON.stringify(bad));
  }
});

test('signals by number, bare name, SIG name, any case', () => {
  assert.equal(parseSignal('9'), 9);
  assert.equal(parseSignal('KILL'), 9);
  assert.equal(parseSignal('SIGKILL'), 9);
  assert.equal(parseSignal('term'), 15);
  assert.equal(parseSignal(15), 15);
  assert.equal(parseSignal('SIGRTMIN+1'), 35);
  assert.equal(parseSignal('RTMAX'), 64);
  assert.throws(() => parseSignal('NOPE'), /invalid signal/);
  assert.throws(() => parseSignal('0'), /invalid signal/);
  assert.throws(() => parseSignal('65'), /invalid signal/);
});

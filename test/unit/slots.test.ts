// The slots that bound the runtime's work on libuv's pool (clones):
// never more than their size at once, the rest in order, and a failure
// frees its slot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Slots } from '../../lib/native/pool';

function deferred(): { promise: Promise<void>; resolve(): void; reject(err: Error): void } {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('at most `size` run at once; the others start in order as slots free', async () => {
  const slots = new Slots(2);
  const gates = Array.from({ length: 5 }, deferred);
  const started: number[] = [];
  const runs = gates.map((g, i) =>
    slots.run(async () => {
      started.push(i);
      await g.promise;
      return i;
    }),
  );
  await tick();
  assert.deepEqual(started, [0, 1]);
  gates[1].resolve();
  await tick();
  assert.deepEqual(started, [0, 1, 2]);
  gates[0].resolve();
  gates[2].resolve();
  await tick();
  assert.deepEqual(started, [0, 1, 2, 3, 4]);
  gates[3].resolve();
  gates[4].resolve();
  assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3, 4]);
});

test('a failed run frees its slot for the next', async () => {
  const slots = new Slots(1);
  const gate = deferred();
  const failing = slots.run(async () => {
    await gate.promise;
  });
  let ran = false;
  const next = slots.run(async () => {
    ran = true;
  });
  await tick();
  assert.equal(ran, false);
  gate.reject(new Error('clone failed'));
  await assert.rejects(failing, /clone failed/);
  await next;
  assert.equal(ran, true);
  // And the slot is free again afterwards.
  assert.equal(await slots.run(async () => 7), 7);
});

/**
 * linux.timeOffsets: a new time namespace whose offsets the spawner writes
 * before the init enters it, checked from inside with clock_gettime
 * (CLOCK_MONOTONIC, CLOCK_BOOTTIME), as root and rootless. Offsets the
 * kernel refuses fail create naming the field, and leave nothing behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Container } from '../../lib';
import type { Spec } from '../../lib/config/types';
import { childProcesses } from '../helpers/leaks';
import { runProbe, uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';

const suite = systemSuite();
const { skip } = suite;

const DAY = 86_400;

function hostClocks(): { monotonic: number; boottime: number } {
  // /proc/uptime is CLOCK_BOOTTIME; the monotonic clock is not above it.
  const boottime = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  return { monotonic: boottime, boottime };
}

async function clocks(edit: (spec: Spec) => void): Promise<{ monotonic: number; boottime: number; timeNs?: string }> {
  const bundle = suite.bundle({ edit });
  const res = await runProbe(bundle, { root: suite.root, args: ['/probe', 'clock'] });
  assert.equal(res.exit.exitCode, 0, `${res.stdout} ${res.stderr}`);
  return JSON.parse(res.stdout) as { monotonic: number; boottime: number };
}

test('a new time namespace with offsets: the clocks inside are moved', { skip }, async () => {
  const before = hostClocks();
  const inside = await clocks((s) => {
    s.linux!.namespaces!.push({ type: 'time' });
    s.linux!.timeOffsets = { monotonic: { secs: 10 * DAY }, boottime: { secs: 20 * DAY, nanosecs: 500 } };
  });
  const after = hostClocks();
  // Each clock is the host's plus its offset: between the host's readings around the run, shifted.
  assert.ok(inside.monotonic >= 10 * DAY && inside.monotonic <= after.monotonic + 10 * DAY + 1, JSON.stringify(inside));
  assert.ok(inside.boottime >= Math.floor(before.boottime) + 20 * DAY && inside.boottime <= after.boottime + 20 * DAY + 1, JSON.stringify(inside));
});

test('a negative offset, and a new time namespace without offsets', { skip }, async () => {
  const host = hostClocks();
  const inside = await clocks((s) => {
    s.linux!.namespaces!.push({ type: 'time' });
    s.linux!.timeOffsets = { boottime: { secs: -Math.floor(host.boottime / 2) } };
  });
  assert.ok(inside.boottime < host.boottime - host.boottime / 2 + 5, JSON.stringify(inside));
  const plain = await clocks((s) => s.linux!.namespaces!.push({ type: 'time' }));
  assert.ok(plain.boottime >= Math.floor(host.boottime) && plain.boottime < host.boottime + 60);
});

test('offsets the kernel refuses fail create naming the field, leaving nothing', { skip }, async () => {
  // A boottime before boot: ERANGE from the kernel.
  const bundle = suite.bundle({
    edit: (s) => {
      s.linux!.namespaces!.push({ type: 'time' });
      s.linux!.timeOffsets = { boottime: { secs: -100 * 365 * DAY } };
    },
  });
  await assert.rejects(Container.create({ id: uniqueId(), bundle: bundle.dir, root: suite.root }), (err: Error) => {
    assert.match(err.message, /\/linux\/timeOffsets/);
    assert.match(err.message, /ERANGE|out of range/i);
    return true;
  });
  assert.deepEqual(fs.readdirSync(suite.root), []);
  assert.deepEqual(childProcesses(), []);
});

test('config errors: an unknown clock, offsets without a new time namespace', { skip }, async () => {
  for (const [edit, message] of [
    [(s: Spec) => (s.linux!.namespaces!.push({ type: 'time' }), (s.linux!.timeOffsets = { realtime: { secs: 1 } })), /\/linux\/timeOffsets\/realtime: unknown clock/],
    [(s: Spec) => (s.linux!.timeOffsets = { monotonic: { secs: 1 } }), /\/linux\/timeOffsets: time offsets specified, but no time namespace/],
    [
      (s: Spec) => (s.linux!.namespaces!.push({ type: 'time', path: '/proc/self/ns/time' }), (s.linux!.timeOffsets = { monotonic: { secs: 1 } })),
      /\/linux\/timeOffsets: cannot offset the clocks of a time namespace that is joined/,
    ],
  ] as const) {
    const bundle = suite.bundle({ edit });
    await assert.rejects(Container.create({ id: uniqueId(), bundle: bundle.dir, root: suite.root }), message);
    assert.deepEqual(fs.readdirSync(suite.root), []);
  }
});

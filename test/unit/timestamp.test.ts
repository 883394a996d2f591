/**
 * The `created` timestamp (lib/state/timestamp.ts): one clock, so successive
 * containers are ordered, and a wall-clock time that parses as now.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nowNanos, rfc3339Nano } from '../../lib/state/timestamp';

const FORMAT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/;

test('1000 successive timestamps never decrease and each parses as the wall-clock time it was made at', () => {
  let previous = -1n;
  let previousText = '';
  for (let i = 0; i < 1000; i++) {
    const before = Date.now();
    const ns = nowNanos();
    const after = Date.now();
    const text = rfc3339Nano(ns);
    assert.match(text, FORMAT);
    assert.ok(ns >= previous, `${ns} after ${previous}`);
    // Same width everywhere, so the text orders as the number does (what `list` sorts by).
    assert.ok(text >= previousText, `${text} after ${previousText}`);
    // The fraction is of the same clock as the seconds: the old hrtime fraction was off by up to a second.
    // 100 ms leaves room for the wall clock being slewed (NTP) since this process started.
    const parsed = Date.parse(text);
    assert.ok(parsed >= before - 100 && parsed <= after + 100, `${text} (${parsed}) not within [${before}, ${after}]`);
    previous = ns;
    previousText = text;
  }
});

test('a timestamp keeps every nanosecond and pads the fraction', () => {
  assert.equal(rfc3339Nano(1_765_138_217_000_000_042n), '2025-12-07T20:10:17.000000042Z');
  assert.equal(rfc3339Nano(1_765_138_217_123_456_789n), '2025-12-07T20:10:17.123456789Z');
  assert.equal(rfc3339Nano(0n), '1970-01-01T00:00:00.000000000Z');
});

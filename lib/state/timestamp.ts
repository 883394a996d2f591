/**
 * The `created` timestamp of a container (state.json, `kapsel state`,
 * `kapsel list`): RFC 3339 with nanoseconds, as runc writes it.
 *
 * One clock: performance's monotonic clock, anchored once to the wall clock
 * when the process started (performance.timeOrigin, microsecond precision).
 * Gluing Date.now()'s milliseconds to the nanoseconds of an unrelated clock
 * (process.hrtime) made the fraction jump around within a second, so two
 * containers created one after the other could be ordered backwards. Here
 * successive timestamps of a process never decrease, and those of
 * different processes (one CLI call each) are ordered to within the
 * anchor's microsecond. The cost: a wall-clock step (settimeofday, an NTP
 * jump) after the process started is not seen, which does not matter for a
 * CLI call and is a bounded offset for a long-lived library user.
 */

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;

/** Wall-clock nanoseconds since the epoch, from the one monotonic clock. */
export function nowNanos(): bigint {
  return BigInt(Math.round(performance.timeOrigin * 1000)) * 1000n + BigInt(Math.round(performance.now() * 1e6));
}

/** `ns` (nanoseconds since the epoch) as "2026-12-07T20:10:17.123456789Z". */
export function rfc3339Nano(ns: bigint = nowNanos()): string {
  const seconds = ns / NS_PER_S;
  const fraction = String(ns % NS_PER_S).padStart(9, '0');
  return new Date(Number((seconds * NS_PER_S) / NS_PER_MS)).toISOString().replace(/\.\d+Z$/, `.${fraction}Z`);
}

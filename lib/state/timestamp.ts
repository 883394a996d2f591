/**
 * The `created` timestamp of a container (state.json, `kapsel state`,
 * `kapsel list`): RFC 3339 with nanoseconds, as runc writes it.
 *
 * One clock: the monotonic clock (process.hrtime), anchored once to the
 * wall clock (Date.now()) at the first timestamp of the process. Gluing
 * Date.now()'s milliseconds to the nanoseconds of an unrelated clock made
 * the fraction jump around within a second, so two containers created one
 * after the other could be ordered backwards. Here successive timestamps
 * of a process never decrease, and those of different processes (one CLI
 * call each, tens of ms apart) are ordered to within the anchor's
 * millisecond. Not performance.timeOrigin (a microsecond anchor): the
 * global `performance` loads perf_hooks, ~10 modules outside Node's
 * start-up snapshot, in every CLI create. The cost: a wall-clock step
 * (settimeofday, an NTP jump) after the anchor is not seen, which does not
 * matter for a CLI call and is a bounded offset for a long-lived library
 * user.
 */

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;

/** The wall clock and the monotonic clock at the same moment (the first timestamp). */
let anchor: { wall: bigint; mono: bigint } | undefined;

/** Wall-clock nanoseconds since the epoch, from the one monotonic clock. */
export function nowNanos(): bigint {
  anchor ??= { wall: BigInt(Date.now()) * NS_PER_MS, mono: process.hrtime.bigint() };
  return anchor.wall + (process.hrtime.bigint() - anchor.mono);
}

/** `ns` (nanoseconds since the epoch) as "2026-12-07T20:10:17.123456789Z". */
export function rfc3339Nano(ns: bigint = nowNanos()): string {
  const seconds = ns / NS_PER_S;
  const fraction = String(ns % NS_PER_S).padStart(9, '0');
  return new Date(Number((seconds * NS_PER_S) / NS_PER_MS)).toISOString().replace(/\.\d+Z$/, `.${fraction}Z`);
}

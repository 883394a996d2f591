/**
 * linux.timeOffsets (config-linux.md, time_namespaces(7)): a time namespace
 * offsets two clocks only, and only one the container creates — a joined
 * namespace has processes in it already, and the kernel accepts offsets
 * only before the first one enters.
 */
import { InvalidConfigError } from '../errors';
import { pointerSegment } from './pointer';
import type { LinuxTimeOffset } from './types';

/** The clocks a time namespace offsets, by the names timens_offsets takes. */
export const TIME_NAMESPACE_CLOCKS = ['monotonic', 'boottime'] as const;

/** The kernel's KTIME_SEC_MAX: an offset beyond it is ERANGE. */
const KTIME_SEC_MAX = Math.floor(2 ** 63 / 1e9);

export function checkTimeOffsets(offsets: Record<string, LinuxTimeOffset> | undefined, timeNamespace: { path?: string } | undefined): void {
  if (!offsets || Object.keys(offsets).length === 0) return;
  if (timeNamespace?.path) {
    throw new InvalidConfigError('/linux/timeOffsets', 'cannot offset the clocks of a time namespace that is joined (only of a new one)');
  }
  for (const [clock, offset] of Object.entries(offsets)) {
    const at = `/linux/timeOffsets/${pointerSegment(clock)}`;
    if (!(TIME_NAMESPACE_CLOCKS as readonly string[]).includes(clock)) {
      throw new InvalidConfigError(at, `unknown clock "${clock}": a time namespace offsets "monotonic" and "boottime"`);
    }
    if (offset.nanosecs !== undefined && offset.nanosecs >= 1e9) {
      throw new InvalidConfigError(`${at}/nanosecs`, 'must be below 1000000000');
    }
    if (offset.secs !== undefined && Math.abs(offset.secs) > KTIME_SEC_MAX / 2) {
      throw new InvalidConfigError(`${at}/secs`, `must be within ±${Math.floor(KTIME_SEC_MAX / 2)} seconds`);
    }
  }
}

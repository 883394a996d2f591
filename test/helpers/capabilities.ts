/** Capability sets as /proc/PID/status prints them (CapBnd: 00000000000004e3). */
import * as C from '../../lib/native/constants';

/** The 16-digit hex mask of capability names, as in the Cap* lines of /proc/PID/status. */
export function capHex(names: readonly string[] = []): string {
  let mask = 0n;
  for (const name of names) mask |= 1n << BigInt(C.CAPABILITIES[name]);
  return mask.toString(16).padStart(16, '0');
}

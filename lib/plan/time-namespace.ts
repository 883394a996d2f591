/**
 * linux.timeOffsets of a new time namespace (time_namespaces(7)). The
 * offsets can only be written while no process is in the namespace, so the
 * spawner does it (native/addon/spawn.cc): the final child unshares the
 * namespace, writes these lines to its timens_offsets and execs the init,
 * which the exec moves into the namespace. The init's first step checks
 * that it got there.
 */
import type { ValidSpec } from '../config/valid';
import { InvalidConfigError } from '../errors';
import type { NamespacePlan } from './namespaces';
import type { Step } from './steps';

/** The text of timens_offsets: one "<clock> <secs> <nanosecs>" line per configured clock. */
export function timeOffsetsText(spec: ValidSpec): string {
  return Object.entries(spec.linux?.timeOffsets ?? {})
    .map(([clock, offset]) => `${clock} ${offset.secs ?? 0} ${offset.nanosecs ?? 0}\n`)
    .join('');
}

/** The check that the init is in the new time namespace, first of all steps. */
export function timeNamespaceSteps(ns: Pick<NamespacePlan, 'created'>): Step[] {
  return ns.created.has('time') ? [{ op: 'check-timens' }] : [];
}

/** Where the spawner writes the offsets: a failure there is the config's offsets. */
export const TIME_OFFSETS_FILE = '/proc/self/timens_offsets';

/**
 * The spawner's failure to write the offsets, as the config error it is
 * (ERANGE: a clock would go below zero or too far; EINVAL: a clock or
 * value the kernel does not take); any other error is returned as it is.
 */
export function timeOffsetsError(err: unknown): unknown {
  const e = err as { path?: unknown; code?: unknown; syscall?: unknown };
  if (e?.path !== TIME_OFFSETS_FILE || e.syscall !== 'write') return err;
  const why = e.code === 'ERANGE' ? 'a clock would go below zero or out of range' : `refused by the kernel (${String(e.code)})`;
  return new InvalidConfigError('/linux/timeOffsets', `write ${TIME_OFFSETS_FILE}: ${String(e.code)}: ${why}`);
}

/**
 * The names behind the numbers of a plan: mount(2) and mount_setattr(2)
 * flags, clone flags, capabilities, seccomp filter flags and the small
 * enumerations of the scheduling and kernel-setting steps. A printed plan
 * (plan/format.ts) shows `MS_NOSUID|MS_NODEV` where the wire has 6, so
 * that a reader, a review and a test snapshot see what the kernel is
 * asked for. Tables only: the values are the ones the plan compiler uses.
 */
import { checkArgs, int, object, string, type Guard } from '../args';
import { ArgumentValueError } from '../errors';
import { FLAGS as SECCOMP_CONFIG_FLAGS, SECCOMP_FILTER_FLAG_NEW_LISTENER } from '../config/seccomp/names';
import { MEMORY_POLICY_FLAGS, MEMORY_POLICY_MODES } from '../config/process-attrs';
import * as C from '../native/constants';
import { PERSONALITIES } from './kernel-settings';
import * as A from './mount-options';
import { IOPRIO_CLASSES, SCHED_FLAGS, SCHED_POLICIES } from './scheduling';

/** A table of names: each name's bit (or value). */
export type NameTable = Readonly<Record<string, number>>;

/** mount(2) MS_* flags (also the propagation of a setattr step). */
export const MOUNT_FLAGS: NameTable = {
  MS_RDONLY: C.MS_RDONLY,
  MS_NOSUID: C.MS_NOSUID,
  MS_NODEV: C.MS_NODEV,
  MS_NOEXEC: C.MS_NOEXEC,
  MS_SYNCHRONOUS: C.MS_SYNCHRONOUS,
  MS_REMOUNT: C.MS_REMOUNT,
  MS_MANDLOCK: C.MS_MANDLOCK,
  MS_DIRSYNC: C.MS_DIRSYNC,
  MS_NOSYMFOLLOW: C.MS_NOSYMFOLLOW,
  MS_NOATIME: C.MS_NOATIME,
  MS_NODIRATIME: C.MS_NODIRATIME,
  MS_BIND: C.MS_BIND,
  MS_MOVE: C.MS_MOVE,
  MS_REC: C.MS_REC,
  MS_SILENT: C.MS_SILENT,
  MS_UNBINDABLE: C.MS_UNBINDABLE,
  MS_PRIVATE: C.MS_PRIVATE,
  MS_SLAVE: C.MS_SLAVE,
  MS_SHARED: C.MS_SHARED,
  MS_RELATIME: C.MS_RELATIME,
  MS_STRICTATIME: C.MS_STRICTATIME,
  MS_LAZYTIME: C.MS_LAZYTIME,
};

/** mount_setattr(2) MOUNT_ATTR_* bits (MOUNT_ATTR_RELATIME is 0: the absence of the others). */
export const MOUNT_ATTRS: NameTable = {
  MOUNT_ATTR_RDONLY: A.MOUNT_ATTR_RDONLY,
  MOUNT_ATTR_NOSUID: A.MOUNT_ATTR_NOSUID,
  MOUNT_ATTR_NODEV: A.MOUNT_ATTR_NODEV,
  MOUNT_ATTR_NOEXEC: A.MOUNT_ATTR_NOEXEC,
  MOUNT_ATTR_NOATIME: A.MOUNT_ATTR_NOATIME,
  MOUNT_ATTR_STRICTATIME: A.MOUNT_ATTR_STRICTATIME,
  MOUNT_ATTR_NODIRATIME: A.MOUNT_ATTR_NODIRATIME,
  MOUNT_ATTR_NOSYMFOLLOW: A.MOUNT_ATTR_NOSYMFOLLOW,
};

/** clone(2)/unshare(2) CLONE_NEW* flags. */
export const CLONE_FLAGS: NameTable = {
  CLONE_NEWNS: C.CLONE_NEWNS,
  CLONE_NEWCGROUP: C.CLONE_NEWCGROUP,
  CLONE_NEWUTS: C.CLONE_NEWUTS,
  CLONE_NEWIPC: C.CLONE_NEWIPC,
  CLONE_NEWUSER: C.CLONE_NEWUSER,
  CLONE_NEWPID: C.CLONE_NEWPID,
  CLONE_NEWNET: C.CLONE_NEWNET,
  CLONE_NEWTIME: C.CLONE_NEWTIME,
};

/** seccomp(2) SECCOMP_FILTER_FLAG_* bits, the one the init adds for a notify listener included. */
export const SECCOMP_FILTER_FLAGS: NameTable = { ...SECCOMP_CONFIG_FLAGS, SECCOMP_FILTER_FLAG_NEW_LISTENER };

/** Capability numbers by name, as the OCI config names them. */
export const CAPABILITIES: NameTable = C.CAPABILITIES;

export { IOPRIO_CLASSES, MEMORY_POLICY_FLAGS, MEMORY_POLICY_MODES, PERSONALITIES, SCHED_FLAGS, SCHED_POLICIES };

/** A 32-bit flag word (mount, clone, seccomp and scheduling flags are all 32 bits wide). */
const FLAG_WORD = int(0, 2 ** 32 - 1);
/** An enumeration's value: int32 ones (SCHED_*) and uint32 ones (personalities) alike. */
const ENUM_VALUE = int(-(2 ** 31), 2 ** 32 - 1);
const NAME_TABLE = object();
/** Permission bits only (a plan's modes are masked with 07777): a file type's bits are not a chmod mode. */
const MODE_BITS = int(0, 0o7777);

/** A 64-bit mask as a plan carries it: decimal text (BigInt would take "0x10", " 1" or "-1" and print nonsense). */
const U64_TEXT: Guard = (value, name) => {
  string(value, name);
  if (!/^\d{1,20}$/.test(value as string) || BigInt(value as string) >= 2n ** 64n) throw new ArgumentValueError(name, 'a decimal integer from 0 to 2^64-1', value);
};

/**
 * `value` as the names of its bits, in the table's order and joined by
 * "|": `MS_NOSUID|MS_NODEV`. "0" when no bit is set; bits the table does
 * not name are kept, in hex, so that nothing is hidden.
 */
export function flagNames(value: number, table: NameTable): string {
  checkArgs([value, 'value', FLAG_WORD], [table, 'table', NAME_TABLE]);
  const names: string[] = [];
  let rest = value >>> 0;
  for (const [name, bit] of Object.entries(table)) {
    if (bit !== 0 && (rest & bit) === bit) {
      names.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest !== 0) names.push(`0x${rest.toString(16)}`);
  return names.length > 0 ? names.join('|') : '0';
}

/** The name of an enumeration's value (the first with it), or the number itself when it has none. */
export function valueName(value: number, table: NameTable): string {
  checkArgs([value, 'value', ENUM_VALUE], [table, 'table', NAME_TABLE]);
  return Object.entries(table).find(([, v]) => v === value)?.[0] ?? String(value);
}

/**
 * A capability mask (decimal text, as a plan carries 64-bit values) as
 * the names of its capabilities in number order, joined by "|"; "0" for
 * none, unknown bits as a hex remainder.
 */
export function capabilityNames(mask: string): string {
  checkArgs([mask, 'mask', U64_TEXT]);
  let rest = BigInt(mask);
  const names: string[] = [];
  for (const [name, bit] of Object.entries(CAPABILITIES).sort(([, a], [, b]) => a - b)) {
    const flag = 1n << BigInt(bit);
    if ((rest & flag) !== 0n) {
      names.push(name);
      rest &= ~flag;
    }
  }
  if (rest !== 0n) names.push(`0x${rest.toString(16)}`);
  return names.length > 0 ? names.join('|') : '0';
}

/** A file mode in octal, as chmod takes it: `0755`, `0666`, `01777`. */
export function octalMode(mode: number): string {
  checkArgs([mode, 'mode', MODE_BITS]);
  return `0${mode.toString(8).padStart(3, '0')}`;
}

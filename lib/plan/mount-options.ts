/**
 * Parses an OCI mount's `options` into mount(2) flags, propagation flags,
 * mount_setattr(2) attributes and the filesystem data string, the way runc
 * and crun read them. Unknown options are filesystem data ("size=64k").
 */
import * as C from '../native/constants';

export const MOUNT_ATTR_RDONLY = 0x1;
export const MOUNT_ATTR_NOSUID = 0x2;
export const MOUNT_ATTR_NODEV = 0x4;
export const MOUNT_ATTR_NOEXEC = 0x8;
export const MOUNT_ATTR__ATIME = 0x70;
export const MOUNT_ATTR_RELATIME = 0x0;
export const MOUNT_ATTR_NOATIME = 0x10;
export const MOUNT_ATTR_STRICTATIME = 0x20;
export const MOUNT_ATTR_NODIRATIME = 0x80;
export const MOUNT_ATTR_NOSYMFOLLOW = 0x200000;

export interface ParsedMountOptions {
  /** mount(2) flags for a new (non-bind) mount. */
  flags: number;
  /** MS_BIND, with MS_REC for rbind. */
  bind: boolean;
  recursiveBind: boolean;
  /** MS_SHARED/MS_SLAVE/... (with MS_REC for the r- forms), 0 when none. */
  propagation: number;
  /** Attributes for mount_setattr on the top mount (bind mounts). */
  attrSet: number;
  attrClear: number;
  /** Attributes applied recursively ("rro", "rnosuid", ...). */
  recursiveAttrSet: number;
  recursiveAttrClear: number;
  /** Comma-joined filesystem-specific options. */
  data: string;
  /** runc's and crun's "tmpcopyup": fill a new tmpfs with the directory it covers. */
  copyUp: boolean;
}

type FlagEffect = { set?: number; clear?: number; attrSet?: number; attrClear?: number };

const FLAG_OPTIONS: Record<string, FlagEffect> = {
  ro: { set: C.MS_RDONLY, attrSet: MOUNT_ATTR_RDONLY },
  rw: { clear: C.MS_RDONLY, attrClear: MOUNT_ATTR_RDONLY },
  nosuid: { set: C.MS_NOSUID, attrSet: MOUNT_ATTR_NOSUID },
  suid: { clear: C.MS_NOSUID, attrClear: MOUNT_ATTR_NOSUID },
  nodev: { set: C.MS_NODEV, attrSet: MOUNT_ATTR_NODEV },
  dev: { clear: C.MS_NODEV, attrClear: MOUNT_ATTR_NODEV },
  noexec: { set: C.MS_NOEXEC, attrSet: MOUNT_ATTR_NOEXEC },
  exec: { clear: C.MS_NOEXEC, attrClear: MOUNT_ATTR_NOEXEC },
  sync: { set: C.MS_SYNCHRONOUS },
  async: { clear: C.MS_SYNCHRONOUS },
  dirsync: { set: C.MS_DIRSYNC },
  mand: { set: C.MS_MANDLOCK },
  nomand: { clear: C.MS_MANDLOCK },
  remount: { set: C.MS_REMOUNT },
  silent: { set: C.MS_SILENT },
  loud: { clear: C.MS_SILENT },
  noatime: { set: C.MS_NOATIME, attrSet: MOUNT_ATTR_NOATIME, attrClear: MOUNT_ATTR__ATIME },
  atime: { clear: C.MS_NOATIME },
  nodiratime: { set: C.MS_NODIRATIME, attrSet: MOUNT_ATTR_NODIRATIME },
  diratime: { clear: C.MS_NODIRATIME, attrClear: MOUNT_ATTR_NODIRATIME },
  relatime: { set: C.MS_RELATIME, attrSet: MOUNT_ATTR_RELATIME, attrClear: MOUNT_ATTR__ATIME },
  norelatime: { clear: C.MS_RELATIME },
  strictatime: { set: C.MS_STRICTATIME, attrSet: MOUNT_ATTR_STRICTATIME, attrClear: MOUNT_ATTR__ATIME },
  nostrictatime: { clear: C.MS_STRICTATIME },
  lazytime: { set: C.MS_LAZYTIME },
  nolazytime: { clear: C.MS_LAZYTIME },
  nosymfollow: { set: C.MS_NOSYMFOLLOW, attrSet: MOUNT_ATTR_NOSYMFOLLOW },
  symfollow: { clear: C.MS_NOSYMFOLLOW, attrClear: MOUNT_ATTR_NOSYMFOLLOW },
};

const RECURSIVE_OPTIONS: Record<string, { set?: number; clear?: number }> = {
  rro: { set: MOUNT_ATTR_RDONLY },
  rrw: { clear: MOUNT_ATTR_RDONLY },
  rnosuid: { set: MOUNT_ATTR_NOSUID },
  rsuid: { clear: MOUNT_ATTR_NOSUID },
  rnodev: { set: MOUNT_ATTR_NODEV },
  rdev: { clear: MOUNT_ATTR_NODEV },
  rnoexec: { set: MOUNT_ATTR_NOEXEC },
  rexec: { clear: MOUNT_ATTR_NOEXEC },
  rnodiratime: { set: MOUNT_ATTR_NODIRATIME },
  rdiratime: { clear: MOUNT_ATTR_NODIRATIME },
  rrelatime: { set: MOUNT_ATTR_RELATIME, clear: MOUNT_ATTR__ATIME },
  rnorelatime: { clear: MOUNT_ATTR__ATIME },
  rnoatime: { set: MOUNT_ATTR_NOATIME, clear: MOUNT_ATTR__ATIME },
  ratime: { clear: MOUNT_ATTR__ATIME },
  rstrictatime: { set: MOUNT_ATTR_STRICTATIME, clear: MOUNT_ATTR__ATIME },
  rnosymfollow: { set: MOUNT_ATTR_NOSYMFOLLOW },
  rsymfollow: { clear: MOUNT_ATTR_NOSYMFOLLOW },
};

const PROPAGATION_OPTIONS: Record<string, number> = {
  private: C.MS_PRIVATE,
  rprivate: C.MS_PRIVATE | C.MS_REC,
  shared: C.MS_SHARED,
  rshared: C.MS_SHARED | C.MS_REC,
  slave: C.MS_SLAVE,
  rslave: C.MS_SLAVE | C.MS_REC,
  unbindable: C.MS_UNBINDABLE,
  runbindable: C.MS_UNBINDABLE | C.MS_REC,
};

/** Id-mapping options: never filesystem data; plan/idmap-mounts.ts applies them. */
const IDMAP_OPTIONS = ['idmap', 'ridmap'];

/** Every option name the parser gives a meaning (the rest is filesystem data). */
export const MOUNT_OPTION_NAMES: readonly string[] = [
  'bind',
  'rbind',
  'tmpcopyup',
  ...IDMAP_OPTIONS,
  ...Object.keys(FLAG_OPTIONS),
  ...Object.keys(RECURSIVE_OPTIONS),
  ...Object.keys(PROPAGATION_OPTIONS),
].sort();

export function parseMountOptions(options: readonly string[] = []): ParsedMountOptions {
  const parsed: ParsedMountOptions = {
    flags: 0,
    bind: false,
    recursiveBind: false,
    propagation: 0,
    attrSet: 0,
    attrClear: 0,
    recursiveAttrSet: 0,
    recursiveAttrClear: 0,
    data: '',
    copyUp: false,
  };
  const data: string[] = [];
  for (const option of options) {
    if (option === 'tmpcopyup') {
      parsed.copyUp = true;
      continue;
    }
    if (option === 'bind' || option === 'rbind') {
      parsed.bind = true;
      parsed.recursiveBind ||= option === 'rbind';
      continue;
    }
    if (IDMAP_OPTIONS.includes(option)) continue;
    const flag = FLAG_OPTIONS[option];
    if (flag) {
      parsed.flags = (parsed.flags | (flag.set ?? 0)) & ~(flag.clear ?? 0);
      parsed.attrClear = (parsed.attrClear | (flag.attrClear ?? 0)) & ~(flag.attrSet ?? 0);
      parsed.attrSet = (parsed.attrSet | (flag.attrSet ?? 0)) & ~(flag.attrClear ?? 0);
      continue;
    }
    const recursive = RECURSIVE_OPTIONS[option];
    if (recursive) {
      parsed.recursiveAttrClear = (parsed.recursiveAttrClear | (recursive.clear ?? 0)) & ~(recursive.set ?? 0);
      parsed.recursiveAttrSet = (parsed.recursiveAttrSet | (recursive.set ?? 0)) & ~(recursive.clear ?? 0);
      continue;
    }
    const propagation = PROPAGATION_OPTIONS[option];
    if (propagation !== undefined) {
      parsed.propagation = propagation;
      continue;
    }
    data.push(option);
  }
  // The atime mode is a field, not a bit: clearing it must accompany any set.
  if (parsed.attrSet & MOUNT_ATTR__ATIME || parsed.attrClear & MOUNT_ATTR__ATIME) {
    parsed.attrClear |= MOUNT_ATTR__ATIME;
  }
  parsed.data = data.join(',');
  return parsed;
}

/** Propagation flags for linux.rootfsPropagation ("rslave", ...). */
export function propagationFlags(name: string): number | undefined {
  return PROPAGATION_OPTIONS[name];
}

/**
 * Where a container's cgroups go: linux.cgroupsPath resolved against the
 * detected layout into one directory per hierarchy.
 *
 * - Absolute ("/libpod_parent/libpod-ID", containerd's "/default/ID"):
 *   relative to each hierarchy's mount point (its root, or the part of it
 *   this mount namespace sees).
 * - Relative ("machine/ID"): under the runtime's own cgroup on v1 (each
 *   hierarchy's line of /proc/self/cgroup); on cgroup2 under the PARENT of
 *   the runtime's own cgroup, because the own one holds the runtime itself
 *   and a cgroup2 cgroup with processes cannot enable controllers for its
 *   children (runc's choice, for the same reason).
 * - Missing: the relative path "<id>", as runc.
 * - ".." that would climb above its starting point is refused (runc clamps
 *   it silently; a path that means something else than it says is a
 *   config error here).
 * - With --systemd-cgroup (the systemd driver, systemd.ts) cgroupsPath is
 *   "slice:prefix:name": the scope unit's cgroup, where systemd puts it,
 *   resolved as an absolute path. It needs a running systemd: without one
 *   it is refused with runc's message.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidConfigError, NotSupportedError } from '../errors';
import type { CgroupLayout } from './layout';
import { systemdScope, type SystemdScope } from './systemd';

/** Where each hierarchy's cgroup of the container is. */
export interface CgroupTarget {
  /** v1 controller -> absolute directory (controllers sharing a hierarchy share it). */
  v1: Record<string, string>;
  /** The cgroup2 directory (pure v2, or the unified hierarchy of a hybrid host). */
  unified?: string;
  /** --systemd-cgroup: the scope unit systemd makes for these directories. */
  systemd?: SystemdScope;
}

const JSON_PATH = '/linux/cgroupsPath';

/** Normalizes "a/./b/../c" without ever climbing above the start; throws otherwise. */
function cleanSegments(p: string): string[] {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) throw new InvalidConfigError(JSON_PATH, `"${p}" climbs out of its cgroup hierarchy with ".."`);
      out.pop();
    } else out.push(seg);
  }
  return out;
}

/**
 * The on-disk directory of cgroup `cgroupPath` (a hierarchy path) in a
 * hierarchy mounted at mountPoint with root mountRoot; undefined when it
 * is outside the mounted part.
 */
function mountedDir(mountPoint: string, mountRoot: string, cgroupPath: string): string | undefined {
  const rel = path.posix.relative(mountRoot, cgroupPath);
  return rel.startsWith('..') ? undefined : path.posix.join(mountPoint, rel);
}

/** mountedDir, or NotSupportedError for a cgroup outside the mounted part. */
function onDisk(mountPoint: string, mountRoot: string, cgroupPath: string): string {
  const dir = mountedDir(mountPoint, mountRoot, cgroupPath);
  if (dir === undefined) {
    throw new NotSupportedError(`cgroup ${cgroupPath} is outside the mounted part (${mountRoot}) of its hierarchy at ${mountPoint}`);
  }
  return dir;
}

export interface ResolveOptions {
  /** --systemd-cgroup was given. */
  systemd?: boolean;
  /** Whether systemd runs on this host (default: /run/systemd/system exists, as sd_booted). */
  systemdRunning?: boolean;
  /** The runtime is rootless: its scope goes to its own `systemd --user` (default slice user.slice). */
  rootless?: boolean;
}

export function systemdIsRunning(): boolean {
  return fs.existsSync('/run/systemd/system');
}

/**
 * The directories for `cgroupsPath` of container `id`; `own` is the
 * runtime's /proc/self/cgroup (parseProcCgroup).
 */
export function resolveCgroupTarget(
  cgroupsPath: string | undefined,
  id: string,
  layout: CgroupLayout,
  own: Map<string, string>,
  options: ResolveOptions = {},
): CgroupTarget {
  let scope: SystemdScope | undefined;
  if (options.systemd) {
    const running = options.systemdRunning ?? systemdIsRunning();
    // runc's message.
    if (!running) throw new NotSupportedError('systemd not running on this host, cannot use systemd cgroups manager');
    // The user manager's scopes live below its own cgroup (user@UID.service), which this resolution does not
    // know yet: refused rather than run without the limits the caller asked systemd to hold.
    if (options.rootless) throw new NotSupportedError('--systemd-cgroup for a rootless runtime (systemd --user) is not supported yet (drop --systemd-cgroup)');
    const { cgroupPath, ...unit } = systemdScope(cgroupsPath, id, options.rootless ?? false);
    scope = unit;
    cgroupsPath = cgroupPath;
  }
  const given = cgroupsPath ?? '';
  if (!scope && /^[^/:]*:[^/:]*:[^/:]*$/.test(given)) {
    throw new InvalidConfigError(JSON_PATH, `"${given}" is a systemd "slice:prefix:name" path, which needs --systemd-cgroup (and systemd)`);
  }
  const inner = given === '' ? id : given;
  const absolute = inner.startsWith('/');
  const segments = cleanSegments(inner);
  if (segments.length === 0) throw new InvalidConfigError(JSON_PATH, `"${given}" names the root cgroup, which a container cannot own`);
  const within = (base: string): string => path.posix.join(base, ...segments);

  const v1: Record<string, string> = {};
  for (const [controller, h] of Object.entries(layout.v1)) {
    const base = absolute ? h.mountRoot : (own.get(controller) ?? h.mountRoot);
    v1[controller] = onDisk(h.mountPoint, h.mountRoot, within(base));
  }
  let unified: string | undefined;
  if (layout.unified) {
    const { mountPoint, mountRoot } = layout.unified;
    const base = absolute ? mountRoot : path.posix.dirname(own.get('') ?? mountRoot);
    unified = onDisk(mountPoint, mountRoot, within(path.posix.relative(mountRoot, base).startsWith('..') ? mountRoot : base));
  }
  return { v1, unified, ...(scope ? { systemd: scope } : {}) };
}

/**
 * The runtime's own cgroups (`own`, parseProcCgroup of /proc/self/cgroup)
 * as directories: where a container that gets no cgroup of its own
 * (rootless without a delegated one) stays. A hierarchy whose own cgroup
 * is outside its mounted part (a runtime in a cgroup namespace of its
 * own) has no directory here, and is left out.
 */
export function ownCgroupTarget(layout: CgroupLayout, own: Map<string, string>): CgroupTarget {
  const dirOf = (mountPoint: string, mountRoot: string, cgroupPath: string | undefined): string | undefined =>
    cgroupPath === undefined ? undefined : mountedDir(mountPoint, mountRoot, cgroupPath);
  const v1: Record<string, string> = {};
  for (const [controller, h] of Object.entries(layout.v1)) {
    const dir = dirOf(h.mountPoint, h.mountRoot, own.get(controller));
    if (dir !== undefined) v1[controller] = dir;
  }
  const unified = layout.unified ? dirOf(layout.unified.mountPoint, layout.unified.mountRoot, own.get('')) : undefined;
  return { v1, ...(unified !== undefined ? { unified } : {}) };
}

/**
 * A mount of type "cgroup": the container sees its own cgroups there, and
 * nothing else. Binding the host's /sys/fs/cgroup instead would show
 * every other container's cgroups (names, limits, usage; writable under a
 * "rw" mount), and, inside them, not its own limits where programs look
 * for them: the JVM, Go and Node runtimes read
 * /sys/fs/cgroup/memory/memory.limit_in_bytes (or memory.max), which was
 * the host root's "unlimited" (issue 17, item 1).
 *
 * - cgroup v1 (and hybrid) hosts: a tmpfs at the destination, and in it,
 *   per hierarchy the container is placed in (systemd's named one
 *   included), a directory with the host mount point's name ("memory",
 *   "cpu,cpuacct", "systemd") holding the container's cgroup, plus a link
 *   per co-mounted controller ("cpu" -> "cpu,cpuacct"), as runc lays it
 *   out. With a cgroup namespace each hierarchy is mounted afresh (the
 *   init entered the namespace first: the mount's root is the container's
 *   cgroup, "/" in mountinfo); without, the container's directory is
 *   bound (its root in mountinfo is the container's cgroup path).
 * - A hybrid host's cgroup2 hierarchy (/sys/fs/cgroup/unified) holds no
 *   limit of the container unless linux.resources.unified wrote some
 *   there (every controller of a hybrid host is a v1 one), so, as in runc,
 *   it is not mounted; with such files it is, as "unified", so that the
 *   container can read the limits it was given.
 * - Pure cgroup2 hosts: a fresh cgroup2 mount in a cgroup namespace (its
 *   root is the namespace's), else a bind of the container's cgroup.
 *
 * Read-only unless the mount's options say "rw" (the last of "ro"/"rw"
 * wins): a writable cgroup lets the container raise its own limits, so
 * only a config that asks for it gets one (runc makes a mount that names
 * neither writable; the default config says "ro"). Always nosuid, nodev,
 * noexec. Every step is an ordinary in-root step (steps.ts): the init
 * resolves each target beneath the root and mounts on its fd.
 */
import * as path from 'node:path';
import type { Mount } from '../config/types';
import * as C from '../native/constants';
import type { CgroupViewFacts } from './cgroup-view';
import { MOUNT_ATTR_NODEV, MOUNT_ATTR_NOEXEC, MOUNT_ATTR_NOSUID, MOUNT_ATTR_RDONLY, parseMountOptions } from './mount-options';
import { mountStep } from './mount-fields';
import type { Step } from './steps';

export interface CgroupMountContext {
  /** The container has a cgroup namespace (made by the init before its first mount, or joined). */
  cgroupNamespace: boolean;
  /** The host's /sys/fs/cgroup is one cgroup2 hierarchy. */
  cgroup2: boolean;
  /** The container's cgroups on this host; absent (hand-made facts): none is shown. */
  view: CgroupViewFacts | undefined;
  /** linux.resources.unified sets files: on a hybrid host they are in the cgroup2 hierarchy. */
  unifiedLimits: boolean;
}

/** The link names of co-mounted controllers ("cpu,cpuacct": "cpu" and "cpuacct"), none that is a hierarchy's own name. */
function controllerLinks(names: readonly string[]): Array<{ target: string; name: string }> {
  const links: Array<{ target: string; name: string }> = [];
  for (const target of names) {
    if (!target.includes(',')) continue;
    for (const name of target.split(',')) {
      if (name === '' || name === '.' || name === '..' || names.includes(name) || links.some((l) => l.name === name)) continue;
      links.push({ target, name });
    }
  }
  return links;
}

/**
 * The steps of config mount `mount` of type "cgroup" at container path
 * `dest`, up to its recursive attributes and propagation (rootfs.ts adds
 * those, as for every mount).
 */
export function cgroupMountSteps(mount: Mount, dest: string, ctx: CgroupMountContext): Step[] {
  const opts = parseMountOptions(mount.options);
  const writable = (mount.options ?? []).filter((o) => o === 'ro' || o === 'rw').pop() === 'rw';
  const safe = C.MS_NOSUID | C.MS_NODEV | C.MS_NOEXEC;
  // Flags of a new filesystem: the config's, with the safe ones and the read-only choice.
  const newFlags = ((opts.flags & ~(C.MS_REMOUNT | C.MS_RDONLY)) | safe) | (writable ? 0 : C.MS_RDONLY);
  const safeAttrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | (writable ? 0 : MOUNT_ATTR_RDONLY);
  const fresh = (fstype: string, source: string, target: string, data: string): Step => mountStep({ source, target, fstype, flags: newFlags, data, inContainer: true });
  const bind = (source: string, target: string): Step[] => [
    mountStep({ source, target, fstype: '', flags: C.MS_BIND | C.MS_REC, data: '', inContainer: true }),
    // A bind takes no flags: they are set on the new mount.
    { op: 'setattr', target, set: opts.attrSet | safeAttrs, clear: (opts.attrClear | (writable ? MOUNT_ATTR_RDONLY : 0)) & ~safeAttrs, propagation: 0, recursive: false },
  ];
  const steps: Step[] = [{ op: 'mkdir', path: dest, mode: 0o755 }];
  const view = ctx.view ?? { hierarchies: [] };
  if (ctx.cgroup2 && ctx.cgroupNamespace) {
    steps.push(fresh('cgroup2', 'cgroup2', dest, ''));
  } else if (ctx.cgroup2 && view.unified !== undefined) {
    steps.push(...bind(view.unified, dest));
  } else {
    // v1 and hybrid hosts (and a cgroup2 host whose cgroup of the container is not known: an empty directory).
    steps.push(mountStep({ source: 'tmpfs', target: dest, fstype: 'tmpfs', flags: newFlags & ~C.MS_RDONLY, data: 'mode=755', inContainer: true }));
    const dirs = ctx.cgroup2 ? [] : view.hierarchies.map((h) => ({ ...h, fstype: 'cgroup' }));
    if (!ctx.cgroup2 && ctx.unifiedLimits && view.unified !== undefined) dirs.push({ name: 'unified', options: '', directory: view.unified, fstype: 'cgroup2' });
    for (const h of dirs) {
      const target = path.posix.join(dest, h.name);
      steps.push({ op: 'mkdir', path: target, mode: 0o755 });
      if (ctx.cgroupNamespace) {
        // Rooted at the namespace's cgroup: the one the init was placed in before it made the namespace.
        steps.push(fresh(h.fstype, h.fstype, target, h.options));
      } else {
        steps.push(...bind(h.directory, target));
      }
    }
    for (const link of controllerLinks(dirs.map((h) => h.name))) steps.push({ op: 'symlink', target: link.target, path: path.posix.join(dest, link.name), replace: false });
    // Read-only once filled: nothing can be made beside the cgroups.
    if (!writable) steps.push({ op: 'setattr', target: dest, set: MOUNT_ATTR_RDONLY, clear: 0, propagation: 0, recursive: false });
  }
  return steps;
}

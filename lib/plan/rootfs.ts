/**
 * The filesystem part of the plan: mount propagation, the rootfs bind, the
 * config's mounts in order, /dev (default devices and symlinks), then —
 * after the hooks that must run before it — pivot_root, readonlyPaths,
 * maskedPaths and a read-only root.
 */
import * as path from 'node:path';
import type { LinuxDevice, Mount } from '../config/types';
import type { ValidSpec } from '../config/valid';
import * as C from '../native/constants';
import { hostSourcePath, type HostFacts } from './facts';
import { attachTreeStep } from './idmap-mounts';
import { MOUNT_ATTR_RDONLY, parseMountOptions, propagationFlags } from './mount-options';
import type { Step } from './steps';

export interface RootfsContext {
  spec: ValidSpec;
  bundle: string;
  rootfs: string;
  /** Devices cannot be created with mknod in a new user namespace: bind them from the host. */
  inUserNamespace: boolean;
  newCgroupNamespace: boolean;
  host: HostFacts;
}

/** runc's default devices, created in every container whose /dev is not bind-mounted. */
export const DEFAULT_DEVICES: Required<Pick<LinuxDevice, 'type' | 'path' | 'major' | 'minor' | 'fileMode' | 'uid' | 'gid'>>[] = [
  { type: 'c', path: '/dev/null', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/zero', major: 1, minor: 5, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/full', major: 1, minor: 7, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/random', major: 1, minor: 8, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/urandom', major: 1, minor: 9, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/tty', major: 5, minor: 0, fileMode: 0o666, uid: 0, gid: 0 },
];

const DEV_SYMLINKS: [target: string, link: string][] = [
  ['/proc/self/fd', '/dev/fd'],
  ['/proc/self/fd/0', '/dev/stdin'],
  ['/proc/self/fd/1', '/dev/stdout'],
  ['/proc/self/fd/2', '/dev/stderr'],
];

/**
 * Where a mount goes in the container. A relative destination (deprecated
 * but valid, config/checks.ts) is taken relative to "/", as runc does.
 */
export function mountDestination(mount: Mount): string {
  return path.posix.resolve('/', mount.destination);
}

/** One warning per relative destination, as runc warns (create logs plan.warnings). */
export function relativeDestinationWarnings(spec: ValidSpec): string[] {
  return (spec.mounts ?? [])
    .map((m, i) => ({ m, i }))
    .filter(({ m }) => !m.destination.startsWith('/'))
    .map(({ m, i }) => `/mounts/${i}/destination "${m.destination}" is not absolute: mounted at "${mountDestination(m)}" (relative destinations are deprecated)`);
}

/** Steps for one entry of config.mounts. */
export function mountSteps(mount: Mount, ctx: RootfsContext): Step[] {
  const dest = mountDestination(mount);
  const opts = parseMountOptions(mount.options);
  let type = mount.type ?? '';
  let source = mount.source ?? '';
  let bind = opts.bind || type === 'bind';
  let recursive = opts.recursiveBind;
  if (type === 'cgroup') {
    if (ctx.newCgroupNamespace && ctx.host.cgroup2) {
      // A cgroup namespace sees its own root: a fresh cgroup2 mount shows it.
      type = 'cgroup2';
      source = 'cgroup2';
    } else {
      // Hybrid and v1 hosts, and rootless without a cgroup namespace: the
      // host's hierarchy, bound in with the config's flags.
      source = '/sys/fs/cgroup';
      bind = true;
      recursive = true;
    }
  }
  const steps: Step[] = [];
  if (bind) {
    const hostSource = hostSourcePath(ctx.bundle, source);
    steps.push(ctx.host.directories.has(hostSource) ? { op: 'mkdir', path: dest, mode: 0o755 } : { op: 'touch', path: dest });
    steps.push(
      attachTreeStep(ctx.spec, mount, hostSource, dest) ?? {
        op: 'mount',
        source: hostSource,
        target: dest,
        fstype: '',
        flags: C.MS_BIND | (recursive ? C.MS_REC : 0),
        data: '',
        inContainer: true,
      },
    );
    // Flags of a bind mount cannot be given to mount(MS_BIND); set them on
    // the new mount (all of it for rbind), keeping what the kernel locked.
    if (opts.attrSet || opts.attrClear) {
      steps.push({ op: 'setattr', target: dest, set: opts.attrSet, clear: opts.attrClear, propagation: 0, recursive });
    }
  } else {
    steps.push({ op: 'mkdir', path: dest, mode: 0o755 });
    steps.push({
      op: 'mount',
      source: source || type,
      target: dest,
      fstype: type,
      flags: opts.flags & ~C.MS_REMOUNT,
      data: opts.data,
      inContainer: true,
    });
  }
  if (opts.recursiveAttrSet || opts.recursiveAttrClear) {
    steps.push({
      op: 'setattr',
      target: dest,
      set: opts.recursiveAttrSet,
      clear: opts.recursiveAttrClear,
      propagation: 0,
      recursive: true,
    });
  }
  if (opts.propagation) {
    steps.push({ op: 'mount', source: '', target: dest, fstype: '', flags: opts.propagation, data: '', inContainer: true });
  }
  return steps;
}

function deviceSteps(devices: readonly LinuxDevice[], ctx: RootfsContext): Step[] {
  const steps: Step[] = [];
  devices.forEach((dev) => {
    if (ctx.inUserNamespace) {
      // mknod is refused in a user namespace: bind the host's node instead.
      steps.push({ op: 'touch', path: dev.path });
      steps.push({ op: 'mount', source: dev.path, target: dev.path, fstype: '', flags: C.MS_BIND, data: '', inContainer: true });
    } else {
      const type = dev.type === 'u' ? 'c' : dev.type;
      steps.push({
        op: 'mknod',
        path: dev.path,
        type,
        mode: (dev.fileMode ?? 0o666) & 0o7777,
        major: dev.major ?? 0,
        minor: dev.minor ?? 0,
        uid: dev.uid ?? 0,
        gid: dev.gid ?? 0,
      });
    }
  });
  return steps;
}

/** Everything before the hooks that run before pivot_root. */
export function prepareRootfsSteps(ctx: RootfsContext): Step[] {
  const { spec, rootfs } = ctx;
  const steps: Step[] = [];
  // Nothing done in here may propagate back to the host.
  steps.push({ op: 'mount', source: '', target: '/', fstype: '', flags: C.MS_SLAVE | C.MS_REC, data: '', inContainer: false });
  // pivot_root needs the new root to be a mount point.
  steps.push({ op: 'mount', source: rootfs, target: rootfs, fstype: '', flags: C.MS_BIND | C.MS_REC, data: '', inContainer: false });
  steps.push({ op: 'root', path: rootfs });

  const mounts = spec.mounts ?? [];
  mounts.forEach((m) => steps.push(...mountSteps(m, ctx)));

  const devIsBound = mounts.some((m) => mountDestination(m) === '/dev' && (m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind')));
  if (!devIsBound) {
    const configured = new Set((spec.linux?.devices ?? []).map((d) => d.path));
    steps.push(...deviceSteps(DEFAULT_DEVICES.filter((d) => !configured.has(d.path)), ctx));
    steps.push(...deviceSteps(spec.linux?.devices ?? [], ctx));
    for (const [target, link] of DEV_SYMLINKS) steps.push({ op: 'symlink', target, path: link });
    if (mounts.some((m) => mountDestination(m) === '/dev/pts')) {
      steps.push({ op: 'symlink', target: 'pts/ptmx', path: '/dev/ptmx' });
    }
  }
  const cwd = spec.process?.cwd;
  if (cwd) steps.push({ op: 'mkdir', path: cwd, mode: 0o755 });
  return steps;
}

/**
 * maskedPaths: an empty read-only tmpfs over a directory, /dev/null (the
 * container's, after pivot_root) over anything else, as runc does.
 */
export function maskStep(p: string): Step {
  return { op: 'mask', path: p, missingOk: true, dirFstype: 'tmpfs', dirFlags: C.MS_RDONLY, dirData: '', fileSource: '/dev/null' };
}

/** pivot_root (or the --no-pivot move) and what is done on the final root, sysctls included. */
export function finishRootfsSteps(ctx: RootfsContext, noPivot: boolean, sysctls: Step[] = []): Step[] {
  const { spec, rootfs } = ctx;
  const steps: Step[] = [noPivot ? { op: 'move-root', rootfs } : { op: 'pivot-root', rootfs }];
  const propagation = spec.linux?.rootfsPropagation;
  if (propagation) {
    const flags = propagationFlags(propagation);
    // The schema admits only known names: reaching this is a bug, not a config error.
    if (flags === undefined) throw new Error(`rootfsPropagation "${propagation}" was not validated`);
    steps.push({ op: 'mount', source: '', target: '/', fstype: '', flags, data: '', inContainer: true });
  }
  // sysctls (written through the init's own procfs fd) come before the
  // read-only and masked paths, as in runc.
  steps.push(...sysctls);
  // Both lists name paths an image may lack: missing is fine (as in runc).
  for (const p of spec.linux?.readonlyPaths ?? []) steps.push({ op: 'readonly', path: p, missingOk: true });
  for (const p of spec.linux?.maskedPaths ?? []) steps.push(maskStep(p));
  if (spec.root?.readonly) {
    steps.push({ op: 'setattr', target: '/', set: MOUNT_ATTR_RDONLY, clear: 0, propagation: 0, recursive: false });
  }
  return steps;
}

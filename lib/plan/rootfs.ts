/**
 * The filesystem part of the plan: mount propagation, the rootfs bind, the
 * config's mounts in order, /dev (default devices and symlinks), then —
 * after the hooks that must run before it — pivot_root, readonlyPaths,
 * maskedPaths and a read-only root.
 */
import * as path from 'node:path';
import type { LinuxDevice, Mount } from '../config/types';
import { mountDestination, relativeDestinations } from '../config/deprecated';
import type { ValidSpec } from '../config/valid';
import * as C from '../native/constants';
import { InternalError, InvalidConfigError } from '../errors';
import { DEFAULT_DEVICES } from './default-devices';
import { deviceKey, hostSourcePath, type HostFacts } from './plan-facts';
import { attachTreeStep } from './idmap-mounts';
import { cgroupMountSteps } from './cgroup-mounts';
import { MOUNT_ATTR_RDONLY, parseMountOptions, propagationFlags } from './mount-options';
import { inheritsMode, mountStep } from './mount-fields';
import type { MountNamespaceMode } from './mount-namespace';
import { checkJoinedNamespace } from './kernel-settings';
import type { Step } from './steps';

export interface RootfsContext {
  spec: ValidSpec;
  bundle: string;
  rootfs: string;
  /** Devices cannot be created with mknod in a new user namespace: bind them from the host. */
  inUserNamespace: boolean;
  newCgroupNamespace: boolean;
  /** The container gets a network namespace of its own (a sysfs can then be mounted in a user namespace). */
  newNetworkNamespace: boolean;
  /**
   * A new user namespace that maps uid and gid 0: the init becomes root of
   * it before touching anything, so that the files it creates have owners
   * that exist inside (with host root unmapped, they could not be created
   * at all: EOVERFLOW).
   */
  becomeNamespaceRoot: boolean;
  /**
   * Where the rootfs is set up (mount-namespace.ts): in a new or joined
   * namespace with mounts and pivot_root, in an inherited one (the
   * runtime's) with no mount at all and a chroot.
   */
  mountNamespace: MountNamespaceMode;
  host: HostFacts;
}

export { DEFAULT_DEVICES } from './default-devices';

const DEV_SYMLINKS: [target: string, link: string][] = [
  ['/proc/self/fd', '/dev/fd'],
  ['/proc/self/fd/0', '/dev/stdin'],
  ['/proc/self/fd/1', '/dev/stdout'],
  ['/proc/self/fd/2', '/dev/stderr'],
];

export { mountDestination } from '../config/deprecated';

/** One warning per relative destination, as runc warns (create logs plan.warnings). */
export function relativeDestinationWarnings(spec: ValidSpec): string[] {
  return relativeDestinations(spec).map((w) => `${w.path} ${w.message}`);
}

/** Steps for one entry of config.mounts. */
export function mountSteps(mount: Mount, ctx: RootfsContext, index = 0): Step[] {
  const dest = mountDestination(mount);
  const opts = parseMountOptions(mount.options);
  const type = mount.type ?? '';
  let source = mount.source ?? '';
  let bind = opts.bind || type === 'bind';
  let recursive = opts.recursiveBind;
  if (type === 'sysfs' && ctx.inUserNamespace && !ctx.newNetworkNamespace) {
    // A sysfs belongs to the network namespace of its mounter, and one owned
    // by another user namespace cannot be mounted: bind the host's /sys,
    // read-only all the way down, as runc and crun do.
    source = '/sys';
    bind = true;
    recursive = true;
    opts.recursiveAttrSet |= MOUNT_ATTR_RDONLY;
    opts.recursiveAttrClear &= ~MOUNT_ATTR_RDONLY;
  }
  // Refused by validation (config/checks.ts, checkMounts), where `kapsel validate` sees it too.
  if (opts.copyUp && (bind || type !== 'tmpfs')) throw new InternalError(`/mounts/${index}/options: "tmpcopyup" on a mount that is not a new tmpfs reached the plan`);
  const steps: Step[] = [];
  if (type === 'cgroup') {
    steps.push(
      ...cgroupMountSteps(mount, dest, {
        cgroupNamespace: ctx.newCgroupNamespace,
        cgroup2: ctx.host.cgroup2,
        view: ctx.host.cgroupView,
        unifiedLimits: Object.keys(ctx.spec.linux?.resources?.unified ?? {}).length > 0,
      }),
    );
  } else if (bind) {
    const hostSource = hostSourcePath(ctx.bundle, source);
    const isDirectory = ctx.host.directories.has(hostSource) || hostSource === '/sys';
    steps.push(isDirectory ? { op: 'mkdir', path: dest, mode: 0o755 } : { op: 'touch', path: dest });
    steps.push(
      attachTreeStep(ctx.spec, mount, hostSource, dest) ??
        mountStep({ source: hostSource, target: dest, fstype: '', flags: C.MS_BIND | (recursive ? C.MS_REC : 0), data: '', inContainer: true }),
    );
    // Flags of a bind mount cannot be given to mount(MS_BIND); set them on
    // the new mount, keeping what the kernel locked. Only on its top mount,
    // also for rbind: "rbind,ro" leaves submounts writable, as in runc
    // (recursive attributes are the r-options: "rro").
    if (opts.attrSet || opts.attrClear) {
      steps.push({ op: 'setattr', target: dest, set: opts.attrSet, clear: opts.attrClear, propagation: 0, recursive: false });
    }
  } else if (opts.copyUp) {
    steps.push({ op: 'mkdir', path: dest, mode: 0o755 });
    steps.push({ op: 'tmpfs-copyup', target: dest, flags: opts.flags & ~C.MS_REMOUNT, data: opts.data, inheritMode: inheritsMode('tmpfs', opts.data) });
  } else {
    steps.push({ op: 'mkdir', path: dest, mode: 0o755 });
    steps.push(mountStep({ source: source || type, target: dest, fstype: type, flags: opts.flags & ~C.MS_REMOUNT, data: opts.data, inContainer: true }));
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
    steps.push(mountStep({ source: '', target: dest, fstype: '', flags: opts.propagation, data: '', inContainer: true }));
  }
  return steps;
}

/**
 * Where a device goes: its path cleaned ("/dev/../x" is "/x", a trailing
 * slash dropped), then resolved inside the rootfs by the init like every
 * other container path. As in runc and crun, nodes outside /dev are fine.
 */
export function devicePath(dev: Pick<LinuxDevice, 'path'>): string {
  return path.posix.resolve('/', dev.path);
}

/** `jsonPath`: where the devices come from in the config, for errors; nothing is made at the `skip` paths. */
function deviceSteps(devices: readonly LinuxDevice[], ctx: RootfsContext, jsonPath: (i: number) => string, skip: ReadonlySet<string>): Step[] {
  const steps: Step[] = [];
  devices.forEach((dev, i) => {
    const target = devicePath(dev);
    if (skip.has(target)) return;
    const type = dev.type === 'u' ? 'c' : dev.type;
    // mknod of a device is refused in a user namespace (a FIFO is not): bind
    // the host's node instead. Its source is the host node of that type and
    // number (lib/host/facts.ts), never a path the config wrote: "/dev/../etc/shadow"
    // must not bind the host's /etc/shadow (issue 8, hole 1).
    if (ctx.inUserNamespace && type !== 'p') {
      const major = dev.major ?? 0;
      const minor = dev.minor ?? 0;
      const source = ctx.host.devices.get(deviceKey(type, major, minor));
      if (source === undefined) {
        throw new InvalidConfigError(jsonPath(i), `the host has no ${type} ${major}:${minor} device to bind at ${target} (a user namespace cannot create device nodes)`);
      }
      steps.push({ op: 'bind-device', path: target, type, major, minor, source });
    } else {
      steps.push({
        op: 'mknod',
        path: target,
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
  if (ctx.becomeNamespaceRoot) {
    // Before anything is created (issue 8, hole 13); gid first, while we
    // still may change it.
    steps.push({ op: 'setresgid', gid: 0 }, { op: 'setresuid', uid: 0 });
  }
  if (ctx.mountNamespace === 'joined') {
    // The path was compared with the host's namespaces when the plan was
    // made; the init compares what it joined, before its first mount.
    steps.push(checkJoinedNamespace('mnt', ctx.host));
  }
  // In the runtime's own mount namespace nothing is mounted (a chroot ends it).
  if (ctx.mountNamespace !== 'inherited') {
    // Nothing done in here may propagate back to the host.
    steps.push(mountStep({ source: '', target: '/', fstype: '', flags: C.MS_SLAVE | C.MS_REC, data: '', inContainer: false }));
    // pivot_root needs the new root to be a mount point.
    steps.push(mountStep({ source: rootfs, target: rootfs, fstype: '', flags: C.MS_BIND | C.MS_REC, data: '', inContainer: false }));
  }
  steps.push({ op: 'root', path: rootfs });

  const mounts = spec.mounts ?? [];
  mounts.forEach((m, i) => steps.push(...mountSteps(m, ctx, i)));

  const devIsBound = mounts.some((m) => mountDestination(m) === '/dev' && (m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind')));
  if (!devIsBound) {
    // /dev/ptmx is the link to the container's own devpts instance in
    // every container that mounts one, as runc makes it (setupPtmx, after
    // the devices): a ptmx node, whether the config lists one (podman
    // --privileged lists the host's) or the image has one, would open the
    // host's initial instance instead, so no node is made there and the
    // link replaces what the image has. A mount the config puts at
    // /dev/ptmx is the config's choice and stays. A /dev bound from the
    // host is the host's: nothing in it is touched (runc alike).
    const ptmxLink = mounts.some((m) => mountDestination(m) === '/dev/pts') && !mounts.some((m) => mountDestination(m) === '/dev/ptmx');
    const skip = new Set(ptmxLink ? ['/dev/ptmx'] : []);
    const configured = new Set((spec.linux?.devices ?? []).map(devicePath));
    steps.push(...deviceSteps(DEFAULT_DEVICES.filter((d) => !configured.has(d.path)), ctx, () => '/linux/devices', skip));
    steps.push(...deviceSteps(spec.linux?.devices ?? [], ctx, (i) => `/linux/devices/${i}`, skip));
    for (const [target, link] of DEV_SYMLINKS) steps.push({ op: 'symlink', target, path: link, replace: false });
    if (ptmxLink) steps.push({ op: 'symlink', target: 'pts/ptmx', path: '/dev/ptmx', replace: true });
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

/** pivot_root (or the --no-pivot move, or the chroot) and what is done on the final root, sysctls included. */
export function finishRootfsSteps(ctx: RootfsContext, noPivot: boolean, sysctls: Step[] = []): Step[] {
  const { spec, rootfs } = ctx;
  // The runtime's mount namespace: a chroot and no mount (--no-pivot has
  // nothing to choose); the rest below was refused (mount-namespace.ts).
  if (ctx.mountNamespace === 'inherited') return [{ op: 'chroot', rootfs }, ...sysctls];
  const steps: Step[] = [noPivot ? { op: 'move-root', rootfs } : { op: 'pivot-root', rootfs }];
  const propagation = spec.linux?.rootfsPropagation;
  if (propagation) {
    const flags = propagationFlags(propagation);
    // The schema admits only known names: reaching this is a bug, not a config error.
    if (flags === undefined) throw new InternalError(`rootfsPropagation "${propagation}" was not validated`);
    steps.push(mountStep({ source: '', target: '/', fstype: '', flags, data: '', inContainer: true }));
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

/**
 * Which mount namespace the rootfs is set up in, and what that allows
 * (issue 9, items 4 and 5). Observed on runc 1.1.5 and crun 1.8.1, each run
 * in a throwaway mount namespace standing in for the host:
 *
 * - No mount namespace in the config: both chroot into the rootfs in the
 *   runtime's own namespace and make the config's mounts there, where they
 *   stay after `delete` (rootfs/proc, rootfs/dev, ... in the host's mount
 *   table). runc also binds the rootfs onto itself and makes the host's
 *   "/" rslave (a shared root turns private, for good); it refuses
 *   maskedPaths and readonlyPaths ("unable to restrict sys entries without
 *   a private MNT namespace"). crun leaves "/" alone.
 * - A mount namespace joined by path: both set the rootfs up in it, as in
 *   a new one (rslave or rprivate "/", mounts, pivot_root), so the joined
 *   namespace keeps all of it, and pivot_root moves every other process
 *   whose root was its root. Given the runtime's own namespace
 *   (/proc/self/ns/mnt, /proc/1/ns/mnt), both pivot the runtime, and the
 *   host, into the container's rootfs.
 *
 * kapsel never changes the host's mount table or propagation in a way that
 * outlives the container, so it takes the safer of the two, crun's, and
 * goes further where crun would still leave mounts behind:
 *
 * - 'new': the rootfs is set up in the new namespace (as always).
 * - 'joined': a namespace that is neither the runtime's nor pid 1's is the
 *   container's own (the rule of item 3 for every namespace type): the
 *   rootfs is set up in it as runc and crun do. The init checks again,
 *   after joining and before its first mount, that it is not in one of
 *   those two (a /proc/PID path may name another process by then).
 * - 'inherited': no mount namespace, or a joined one that is the
 *   runtime's or pid 1's: the container gets the runtime's namespace, and
 *   the init only chroots into the rootfs (crun's way, without its
 *   mounts). Whatever would mount there is refused, naming the field: the
 *   config's mounts, maskedPaths and readonlyPaths (as runc), a read-only
 *   or propagated root, a terminal (/dev/console is a bind of the pty), and
 *   devices in a user namespace (bound, as mknod is refused there). Device
 *   nodes made with mknod, the /dev symlinks and the cwd are files in the
 *   rootfs directory, as they are without a /dev mount in a new namespace.
 */
import type { ValidSpec } from '../config/valid';
import { NotSupportedError } from '../errors';
import type { HostFacts } from './plan-facts';

export type MountNamespaceMode = 'new' | 'joined' | 'inherited';

/** How the container gets its mount namespace on this host. */
export function mountNamespaceMode(spec: ValidSpec, host: Pick<HostFacts, 'joinedRuntimeNamespaces'>): MountNamespaceMode {
  const ns = (spec.linux?.namespaces ?? []).find((n) => n.type === 'mount');
  if (!ns) return 'inherited';
  if (!ns.path) return 'new';
  return host.joinedRuntimeNamespaces.has('mount') ? 'inherited' : 'joined';
}

function refuse(field: string, what: string): never {
  throw new NotSupportedError(
    `config.json ${field}: ${what} without a mount namespace of the container's own: it would change the runtime's (the host's) mount table beyond the container's life; add {"type":"mount"} to /linux/namespaces`,
  );
}

/**
 * Refuses, naming the field, whatever an 'inherited' mount namespace
 * cannot have (see the header). `inUserNamespace`: the container's devices
 * would be bind mounts.
 */
export function checkInheritedMountNamespace(spec: ValidSpec, inUserNamespace: boolean): void {
  const mounts = spec.mounts ?? [];
  if (mounts.length > 0) refuse('/mounts/0', `mounting ${JSON.stringify(mounts[0].destination)}`);
  const linux = spec.linux ?? {};
  if ((linux.maskedPaths ?? []).length > 0) refuse('/linux/maskedPaths', 'masking paths (each is a mount)');
  if ((linux.readonlyPaths ?? []).length > 0) refuse('/linux/readonlyPaths', 'read-only paths (each is a mount)');
  if (spec.root?.readonly) refuse('/root/readonly', 'a read-only root (a remount of the rootfs)');
  if (linux.rootfsPropagation) refuse('/linux/rootfsPropagation', 'setting the propagation of the root');
  if (spec.process?.terminal) refuse('/process/terminal', 'a terminal (the pty is bound over /dev/console, from a devpts mount)');
  if (inUserNamespace) refuse('/linux/namespaces', 'devices in a user namespace (mknod is refused there, so they are bind mounts)');
}

/**
 * The warning for an 'inherited' mount namespace whose process keeps a
 * capability that leaves a chroot (CAP_SYS_CHROOT: chroot into a
 * subdirectory, then walk up; CAP_SYS_ADMIN: mount in the runtime's
 * namespace): the container is then not confined to its rootfs. A warning,
 * not a refusal: runc and crun run such configs, and an engine may mean it.
 */
export function inheritedEscapeWarning(spec: ValidSpec): string | undefined {
  const bounding = spec.process?.capabilities?.bounding ?? [];
  const escaping = bounding.filter((cap) => cap === 'CAP_SYS_CHROOT' || cap === 'CAP_SYS_ADMIN');
  if (escaping.length === 0) return undefined;
  return `/process/capabilities/bounding: ${escaping.join(' and ')} without a mount namespace of the container's own: its processes can leave the rootfs (the chroot) for the runtime's file system`;
}

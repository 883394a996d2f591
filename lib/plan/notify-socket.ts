/**
 * sd_notify through the runtime (podman run --sdnotify=container), as crun
 * does it: when the runtime's environment has NOTIFY_SOCKET, the socket is
 * bound into the container at a fixed path and the container's
 * NOTIFY_SOCKET points there, so its process can report READY=1 itself.
 *
 * Only a socket is bound, and only the one NOTIFY_SOCKET names from the
 * host's view (issue 16, hole 6): a bind of whatever the path named gave
 * the container a host file to read and append to ("NOTIFY_SOCKET=/etc/x"),
 * or the host's root ("NOTIFY_SOCKET=/"). The runtime looks at the path
 * without following a last symlink (lib/host/facts.ts); anything but a socket is
 * refused before anything is made. The init binds from an fd it opened
 * O_PATH|O_NOFOLLOW, and only the very inode the runtime saw (a socket
 * swapped in between is refused), read-only (connect and send need no
 * write access to the mount, and the container cannot chmod the host's
 * socket); the target is made in the rootfs by in-root resolution.
 *
 * Why a bind from an fd, not runc's relay (a socket of the runtime's own in
 * the container, its messages forwarded to the host's): a relay needs a
 * runtime process alive until READY=1 (runc's `start` waits for it), which
 * a library call and `kapsel start` returning at once do not have; the
 * bind keeps crun's behaviour, the one podman --sdnotify=container expects,
 * and the checks above leave the container nothing but that one socket.
 */
import { InvalidArgumentError } from '../errors';
import type { HostFacts, NotifySocketFact } from './plan-facts';
import type { Step } from './steps';

/** Where the socket appears inside the container (crun's path). */
export const CONTAINER_NOTIFY_SOCKET = '/run/notify/notify.sock';

export interface NotifySocketPlan {
  /** The steps that bind it (after the config's mounts, before pivot_root). */
  steps: Step[];
  /** The container's NOTIFY_SOCKET entry, when it is bound. */
  env?: string;
  warnings: string[];
}

/** Why what the runtime found at `socket` is not bound. */
function notSocketReason(fact: NotifySocketFact | undefined, socket: string): string {
  if (fact?.path !== socket) return 'the runtime did not look at this path';
  if (fact.kind === 'error') return `cannot look at it (${fact.error})`;
  if (fact.kind === 'symlink') return 'is a symbolic link (not followed)';
  return `is a ${fact.kind}, not a socket`;
}

/**
 * The plan for the runtime's NOTIFY_SOCKET. `canBind` is false for a
 * container in the runtime's own mount namespace: its bind would be a
 * mount in the host's mount table, so the socket is not passed (a warning).
 *
 * @throws InvalidArgumentError when the path is not a socket (naming
 *   NOTIFY_SOCKET and the path), before anything is created.
 */
export function notifySocketPlan(host: Pick<HostFacts, 'runtimeEnv' | 'notifySocket'>, canBind: boolean): NotifySocketPlan {
  const entry = host.runtimeEnv.find((kv) => kv.startsWith('NOTIFY_SOCKET='));
  const socket = entry?.slice('NOTIFY_SOCKET='.length);
  if (!socket) return { steps: [], warnings: [] };
  if (!socket.startsWith('/')) {
    return { steps: [], warnings: [`NOTIFY_SOCKET=${socket}: only a socket file can be passed to the container (an abstract socket cannot be bind-mounted)`] };
  }
  if (!canBind) {
    return { steps: [], warnings: ['NOTIFY_SOCKET: the socket is not passed to a container without a mount namespace of its own (it would be a bind mount in the runtime\'s)'] };
  }
  const fact = host.notifySocket;
  if (fact?.path !== socket || fact.kind !== 'socket') {
    throw new InvalidArgumentError(`NOTIFY_SOCKET=${socket}: ${notSocketReason(fact, socket)}: only a socket is bound into the container`);
  }
  return {
    steps: [{ op: 'bind-socket', what: 'NOTIFY_SOCKET', source: socket, dev: fact.dev, ino: fact.ino, target: CONTAINER_NOTIFY_SOCKET }],
    env: `NOTIFY_SOCKET=${CONTAINER_NOTIFY_SOCKET}`,
    warnings: [],
  };
}

/**
 * sd_notify through the runtime (podman run --sdnotify=container), as crun
 * does it: when the runtime's environment has NOTIFY_SOCKET, the socket is
 * bind-mounted into the container at a fixed path and the container's
 * NOTIFY_SOCKET points there, so its process can report READY=1 itself.
 */
import type { Mount } from '../config/types';

/** Where the socket appears inside the container (crun's path). */
export const CONTAINER_NOTIFY_SOCKET = '/run/notify/notify.sock';

export interface NotifySocketPlan {
  /** The bind mount of the host socket, after the config's mounts. */
  mount: Mount;
  /** The container's NOTIFY_SOCKET entry. */
  env: string;
}

/**
 * The plan for the runtime's NOTIFY_SOCKET, or a warning when there is one
 * that cannot be passed: an abstract socket ("@name") has no file to bind.
 */
export function notifySocketPlan(runtimeEnv: readonly string[]): { plan?: NotifySocketPlan; warning?: string } {
  const entry = runtimeEnv.find((kv) => kv.startsWith('NOTIFY_SOCKET='));
  const socket = entry?.slice('NOTIFY_SOCKET='.length);
  if (!socket) return {};
  if (!socket.startsWith('/')) {
    return { warning: `NOTIFY_SOCKET=${socket}: only a socket file can be passed to the container (an abstract socket cannot be bind-mounted)` };
  }
  return {
    plan: {
      mount: { destination: CONTAINER_NOTIFY_SOCKET, type: 'bind', source: socket, options: ['bind', 'nosuid', 'nodev', 'noexec'] },
      env: `NOTIFY_SOCKET=${CONTAINER_NOTIFY_SOCKET}`,
    },
  };
}

/**
 * What the seccomp agent at `listenerPath` receives with the notify
 * listener fd (config-linux.md "listenerPath", runtime.md "The Container
 * Process State"). The runtime connects to the agent's AF_UNIX
 * SOCK_STREAM socket during create (lib/container/launch.ts: a missing or
 * dead agent fails create) and the init sends this JSON with the listener
 * fd in SCM_RIGHTS once it installed the filter, then closes the socket.
 */
import { OCI_VERSION } from '../config/default-spec';
import type { State } from '../config/types';

/** The JSON the agent receives. */
export interface ContainerProcessState {
  ociVersion: string;
  /** Names of the fds in the SCM_RIGHTS array, in order. */
  fds: string[];
  /** The container process id, as seen by the runtime. */
  pid: number;
  /** listenerMetadata of the config. */
  metadata?: string;
  state: State;
}

export function containerProcessState(fields: { pid: number; state: State; metadata?: string }): ContainerProcessState {
  const message: ContainerProcessState = { ociVersion: OCI_VERSION, fds: ['seccompFd'], pid: fields.pid, state: fields.state };
  if (fields.metadata !== undefined) message.metadata = fields.metadata;
  return message;
}

/**
 * Handing the notify listener to the seccomp agent (config-linux.md
 * "listenerPath", "The Container Process State"): one connection per
 * container to the AF_UNIX SOCK_STREAM socket at `listenerPath`, the
 * container process state as JSON payload, the listener fd attached with
 * SCM_RIGHTS to the first sendmsg, then the connection is closed. A missing
 * or dead agent is an error: the caller fails the create.
 */
import * as fs from 'node:fs';

import { OCI_VERSION } from '../config/default-spec';
import type { State } from '../config/types';
import { SyscallError } from '../errors';
import { native } from '../native/addon';

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

/**
 * Connects to `listenerPath`, sends `message` with `listenerFd` attached and
 * closes the connection. `listenerFd` stays open (the caller closes it: the
 * runtime keeps no copy of the agent's fd). Throws SyscallError (connect or
 * sendmsg, with the path) when the agent cannot be reached.
 */
export function sendSeccompListener(listenerPath: string, listenerFd: number, message: ContainerProcessState): void {
  let socket = -1;
  try {
    socket = native().unixConnect(listenerPath);
    native().sendFd(socket, listenerFd, JSON.stringify(message));
  } catch (err) {
    const wrapped = SyscallError.from(err);
    if (wrapped instanceof SyscallError && wrapped.path === undefined) {
      throw new SyscallError({ errnoName: wrapped.errnoName, errno: wrapped.errno, syscall: wrapped.syscall, path: listenerPath, cause: err });
    }
    throw wrapped;
  } finally {
    if (socket >= 0) fs.closeSync(socket);
  }
}

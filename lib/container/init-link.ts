/**
 * The runtime's view of what the init helper says, in the runtime's own
 * terms: the setup conversation (events and replies) for the launch, and
 * the failure record the init leaves in the exec fifo at start. This is
 * the one module that knows the wire messages (./init-channel); a unit
 * test replaces the conversation with a scripted double.
 */
import type { State } from '../config/types';
import { ProtocolError } from '../errors';
import { decodeMessage } from '../plan/protocol';
import type { SyncPoint } from '../plan/steps';
import { failureToError, InitChannel, isFailure } from './init-channel';

export type { SyncPoint };

/** What the init reports during setup. */
export type SetupEvent =
  | { kind: 'ready' }
  | { kind: 'sync'; point: SyncPoint }
  /** The init failed (a step, a hook) and reported why; it exits. */
  | { kind: 'failed'; error: Error }
  /** The init closed its end without reporting anything. */
  | { kind: 'exited' };

/** The container state JSONs the init hands to the hooks it runs itself. */
export interface InitHookStates {
  creating: State;
  created: State;
}

export interface InitLink {
  /** Lets the init start executing its plan (its id maps are written). */
  go(states: InitHookStates | undefined, seccompListenerMessage?: string): void;
  /** The next thing the init reports. */
  next(): Promise<SetupEvent>;
  /** The runtime did its part of a sync point: go on. */
  proceed(): void;
  /** The runtime's part of a sync point failed: stop and exit. */
  abort(): void;
  /** Closes the runtime's end (idempotent). */
  close(): void;
}

/** An InitLink over the runtime's end of the setup socketpair; owns `fd`. */
export function openInitLink(fd: number): InitLink {
  const channel = new InitChannel(fd);
  let open = true;
  return {
    go(states, seccompListenerMessage) {
      channel.send({
        type: 'go',
        ...(states && { creatingState: JSON.stringify(states.creating), createdState: JSON.stringify(states.created) }),
        ...(seccompListenerMessage !== undefined && { seccompListenerMessage }),
      });
    },
    async next() {
      const message = await channel.receive();
      if (!message) return { kind: 'exited' };
      if (message.type === 'ready') return { kind: 'ready' };
      if (isFailure(message)) return { kind: 'failed', error: failureToError(message) };
      if (message.type === 'sync') return { kind: 'sync', point: message.name };
      throw new ProtocolError(`unexpected message from container init: ${message.type}`);
    },
    proceed() {
      channel.send({ type: 'ok' });
    },
    abort() {
      channel.send({ type: 'abort' });
    },
    close() {
      if (!open) return;
      open = false;
      channel.close();
    },
  };
}

/**
 * What the init wrote into the exec fifo after its "0", when it failed
 * between start and exec (a startContainer hook, the final execve): the
 * error, or undefined when it wrote nothing more.
 */
export function decodeStartFailure(record: Buffer): Error | undefined {
  if (record.length === 0) return undefined;
  const message = decodeMessage(record);
  return isFailure(message) ? failureToError(message) : undefined;
}

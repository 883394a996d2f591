/**
 * The runtime's view of what the init helper says, in the runtime's own
 * terms: the setup conversation (events and replies) for the launch, and
 * the failure record the init leaves in the exec fifo at start. This is
 * the one module that knows the wire messages (./init-channel); a unit
 * test replaces the conversation with a scripted double.
 */
import type { State } from '../config/types';
import { KapselError } from '../errors';
import { failureToError, InitChannel } from './init-channel';

/** Where the init stops and waits for the runtime to do its part. */
export type SyncPoint = 'runtime-hooks';

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
  go(states: InitHookStates): void;
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
    go(states) {
      channel.send(['go', JSON.stringify(states.creating), JSON.stringify(states.created)]);
    },
    async next() {
      const message = await channel.receive();
      if (!message) return { kind: 'exited' };
      const [kind, name] = message;
      if (kind === 'ready') return { kind: 'ready' };
      if (kind === 'error') return { kind: 'failed', error: failureToError(message) };
      if (kind === 'sync' && name === 'runtime-hooks') return { kind: 'sync', point: 'runtime-hooks' };
      throw new KapselError('ERR_SYSCALL', `unexpected message from container init: ${kind}`);
    },
    proceed() {
      channel.send(['ok']);
    },
    abort() {
      channel.send(['abort']);
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
  const fields = record.toString('utf8').split('\0');
  return fields[0] === 'error' ? failureToError(fields) : undefined;
}

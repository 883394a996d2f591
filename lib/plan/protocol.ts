/**
 * The messages between the runtime process and the init helper, as one
 * typed union with its encoding; native/init/protocol.h is the C++ mirror
 * (same types, same field order). Each message is one record (record.ts):
 * field 0 the type, then the fields in the order of `fieldsOf`. Over the
 * SOCK_SEQPACKET socketpair a message is one datagram; on the exec fifo
 * (after create) the record follows the "0" byte and delimits itself.
 *
 * A message may carry one fd with SCM_RIGHTS beside its record (the seccomp
 * notify listener will travel init -> runtime this way); the record itself
 * does not change, so such a type only adds a row here and in protocol.h.
 */
import { ProtocolError } from '../errors';
import { HOOKS_IN_CONTAINER, SYNC_POINTS, type HookInContainer, type SyncPoint } from './steps';
import { decodeRecord, encodeRecord, flattenFields, type Field } from './record';

/** Why a hook run by the init failed. */
export type HookFailureReason = 'exit' | 'signal' | 'timeout';

export type InitMessage =
  /**
   * runtime -> init: start executing the plan (uid/gid maps are written).
   * The state JSONs are for createContainer / startContainer hooks; a plan
   * without hooks (exec) sends none. seccompListenerMessage is what the
   * seccomp step sends, with the notify listener fd, to the listener
   * socket (the container process state, config-linux.md "Seccomp").
   */
  | { type: 'go'; creatingState?: string; createdState?: string; seccompListenerMessage?: string }
  /** runtime -> init: the runtime did its part of a sync point. */
  | { type: 'ok' }
  /** runtime -> init: the runtime failed its part (it reports that itself). */
  | { type: 'abort' }
  /** init -> runtime: a sync point of the plan is reached. */
  | { type: 'sync'; name: SyncPoint }
  /** init -> runtime: the plan reached wait-start; create is complete. */
  | { type: 'ready' }
  /** init -> runtime: a step failed (native/init/fail.h). `step` is -1 before the first step. */
  | { type: 'error'; step: number; op: string; syscall: string; errno: number; path: string; message: string }
  /**
   * init -> runtime: a hook run inside the container failed. `exitStatus`
   * is meaningful for reason "exit", `signal` (a number) for "signal";
   * `output` is what the hook wrote (stdout and stderr, up to 4 KiB).
   */
  | {
      type: 'hook-failed';
      step: number;
      kind: HookInContainer;
      path: string;
      reason: HookFailureReason;
      exitStatus: number;
      signal: number;
      timeoutSeconds: number;
      output: string;
    };

export type InitMessageType = InitMessage['type'];

/** An optional string on the wire: a list of 0 or 1 items. */
function optional(value: string | undefined): string[] {
  return value === undefined ? [] : [value];
}

function fieldsOf(m: InitMessage): Field[] {
  switch (m.type) {
    case 'go': return [optional(m.creatingState), optional(m.createdState), optional(m.seccompListenerMessage)];
    case 'ok': return [];
    case 'abort': return [];
    case 'sync': return [m.name];
    case 'ready': return [];
    case 'error': return [m.step, m.op, m.syscall, m.errno, m.path, m.message];
    case 'hook-failed':
      return [m.step, m.kind, m.path, m.reason, m.exitStatus, m.signal, m.timeoutSeconds, m.output];
  }
}

export function encodeMessage(message: InitMessage): Buffer {
  return encodeRecord(flattenFields([message.type, ...fieldsOf(message)]));
}

export { ProtocolError };

/** Sequential reader of a message's raw fields. */
class Fields {
  private next = 1;
  constructor(private readonly raw: Buffer[]) {}

  str(): string {
    if (this.next >= this.raw.length) throw new ProtocolError(`${this.raw[0]} message is short`);
    return this.raw[this.next++].toString('utf8');
  }

  int(): number {
    const text = this.str();
    if (!/^-?\d+$/.test(text)) throw new ProtocolError(`not a number: ${JSON.stringify(text)}`);
    return Number(text);
  }

  optional(): string | undefined {
    const count = this.int();
    if (count !== 0 && count !== 1) throw new ProtocolError(`optional field with ${count} items`);
    return count === 1 ? this.str() : undefined;
  }

  oneOf<T extends string>(values: readonly T[]): T {
    const text = this.str();
    if (!(values as readonly string[]).includes(text)) throw new ProtocolError(`unexpected ${JSON.stringify(text)}`);
    return text as T;
  }

  done<T>(message: T): T {
    if (this.next !== this.raw.length) throw new ProtocolError(`${this.raw[0]} message has extra fields`);
    return message;
  }
}

/** Decodes one message at `offset` of `data`; also says where it ends. */
export function decodeMessageAt(data: Buffer, offset = 0): { message: InitMessage; next: number } {
  const record = decodeRecord(data, offset);
  const f = new Fields(record.fields);
  const type = record.fields[0].toString('utf8');
  let message: InitMessage;
  switch (type) {
    case 'go': {
      const creatingState = f.optional();
      const createdState = f.optional();
      const seccompListenerMessage = f.optional();
      message = f.done({
        type,
        ...(creatingState !== undefined && { creatingState }),
        ...(createdState !== undefined && { createdState }),
        ...(seccompListenerMessage !== undefined && { seccompListenerMessage }),
      });
      break;
    }
    case 'ok':
    case 'abort':
    case 'ready':
      message = f.done({ type });
      break;
    case 'sync':
      message = f.done({ type, name: f.oneOf(SYNC_POINTS) });
      break;
    case 'error':
      message = f.done({ type, step: f.int(), op: f.str(), syscall: f.str(), errno: f.int(), path: f.str(), message: f.str() });
      break;
    case 'hook-failed':
      message = f.done({
        type,
        step: f.int(),
        kind: f.oneOf(HOOKS_IN_CONTAINER),
        path: f.str(),
        reason: f.oneOf(['exit', 'signal', 'timeout'] as const),
        exitStatus: f.int(),
        signal: f.int(),
        timeoutSeconds: f.int(),
        output: f.str(),
      });
      break;
    default:
      throw new ProtocolError(`unknown message type ${JSON.stringify(type)}`);
  }
  return { message, next: record.next };
}

/** Decodes a buffer holding exactly one message. */
export function decodeMessage(data: Buffer): InitMessage {
  const { message, next } = decodeMessageAt(data);
  if (next !== data.length) throw new ProtocolError('trailing bytes after the message');
  return message;
}

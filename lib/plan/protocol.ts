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
import { wireEnum } from './encode';
import { decodeRecord, encodeRecord, flattenFields, type Field } from './record';

/** Why a hook run by the init failed (a wire enum: native/init/wire_enums.h HookFailure). */
export const HOOK_FAILURE_REASONS = ['exit', 'signal', 'timeout'] as const;
export type HookFailureReason = (typeof HOOK_FAILURE_REASONS)[number];

/**
 * What an "error" message of the init reports (a wire enum:
 * native/init/wire_enums.h FailReason). The init sends the code with the
 * syscall, errno, path and a detail; the runtime words it
 * (lib/container/init-failure.ts), so config field names and the words
 * engines match on are chosen here, not in C++. "syscall": a syscall
 * failed, the detail is technical text; "plan": the plan is malformed.
 */
export const FAILURE_REASONS = [
  'syscall',
  'plan',
  'exec-not-found',
  'exec-failed',
  'setgroups-denied',
  'host-namespace',
  'proc-mount',
  'procfs-on-symlink',
  'no-procfs',
  'tmpcopyup-not-directory',
  'cwd-outside-root',
  'seccomp-refused',
  'no-pivot-host-root',
  'no-pivot-unsearchable',
  'no-pivot-hide',
  'no-pivot-private',
  'no-devpts',
  'realtime-refused',
  'time-namespace-not-entered',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

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
  /**
   * init -> runtime: a step failed (native/init/fail.h). `step` is -1
   * before the first step; `message` is the detail that goes with `reason`.
   */
  | { type: 'error'; step: number; op: string; reason: FailureReason; syscall: string; errno: number; path: string; message: string }
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
    case 'error': return [m.step, m.op, wireEnum(FAILURE_REASONS, m.reason), m.syscall, m.errno, m.path, m.message];
    case 'hook-failed':
      return [m.step, wireEnum(HOOKS_IN_CONTAINER, m.kind), m.path, wireEnum(HOOK_FAILURE_REASONS, m.reason), m.exitStatus, m.signal, m.timeoutSeconds, m.output];
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

  /** A wire enum: the index of a value of `values`. */
  wireEnum<T extends string>(values: readonly T[]): T {
    const index = this.int();
    if (index < 0 || index >= values.length) throw new ProtocolError(`unexpected value ${index} of ${values.join(' | ')}`);
    return values[index];
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
      message = f.done({
        type,
        step: f.int(),
        op: f.str(),
        reason: f.wireEnum(FAILURE_REASONS),
        syscall: f.str(),
        errno: f.int(),
        path: f.str(),
        message: f.str(),
      });
      break;
    case 'hook-failed':
      message = f.done({
        type,
        step: f.int(),
        kind: f.wireEnum(HOOKS_IN_CONTAINER),
        path: f.str(),
        reason: f.wireEnum(HOOK_FAILURE_REASONS),
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

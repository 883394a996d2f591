/**
 * The record framing shared by the plan (encode.ts) and the messages
 * between the runtime and the init helper (protocol.ts); the C++ side is
 * native/init/plan_reader.h (ParseRecord / AppendRecord). A record is a u32
 * field count, then per field a u32 length and its bytes, little endian.
 *
 * Field types: a string is its UTF-8 bytes and may not hold a NUL (it
 * reaches syscalls as a C string); a number or bigint is its decimal text;
 * a boolean is "1" or "0"; a list is a count field followed by its items;
 * bytes (Uint8Array, Buffer) are copied as they are, any content.
 *
 * Encoding a NUL or a fraction is an InternalError: config validation
 * (lib/config/nul.ts, the schema) refuses both before a plan is made.
 * Decoding bad bytes is a ProtocolError: they came from the other side.
 */
import { InternalError, ProtocolError } from '../errors';

export type Scalar = string | number | bigint | boolean;
export type Field = Scalar | Uint8Array | readonly string[] | readonly number[];

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

function textBytes(s: string): Buffer {
  if (s.includes('\0')) throw new InternalError(`a string field may not hold a NUL: ${JSON.stringify(s)}`);
  return Buffer.from(s, 'utf8');
}

function scalarBytes(value: Scalar): Buffer {
  if (typeof value === 'boolean') return Buffer.from(value ? '1' : '0');
  if (typeof value === 'number' && !Number.isInteger(value)) throw new InternalError(`not an integer: ${value}`);
  return textBytes(String(value));
}

/** The raw byte strings of `fields`, lists flattened to count + items. */
export function flattenFields(fields: readonly Field[]): Buffer[] {
  const out: Buffer[] = [];
  for (const field of fields) {
    if (field instanceof Uint8Array) {
      out.push(Buffer.from(field.buffer, field.byteOffset, field.byteLength));
    } else if (Array.isArray(field)) {
      out.push(scalarBytes(field.length));
      for (const item of field as readonly Scalar[]) out.push(scalarBytes(item));
    } else {
      out.push(scalarBytes(field as Scalar));
    }
  }
  return out;
}

/** One record of raw fields. */
export function encodeRecord(raw: readonly Buffer[]): Buffer {
  const chunks: Buffer[] = [u32(raw.length)];
  for (const bytes of raw) chunks.push(u32(bytes.length), bytes);
  return Buffer.concat(chunks);
}

/** Decodes one record at `offset`: its raw fields and where the next one starts. */
export function decodeRecord(data: Buffer, offset = 0): { fields: Buffer[]; next: number } {
  const need = (pos: number, n: number): void => {
    if (pos + n > data.length) throw new ProtocolError('record: truncated');
  };
  let pos = offset;
  need(pos, 4);
  const count = data.readUInt32LE(pos);
  pos += 4;
  if (count === 0) throw new ProtocolError('record: no fields');
  const fields: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    need(pos, 4);
    const len = data.readUInt32LE(pos);
    pos += 4;
    need(pos, len);
    fields.push(data.subarray(pos, pos + len));
    pos += len;
  }
  return { fields, next: pos };
}

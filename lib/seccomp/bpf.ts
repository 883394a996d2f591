/**
 * Classic BPF as seccomp runs it: struct sock_filter (u16 code, u8 jt, u8 jf,
 * u32 k; 8 bytes, native byte order) and the few instructions kapsel writes
 * itself (./enosys.ts). Jumps are relative and forward only: a jump at
 * index i with offset n lands on i + 1 + n.
 */
import * as os from 'node:os';
import { InternalError } from '../errors';

export interface SockFilter {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

export const BPF_INSTRUCTION_SIZE = 8;

export const BPF_LD_W_ABS = 0x20; // BPF_LD | BPF_W | BPF_ABS: A = seccomp_data[k]
export const BPF_JMP_JA = 0x05; // BPF_JMP | BPF_JA: pc += k
export const BPF_JMP_JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
export const BPF_JMP_JGT_K = 0x25; // BPF_JMP | BPF_JGT | BPF_K (unsigned)
export const BPF_JMP_JSET_K = 0x45; // BPF_JMP | BPF_JSET | BPF_K: A & k
export const BPF_RET_K = 0x06; // BPF_RET | BPF_K

/** Offsets in struct seccomp_data. */
export const SECCOMP_DATA_NR = 0;
export const SECCOMP_DATA_ARCH = 4;

/** The kernel's limit on one filter (BPF_MAXINSNS). */
export const BPF_MAX_INSTRUCTIONS = 4096;

const littleEndian = os.endianness() === 'LE';

export function decodeProgram(program: Buffer): SockFilter[] {
  if (program.length % BPF_INSTRUCTION_SIZE !== 0) throw new InternalError(`a BPF program is a multiple of 8 bytes, not ${program.length}`);
  const out: SockFilter[] = [];
  for (let off = 0; off < program.length; off += BPF_INSTRUCTION_SIZE) {
    out.push({
      code: littleEndian ? program.readUInt16LE(off) : program.readUInt16BE(off),
      jt: program.readUInt8(off + 2),
      jf: program.readUInt8(off + 3),
      k: littleEndian ? program.readUInt32LE(off + 4) : program.readUInt32BE(off + 4),
    });
  }
  return out;
}

export function encodeProgram(instructions: readonly SockFilter[]): Buffer {
  const out = Buffer.alloc(instructions.length * BPF_INSTRUCTION_SIZE);
  instructions.forEach((ins, i) => {
    const off = i * BPF_INSTRUCTION_SIZE;
    if (littleEndian) out.writeUInt16LE(ins.code, off);
    else out.writeUInt16BE(ins.code, off);
    out.writeUInt8(ins.jt, off + 2);
    out.writeUInt8(ins.jf, off + 3);
    if (littleEndian) out.writeUInt32LE(ins.k >>> 0, off + 4);
    else out.writeUInt32BE(ins.k >>> 0, off + 4);
  });
  return out;
}

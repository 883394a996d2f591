/**
 * A classic-BPF interpreter for seccomp programs, as the kernel runs them
 * (the subset libseccomp and lib/seccomp/enosys.ts emit), so that tests can
 * run a compiled program against any architecture's syscalls, including
 * architectures this machine cannot execute. An instruction outside the
 * subset throws, so a test can never pass by misreading one.
 */
import { decodeProgram } from '../../lib/seccomp/bpf';

export interface SeccompData {
  nr: number;
  arch: number;
  instructionPointer?: bigint;
  args?: bigint[];
}

function word(data: SeccompData, offset: number): number {
  if (offset === 0) return data.nr >>> 0;
  if (offset === 4) return data.arch >>> 0;
  const field = offset < 16 ? (data.instructionPointer ?? 0n) : (data.args ?? [])[Math.floor((offset - 16) / 8)] ?? 0n;
  const high = (offset - (offset < 16 ? 8 : 16)) % 8 === 4;
  // Little-endian seccomp_data: the low word first.
  return Number(high ? (field >> 32n) & 0xffffffffn : field & 0xffffffffn);
}

/** Runs `program` on `data`; returns the SECCOMP_RET_* value. */
export function runSeccompProgram(program: Buffer, data: SeccompData): number {
  const ins = decodeProgram(program);
  let a = 0;
  let x = 0;
  const mem = new Array<number>(16).fill(0);
  for (let pc = 0; pc < ins.length; pc++) {
    const { code, jt, jf, k } = ins[pc];
    const jump = (cond: boolean) => (pc += cond ? jt : jf);
    switch (code) {
      case 0x20: a = word(data, k); break; // ld [k]
      case 0x00: a = k >>> 0; break; // ld #k
      case 0x01: x = k >>> 0; break; // ldx #k
      case 0x60: a = mem[k]; break; // ld M[k]
      case 0x61: x = mem[k]; break; // ldx M[k]
      case 0x02: mem[k] = a; break; // st M[k]
      case 0x03: mem[k] = x; break; // stx M[k]
      case 0x54: a = (a & k) >>> 0; break; // and #k
      case 0x44: a = (a | k) >>> 0; break; // or #k
      case 0x87: a = x; break; // txa
      case 0x07: x = a; break; // tax
      case 0x05: pc += k; break; // ja
      case 0x15: jump(a === k >>> 0); break; // jeq #k
      case 0x25: jump(a > k >>> 0); break; // jgt #k
      case 0x35: jump(a >= k >>> 0); break; // jge #k
      case 0x45: jump((a & k) !== 0); break; // jset #k
      case 0x1d: jump(a === x); break; // jeq x
      case 0x2d: jump(a > x); break; // jgt x
      case 0x3d: jump(a >= x); break; // jge x
      case 0x06: return k >>> 0; // ret #k
      case 0x16: return a >>> 0; // ret a
      default:
        throw new Error(`seccomp-bpf: instruction 0x${code.toString(16)} at ${pc} is not interpreted`);
    }
    if (pc >= ins.length) throw new Error('seccomp-bpf: jumped past the end');
  }
  throw new Error('seccomp-bpf: fell off the end without ret');
}

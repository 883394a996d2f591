/** Classic BPF for hand-made seccomp filters in native tests. */

/** One struct sock_filter { u16 code; u8 jt; u8 jf; u32 k }, little-endian. */
export function insn(code: number, jt: number, jf: number, k: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(code, 0);
  b.writeUInt8(jt, 2);
  b.writeUInt8(jf, 3);
  b.writeUInt32LE(k >>> 0, 4);
  return b;
}

/**
 * The cgroup2 device filter: the device rules (devices.ts) compiled into
 * an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE, as instructions
 * that are plain data (printed by `kapsel plan`, checked by unit tests)
 * and encoded into the kernel's 8-byte format for the addon to load and
 * attach (native/addon/cgroup_bpf.cc).
 *
 * The kernel calls the program with a struct bpf_cgroup_dev_ctx
 * { u32 access_type; u32 major; u32 minor; } in R1, access_type being
 * (access << 16) | type; it returns 1 to allow, 0 to deny.
 *
 * The rules are judged one access bit at a time: for each bit the request
 * asks for (mknod, read, write), the last rule that matches the device and
 * names that bit decides; nothing matching denies; the request is allowed
 * only if every bit it asks for is. So two allow rules add up ("c 1:3 r"
 * then "c 1:3 w" grant "rw", as v1's devices.allow does), and a later deny
 * takes away exactly the bits it names, also from a wildcard rule before
 * it ("c 1:* rwm" then deny "c 1:3 w" leaves /dev/null readable only).
 * v1 silently ignores such a hole in a wildcard and runc refuses it; here
 * it is enforced, which is what the config asks for.
 */
import type { DeviceRule } from './device-rule';

/** One instruction, as data. Jumps skip `off` instructions when taken. */
export type BpfInsn =
  | {
      /** Load a 32-bit word: dst = *(u32 *)(src + off). */
      op: 'ldxw';
      /** The destination register. */
      dst: number;
      /** The register holding the address. */
      src: number;
      /** The byte offset from it. */
      off: number;
    }
  | {
      /** Copy a register: dst = src (32 bits). */
      op: 'mov32';
      /** The destination register. */
      dst: number;
      /** The source register. */
      src: number;
    }
  | {
      /** Load a constant: dst = imm (32 bits). */
      op: 'mov32i';
      /** The destination register. */
      dst: number;
      /** The constant. */
      imm: number;
    }
  | {
      /** Mask: dst &= imm (32 bits). */
      op: 'and32i';
      /** The register. */
      dst: number;
      /** The mask. */
      imm: number;
    }
  | {
      /** Shift right: dst >>= imm (32 bits). */
      op: 'rsh32i';
      /** The register. */
      dst: number;
      /** The shift. */
      imm: number;
    }
  | {
      /** Jump if dst != imm. */
      op: 'jnei';
      /** The register compared. */
      dst: number;
      /** The constant compared with. */
      imm: number;
      /** Instructions skipped when taken. */
      off: number;
    }
  | {
      /** Jump if dst == imm. */
      op: 'jeqi';
      /** The register compared. */
      dst: number;
      /** The constant compared with. */
      imm: number;
      /** Instructions skipped when taken. */
      off: number;
    }
  | {
      /** Jump always. */
      op: 'ja';
      /** Instructions skipped. */
      off: number;
    }
  | {
      /** Return R0 (1 allows, 0 denies). */
      op: 'exit';
    };

const BPF_DEVCG_DEV_BLOCK = 1;
const BPF_DEVCG_DEV_CHAR = 2;
/** BPF_DEVCG_ACC_MKNOD, _READ, _WRITE, in the order the sections are emitted. */
const ACCESS_BITS: ReadonlyArray<readonly [string, number]> = [
  ['m', 1],
  ['r', 2],
  ['w', 4],
];

// Registers after the prelude.
const R_TYPE = 2;
const R_ACCESS = 3;
const R_MAJOR = 4;
const R_MINOR = 5;
const R_SCRATCH = 6;

/** A jump whose target is the end of the section being built; resolved by `section`. */
const TO_SECTION_END = -1;

/**
 * The tests of one rule: each jumps past the rule's verdict when the
 * device does not match. Empty for a rule matching every device.
 */
function deviceTests(rule: DeviceRule): BpfInsn[] {
  const tests: BpfInsn[] = [];
  if (rule.type !== 'a') tests.push({ op: 'jnei', dst: R_TYPE, imm: rule.type === 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, off: 0 });
  if (rule.major >= 0) tests.push({ op: 'jnei', dst: R_MAJOR, imm: rule.major, off: 0 });
  if (rule.minor >= 0) tests.push({ op: 'jnei', dst: R_MINOR, imm: rule.minor, off: 0 });
  return tests;
}

/**
 * The section for one access bit: skipped when the request does not ask
 * for the bit; otherwise the rules naming the bit, last first, and the
 * first that matches decides (allow: on to the next section; deny: the
 * program returns 0); no match denies.
 */
function section(bit: number, rules: readonly DeviceRule[]): BpfInsn[] {
  const body: BpfInsn[] = [
    { op: 'mov32', dst: R_SCRATCH, src: R_ACCESS },
    { op: 'and32i', dst: R_SCRATCH, imm: bit },
    { op: 'jeqi', dst: R_SCRATCH, imm: 0, off: TO_SECTION_END },
  ];
  let decided = false;
  for (const rule of [...rules].reverse()) {
    const tests = deviceTests(rule);
    const verdict: BpfInsn[] = rule.allow ? [{ op: 'ja', off: TO_SECTION_END }] : [{ op: 'mov32i', dst: 0, imm: 0 }, { op: 'exit' }];
    if (tests.length === 0) {
      // A rule matching every device decides for good: the verifier
      // refuses the unreachable rest. An allow just falls through.
      if (!rule.allow) body.push(...verdict);
      decided = true;
      break;
    }
    body.push(...tests.map((t, at) => ({ ...t, off: tests.length - at - 1 + verdict.length }) as BpfInsn), ...verdict);
  }
  if (!decided) body.push({ op: 'mov32i', dst: 0, imm: 0 }, { op: 'exit' });
  return body.map((insn, at) => ('off' in insn && insn.off === TO_SECTION_END ? { ...insn, off: body.length - at - 1 } : insn));
}

/** The device filter for `rules` (in the order they were given). */
export function deviceProgram(rules: readonly DeviceRule[]): BpfInsn[] {
  const program: BpfInsn[] = [
    { op: 'ldxw', dst: R_TYPE, src: 1, off: 0 },
    { op: 'and32i', dst: R_TYPE, imm: 0xffff },
    { op: 'ldxw', dst: R_ACCESS, src: 1, off: 0 },
    { op: 'rsh32i', dst: R_ACCESS, imm: 16 },
    { op: 'ldxw', dst: R_MAJOR, src: 1, off: 4 },
    { op: 'ldxw', dst: R_MINOR, src: 1, off: 8 },
  ];
  for (const [letter, bit] of ACCESS_BITS) {
    program.push(...section(bit, rules.filter((r) => r.access.includes(letter))));
  }
  program.push({ op: 'mov32i', dst: 0, imm: 1 }, { op: 'exit' });
  return program;
}

const OPCODES: Record<BpfInsn['op'], number> = {
  ldxw: 0x61, // BPF_LDX | BPF_MEM | BPF_W
  mov32: 0xbc, // BPF_ALU | BPF_MOV | BPF_X
  mov32i: 0xb4, // BPF_ALU | BPF_MOV | BPF_K
  and32i: 0x54, // BPF_ALU | BPF_AND | BPF_K
  rsh32i: 0x74, // BPF_ALU | BPF_RSH | BPF_K
  jnei: 0x55, // BPF_JMP | BPF_JNE | BPF_K
  jeqi: 0x15, // BPF_JMP | BPF_JEQ | BPF_K
  ja: 0x05, // BPF_JMP | BPF_JA
  exit: 0x95, // BPF_JMP | BPF_EXIT
};

/** struct bpf_insn { u8 code; u8 dst:4, src:4; s16 off; s32 imm; }, little-endian (x86-64, arm64). */
export function encodeProgram(insns: readonly BpfInsn[]): Buffer {
  const buf = Buffer.alloc(insns.length * 8);
  insns.forEach((insn, i) => {
    const at = i * 8;
    const dst = 'dst' in insn ? insn.dst : 0;
    const src = 'src' in insn ? insn.src : 0;
    buf.writeUInt8(OPCODES[insn.op], at);
    buf.writeUInt8((src << 4) | dst, at + 1);
    buf.writeInt16LE('off' in insn ? insn.off : 0, at + 2);
    buf.writeInt32LE('imm' in insn ? insn.imm | 0 : 0, at + 4);
  });
  return buf;
}

/** One line per instruction, for `kapsel plan`. */
export function formatProgram(insns: readonly BpfInsn[]): string[] {
  return insns.map((i, n) => {
    const at = String(n).padStart(3);
    switch (i.op) {
      case 'ldxw':
        return `${at}: r${i.dst} = *(u32 *)(r${i.src} + ${i.off})`;
      case 'mov32':
        return `${at}: w${i.dst} = w${i.src}`;
      case 'mov32i':
        return `${at}: w${i.dst} = ${i.imm}`;
      case 'and32i':
        return `${at}: w${i.dst} &= ${i.imm}`;
      case 'rsh32i':
        return `${at}: w${i.dst} >>= ${i.imm}`;
      case 'jnei':
        return `${at}: if r${i.dst} != ${i.imm} goto +${i.off}`;
      case 'jeqi':
        return `${at}: if r${i.dst} == ${i.imm} goto +${i.off}`;
      case 'ja':
        return `${at}: goto +${i.off}`;
      case 'exit':
        return `${at}: exit`;
    }
  });
}

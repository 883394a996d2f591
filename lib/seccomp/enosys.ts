/**
 * ENOSYS for syscalls newer than the profile.
 *
 * A profile is written against some kernel. A syscall added later (clone3,
 * faccessat2, openat2 for older profiles) is not named in it, so an
 * allow-list profile gives it the default action, typically EPERM. libc
 * treats EPERM as a real answer, while ENOSYS makes it fall back to the
 * older syscall (glibc: clone3 -> clone, faccessat2 -> faccessat). runc and
 * crun therefore answer ENOSYS for every syscall whose number is above the
 * highest one the profile names.
 *
 * How kapsel does it: libseccomp exports a complete program; kapsel prepends
 * a short prefix of its own and leaves libseccomp's program untouched:
 *
 *       ld  [arch]                          A = seccomp_data.arch
 *   A1: jeq AUDIT_ARCH_1, 0, A2             one block per architecture
 *       ld  [nr]                            A = seccomp_data.nr
 *       jgt MAX_1, ENOSYS, MAIN             newer than the profile?
 *   A2: ...
 *       ja  MAIN                            an arch the prefix does not know
 *   ENOSYS: ret ERRNO(ENOSYS)
 *   MAIN: libseccomp's program, unchanged (it reloads what it needs)
 *
 * Because classic BPF jumps are relative and only go forward, putting
 * instructions in front of libseccomp's program changes none of its jumps;
 * only the prefix's own offsets are computed (by the small assembler below,
 * from labels). x86_64 needs one more step: x32 syscalls arrive with the
 * x86_64 audit arch and __X32_SYSCALL_BIT set in the number, so that block
 * first tests the bit and compares x32 numbers with the x32 maximum.
 *
 * The prefix is added only when the default action refuses syscalls
 * (anything but ALLOW or LOG): under an allowing default an unnamed syscall
 * runs, and answering ENOSYS would take it away. An architecture of which the
 * profile names no syscall gets no block: there is no "newer" to speak of.
 */
import {
  BPF_JMP_JA,
  BPF_JMP_JEQ_K,
  BPF_JMP_JGT_K,
  BPF_JMP_JSET_K,
  BPF_LD_W_ABS,
  BPF_MAX_INSTRUCTIONS,
  BPF_RET_K,
  SECCOMP_DATA_ARCH,
  SECCOMP_DATA_NR,
  encodeProgram,
  type SockFilter,
} from './bpf';
import { ACTIONS, ENOSYS } from '../config/seccomp/names';
import { InternalError } from '../errors';

/** AUDIT_ARCH_X86_64: the arch x86_64 and x32 syscalls both arrive with. */
export const AUDIT_ARCH_X86_64 = 0xc000003e;
/** libseccomp's token for x32 (never seen in seccomp_data.arch). */
export const SCMP_ARCH_X32 = 0x4000003e;
/** __X32_SYSCALL_BIT: set in the number of every x32 syscall. */
export const X32_SYSCALL_BIT = 0x40000000;

type Target = string | 0;
type Line = { label: string } | { code: number; k: number; jt?: Target; jf?: Target; ja?: string };

/** Resolves the labels of `lines` into relative offsets; `main` is the first instruction after them. */
function assemble(lines: Line[]): SockFilter[] {
  const at = new Map<string, number>();
  let count = 0;
  for (const line of lines) {
    if ('label' in line) at.set(line.label, count);
    else count++;
  }
  at.set('main', count);
  const out: SockFilter[] = [];
  const offset = (from: number, target: Target | undefined): number => {
    if (target === undefined || target === 0) return 0;
    const to = at.get(target);
    if (to === undefined) throw new InternalError(`enosys prefix: no label ${target}`);
    const delta = to - from - 1;
    if (delta < 0 || delta > 255) throw new InternalError(`enosys prefix: jump to ${target} out of range (${delta})`);
    return delta;
  };
  for (const line of lines) {
    if ('label' in line) continue;
    const index = out.length;
    if (line.ja !== undefined) {
      const to = at.get(line.ja);
      if (to === undefined) throw new InternalError(`enosys prefix: no label ${line.ja}`);
      out.push({ code: line.code, jt: 0, jf: 0, k: to - index - 1 });
    } else {
      out.push({ code: line.code, jt: offset(index, line.jt), jf: offset(index, line.jf), k: line.k >>> 0 });
    }
  }
  return out;
}

/** `jgt max, ENOSYS, MAIN`, or straight to MAIN when nothing of this kind is named. */
function newerThan(max: number | undefined): Line {
  return max === undefined ? { code: BPF_JMP_JA, k: 0, ja: 'main' } : { code: BPF_JMP_JGT_K, k: max, jt: 'enosys', jf: 'main' };
}

/**
 * The prefix for `maxByArch`: libseccomp arch token -> the highest syscall
 * number the profile names on it (numbers as seccomp_data.nr carries them,
 * x32 ones with the x32 bit). Empty when the map is.
 */
export function enosysPrefix(maxByArch: ReadonlyMap<number, number>): SockFilter[] {
  // Kernel arch value -> its maxima; x32 folds into x86_64's block.
  const blocks = new Map<number, { max?: number; x32Max?: number }>();
  for (const [token, max] of maxByArch) {
    const arch = token === SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : token;
    const block = blocks.get(arch) ?? {};
    if (token === SCMP_ARCH_X32) block.x32Max = max;
    else block.max = max;
    blocks.set(arch, block);
  }
  if (blocks.size === 0) return [];
  const lines: Line[] = [{ code: BPF_LD_W_ABS, k: SECCOMP_DATA_ARCH }];
  const arches = [...blocks.keys()].sort((a, b) => a - b);
  arches.forEach((arch, i) => {
    const block = blocks.get(arch)!;
    const next = `arch${i + 1}`;
    lines.push({ code: BPF_JMP_JEQ_K, k: arch, jt: 0, jf: next });
    lines.push({ code: BPF_LD_W_ABS, k: SECCOMP_DATA_NR });
    if (arch === AUDIT_ARCH_X86_64) {
      lines.push({ code: BPF_JMP_JSET_K, k: X32_SYSCALL_BIT, jt: `x32_${i}`, jf: 0 });
      lines.push(newerThan(block.max));
      lines.push({ label: `x32_${i}` });
      lines.push(newerThan(block.x32Max));
    } else {
      lines.push(newerThan(block.max));
    }
    lines.push({ label: next });
  });
  lines.push({ code: BPF_JMP_JA, k: 0, ja: 'main' });
  lines.push({ label: 'enosys' });
  lines.push({ code: BPF_RET_K, k: (ACTIONS.SCMP_ACT_ERRNO | ENOSYS) >>> 0 });
  return assemble(lines);
}

/** `program` with the ENOSYS prefix for `maxByArch` in front (unchanged when the prefix is empty). */
export function withEnosysPrefix(program: Buffer, maxByArch: ReadonlyMap<number, number>): Buffer {
  const prefix = enosysPrefix(maxByArch);
  if (prefix.length === 0) return program;
  // Over BPF_MAX_INSTRUCTIONS is the profile's doing: compileSeccomp checks
  // the total and names the profile (an InvalidConfigError).
  return Buffer.concat([encodeProgram(prefix), program]);
}

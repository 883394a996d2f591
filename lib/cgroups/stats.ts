/**
 * The shape of runc's stats (runc's `types.Stats`, what `runc events
 * --stats` prints), so that monitoring built on runc's output reads
 * kapsel's the same: its key names (camelCase and snake_case mixed, as
 * runc has them), its omitted zero values (Go's `omitempty`), and its
 * integers printed exactly (a limit of 9223372036854771712 is not
 * 9223372036854772000). The drivers (v1.ts, v2.ts) read the files; this
 * module only shapes and prints.
 */
import { randomUUID } from 'node:crypto';

export interface MemoryEntry {
  limit: number;
  usage?: number;
  max?: number;
  failcnt: number;
}

export interface BlkioEntry {
  major?: number;
  minor?: number;
  op?: string;
  value?: number;
}

export interface CpusetStats {
  cpus?: number[];
  cpu_exclusive: number;
  mems?: number[];
  mem_hardwall: number;
  mem_exclusive: number;
  memory_migrate: number;
  memory_spread_page: number;
  memory_spread_slab: number;
  memory_pressure: number;
  sched_load_balance: number;
  sched_relax_domain_level: number;
}

/** runc's stats (libcontainer/cgroups Stats as runc's types.Stats prints it). */
export interface CgroupStats {
  cpu: {
    /** Nanoseconds. */
    usage: { total?: number; percpu?: number[]; percpu_kernel?: number[]; percpu_user?: number[]; kernel: number; user: number };
    throttling: { periods?: number; throttledPeriods?: number; throttledTime?: number };
  };
  cpuset: CpusetStats;
  memory: {
    cache?: number;
    usage?: MemoryEntry;
    swap?: MemoryEntry;
    kernel?: MemoryEntry;
    kernelTCP?: MemoryEntry;
    raw?: Record<string, number>;
  };
  pids: { current?: number; limit?: number };
  blkio: {
    ioServiceBytesRecursive?: BlkioEntry[];
    ioServicedRecursive?: BlkioEntry[];
  };
  hugetlb: Record<string, { usage?: number; max?: number; failcnt: number }>;
  /** This host has no resctrl (README): always empty, as runc prints it there. */
  intel_rdt: Record<string, never>;
  /** runc prints null: it reads no network statistics for `events`. */
  network_interfaces: null;
}

/**
 * "max" in a cgroup2 limit: runc reports math.MaxUint64. 2^64 is no
 * uint64, so the number 2^64 (exact as a double) stands for it here and
 * prints as 18446744073709551615.
 */
export const MAX_UINT64 = 2 ** 64;

/** `obj` without its undefined, zero, empty-array and empty-object values (Go's omitempty). */
export function omitEmpty<T extends object>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    if (value === undefined || value === 0 || value === '') continue;
    if (Array.isArray(value) && value.length === 0) continue;
    out[key] = value;
  }
  return out as T;
}

/** A MemoryEntry as runc prints it: limit and failcnt always, usage and max when not zero. */
export function memoryEntry(limit: number, usage: number | undefined, max: number | undefined, failcnt: number | undefined): MemoryEntry {
  return { limit, ...omitEmpty({ usage, max }), failcnt: failcnt ?? 0 };
}

/** A cpuset list ("0-3,8,10-11") as numbers, as runc parses cpuset.cpus. */
export function parseCpuList(text: string | undefined): number[] {
  const out: number[] = [];
  for (const part of (text ?? '').trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    for (let n = first; n <= last && out.length < 65536; n++) out.push(n);
  }
  return out;
}

/**
 * JSON with every integer printed exactly: a number beyond 2^53 that is an
 * integer (page-aligned limits are exact as doubles) prints all its digits,
 * MAX_UINT64 as 18446744073709551615. The marker the digits travel in is
 * new for each call, so no string of the data can pass for one.
 */
export function stringifyExact(value: unknown): string {
  const marker = `\u0000exact-${randomUUID()}:`;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'number' || Number.isSafeInteger(v) || !Number.isInteger(v)) return v;
    return marker + (v === MAX_UINT64 ? '18446744073709551615' : BigInt(v).toString());
  });
  // Each marked value is serialized as "<marker><digits>": drop the quotes and the marker.
  const opening = JSON.stringify(marker).slice(0, -1);
  return text
    .split(opening)
    .map((part, i) => (i === 0 ? part : part.replace(/^(\d+)"/, '$1')))
    .join('');
}

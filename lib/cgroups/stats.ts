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

/** One memory counter: usage, peak and limit, bytes, as runc's MemoryData. */
export interface MemoryEntry {
  /** The limit (MAX_UINT64 for none). */
  limit: number;
  /** Current usage; absent when zero. */
  usage?: number;
  /** Peak usage; absent when zero or unknown. */
  max?: number;
  /** How often the limit was hit. */
  failcnt: number;
}

/** One block I/O counter of one device and operation, as runc's BlkioStatEntry. */
export interface BlkioEntry {
  /** The device's major number. */
  major?: number;
  /** The device's minor number. */
  minor?: number;
  /** The operation ("Read", "Write", "Sync", "Async", "Discard", "Total"). */
  op?: string;
  /** Bytes, or operations. */
  value?: number;
}

/** The cpuset controller's settings, as runc's CPUSetStats (cgroup v1 files; 0 where v2 has none). */
export interface CpusetStats {
  /** The CPUs the cgroup may use. */
  cpus?: number[];
  /** cpuset.cpu_exclusive. */
  cpu_exclusive: number;
  /** The memory nodes the cgroup may use. */
  mems?: number[];
  /** cpuset.mem_hardwall. */
  mem_hardwall: number;
  /** cpuset.mem_exclusive. */
  mem_exclusive: number;
  /** cpuset.memory_migrate. */
  memory_migrate: number;
  /** cpuset.memory_spread_page. */
  memory_spread_page: number;
  /** cpuset.memory_spread_slab. */
  memory_spread_slab: number;
  /** cpuset.memory_pressure. */
  memory_pressure: number;
  /** cpuset.sched_load_balance. */
  sched_load_balance: number;
  /** cpuset.sched_relax_domain_level. */
  sched_relax_domain_level: number;
}

/** runc's stats (libcontainer/cgroups Stats as runc's types.Stats prints it). */
export interface CgroupStats {
  /** CPU time used, and throttling. */
  cpu: {
    /** CPU time used, nanoseconds. */
    usage: {
      /** All CPU time. */
      total?: number;
      /** Per CPU. */
      percpu?: number[];
      /** Per CPU, in the kernel (cgroup v1 cpuacct). */
      percpu_kernel?: number[];
      /** Per CPU, in user mode (cgroup v1 cpuacct). */
      percpu_user?: number[];
      /** In the kernel. */
      kernel: number;
      /** In user mode. */
      user: number;
    };
    /** CFS quota throttling. */
    throttling: {
      /** Enforcement periods that elapsed. */
      periods?: number;
      /** Periods in which the cgroup was throttled. */
      throttledPeriods?: number;
      /** Total time throttled, nanoseconds. */
      throttledTime?: number;
    };
  };
  /** The cpuset controller's settings. */
  cpuset: CpusetStats;
  /** Memory usage and limits. */
  memory: {
    /** Page cache, bytes. */
    cache?: number;
    /** Memory. */
    usage?: MemoryEntry;
    /** Memory plus swap (v1), or swap (v2). */
    swap?: MemoryEntry;
    /** Kernel memory (cgroup v1). */
    kernel?: MemoryEntry;
    /** Kernel TCP buffers (cgroup v1). */
    kernelTCP?: MemoryEntry;
    /** memory.stat's counters, by name. */
    raw?: Record<string, number>;
  };
  /** Tasks. */
  pids: {
    /** Tasks in the cgroup now. */
    current?: number;
    /** The limit; absent when there is none (as runc omits it). */
    limit?: number;
  };
  /** Block I/O. */
  blkio: {
    /** Bytes, per device and operation. */
    ioServiceBytesRecursive?: BlkioEntry[];
    /** Operations, per device and operation. */
    ioServicedRecursive?: BlkioEntry[];
  };
  /** Huge page usage, by page size ("2MB"). */
  hugetlb: Record<
    string,
    {
      /** Bytes in use. */
      usage?: number;
      /** Peak bytes. */
      max?: number;
      /** How often the limit was hit. */
      failcnt: number;
    }
  >;
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

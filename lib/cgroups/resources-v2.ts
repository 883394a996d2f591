/**
 * linux.resources -> cgroup2 file writes, with the conversions runc and
 * crun use for the v1-shaped fields of the spec: cpu shares -> cpu.weight,
 * blkio weight -> io.weight, memory+swap -> memory.swap.max (swap only),
 * quota/period -> cpu.max. What v2 has no file for (swappiness, kernel
 * memory, realtime, net_cls/net_prio, disableOOMKiller) is a warning.
 * Pure, like resources-v1.ts.
 */
import type { LinuxResources } from '../config/types';
import { InvalidConfigError } from '../errors';
import { rdmaLines, RESOURCES } from './resources-v1';
import { checkUnifiedKey } from './unified-key';
import type { CgroupSettings, CgroupWrite } from './writes';

const str = (n: number): string => String(n);
const limitOrMax = (n: number): string => (n < 0 ? 'max' : str(n));

/** runc's ConvertCPUSharesToCgroupV2Value: [2, 262144] -> [1, 10000]. */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  return Math.floor(1 + ((shares - 2) * 9999) / 262142);
}

/** runc's ConvertBlkIOToIOWeightValue: [10, 1000] -> [1, 10000]. */
export function blkioWeightToIoWeight(weight: number): number {
  if (weight === 0) return 0;
  return Math.floor(1 + ((weight - 10) * 9999) / 990);
}

/**
 * runc's ConvertMemorySwapToCgroupV2Value: the spec's swap is memory+swap
 * (the v1 meaning); memory.swap.max is the swap alone.
 */
export function swapToV2(swap: number, limit: number | undefined, at = RESOURCES): string | undefined {
  if (swap === -1) return 'max';
  if (swap === 0) return undefined;
  if (limit === undefined || limit === 0) throw new InvalidConfigError(`${at}/memory/swap`, 'a swap limit needs a memory limit');
  if (limit === -1) throw new InvalidConfigError(`${at}/memory/swap`, 'a swap limit with an unlimited memory limit means nothing');
  if (swap < limit) throw new InvalidConfigError(`${at}/memory/swap`, `memory+swap (${swap}) is below the memory limit (${limit})`);
  return str(swap - limit);
}

function memoryV2(r: LinuxResources, out: CgroupWrite[], warnings: string[], at: string): void {
  const m = r.memory;
  if (!m) return;
  const w = (file: string, value: string): void => {
    out.push({ controller: '', file, value });
  };
  if (m.swap !== undefined) {
    const swap = swapToV2(m.swap, m.limit, at);
    if (swap !== undefined) w('memory.swap.max', swap);
  }
  if (m.limit !== undefined && m.limit !== 0) w('memory.max', limitOrMax(m.limit));
  if (m.reservation !== undefined && m.reservation !== 0) w('memory.low', limitOrMax(m.reservation));
  if (m.kernel) warnings.push('linux.resources.memory.kernel: cgroup v2 has no kernel memory limit, ignored');
  if (m.kernelTCP) warnings.push('linux.resources.memory.kernelTCP: cgroup v2 has no kernel TCP memory limit, ignored');
  if (m.swappiness !== undefined && m.swappiness !== null && m.swappiness >= 0) {
    warnings.push('linux.resources.memory.swappiness: cgroup v2 has no per-cgroup swappiness, ignored');
  }
  if (m.useHierarchy === false) warnings.push('linux.resources.memory.useHierarchy: cgroup v2 is always hierarchical, ignored');
  if (m.disableOOMKiller) warnings.push('linux.resources.memory.disableOOMKiller: cgroup v2 cannot disable the OOM killer, ignored');
}

function cpuV2(r: LinuxResources, out: CgroupWrite[], warnings: string[]): void {
  const c = r.cpu;
  if (!c) return;
  const w = (file: string, value: string, ifMissing?: string): void => {
    out.push({ controller: '', file, value, ...(ifMissing ? { ifMissing } : {}) });
  };
  if (c.cpus) w('cpuset.cpus', c.cpus);
  if (c.mems) w('cpuset.mems', c.mems);
  if (c.shares) w('cpu.weight', str(sharesToWeight(c.shares)));
  if ((c.quota !== undefined && c.quota !== 0) || c.period) {
    const quota = c.quota === undefined || c.quota === 0 || c.quota < 0 ? 'max' : str(c.quota);
    w('cpu.max', `${quota} ${c.period || 100000}`);
  }
  if (c.burst !== undefined) w('cpu.max.burst', str(c.burst), 'linux.resources.cpu.burst: this kernel has no cpu.max.burst, ignored');
  if (c.idle !== undefined) w('cpu.idle', str(c.idle), 'linux.resources.cpu.idle: this kernel has no cpu.idle, ignored');
  if (c.realtimePeriod || c.realtimeRuntime) warnings.push('linux.resources.cpu.realtime*: cgroup v2 has no realtime group scheduling, ignored');
}

function ioV2(r: LinuxResources, out: CgroupWrite[], warnings: string[]): void {
  const b = r.blockIO;
  if (!b) return;
  const w = (file: string, value: string): void => {
    out.push({ controller: '', file, value });
  };
  if (b.weight) w('io.weight', str(blkioWeightToIoWeight(b.weight)));
  if (b.leafWeight) warnings.push('linux.resources.blockIO.leafWeight: cgroup v2 has no leaf weight, ignored');
  for (const d of b.weightDevice ?? []) {
    if (d.weight) w('io.weight', `${d.major}:${d.minor} ${blkioWeightToIoWeight(d.weight)}`);
  }
  const throttles: Array<[keyof typeof b, string]> = [
    ['throttleReadBpsDevice', 'rbps'],
    ['throttleWriteBpsDevice', 'wbps'],
    ['throttleReadIOPSDevice', 'riops'],
    ['throttleWriteIOPSDevice', 'wiops'],
  ];
  for (const [key, name] of throttles) {
    for (const d of (b[key] as Array<{ major: number; minor: number; rate: number }> | undefined) ?? []) {
      w('io.max', `${d.major}:${d.minor} ${name}=${d.rate === 0 ? 'max' : d.rate}`);
    }
  }
}

/** The cgroup2 writes for `resources` (without devices: see device-bpf.ts). */
export function resourcesV2(r: LinuxResources, at = RESOURCES): CgroupSettings {
  const writes: CgroupWrite[] = [];
  const warnings: string[] = [];
  cpuV2(r, writes, warnings);
  memoryV2(r, writes, warnings, at);
  const limit = r.pids?.limit;
  if (limit !== undefined && limit !== 0) writes.push({ controller: '', file: 'pids.max', value: limitOrMax(limit) });
  ioV2(r, writes, warnings);
  for (const h of r.hugepageLimits ?? []) {
    writes.push({ controller: '', file: `hugetlb.${h.pageSize}.max`, value: str(h.limit) });
    writes.push({ controller: '', file: `hugetlb.${h.pageSize}.rsvd.max`, value: str(h.limit), ifMissing: '' });
  }
  if (r.network && (r.network.classID !== undefined || (r.network.priorities ?? []).length > 0)) {
    warnings.push('linux.resources.network: cgroup v2 has no net_cls/net_prio, ignored');
  }
  for (const line of rdmaLines(r)) writes.push({ controller: '', file: 'rdma.max', value: line });
  // Last, so that an explicit file wins over a converted field (as runc).
  for (const [key, value] of Object.entries(r.unified ?? {})) {
    checkUnifiedKey(key, at);
    writes.push({ controller: '', file: key, value });
  }
  return { writes, warnings };
}

/** The cgroup2 controllers `writes` need enabled in the parents' cgroup.subtree_control. */
export function controllersFor(writes: readonly CgroupWrite[]): string[] {
  const set = new Set<string>();
  for (const w of writes) {
    const prefix = w.file.split('.')[0];
    if (prefix !== 'cgroup') set.add(prefix);
  }
  return [...set];
}

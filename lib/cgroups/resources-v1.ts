/**
 * linux.resources -> cgroup v1 file writes, in the order runc writes them
 * (cpuset before tasks arrive, the cfs period before the quota, the
 * memory limit before memory+swap). Pure: no file is read here; a write
 * whose file the kernel no longer has carries its warning (`ifMissing`).
 */
import type { LinuxResources } from '../config/types';
import { InvalidConfigError } from '../errors';
import { checkUnifiedKey } from './unified-key';
import type { CgroupSettings, CgroupWrite } from './writes';

const str = (n: number): string => String(n);

/** Where resources sit in config.json; errors name fields below it (update's document: ""). */
export const RESOURCES = '/linux/resources';

/** v1 takes -1 for "no limit" in the *_in_bytes files. */
function bytes(n: number): string {
  return n < 0 ? '-1' : str(n);
}

export function memoryV1(r: LinuxResources, out: CgroupWrite[], at = RESOURCES): void {
  const m = r.memory;
  if (!m) return;
  const w = (file: string, value: string, ifMissing?: string): void => {
    out.push({ controller: 'memory', file, value, ...(ifMissing ? { ifMissing } : {}) });
  };
  if (m.limit !== undefined && m.limit !== 0) w('memory.limit_in_bytes', bytes(m.limit));
  if (m.swap !== undefined && m.swap !== 0) {
    w('memory.memsw.limit_in_bytes', bytes(m.swap), 'linux.resources.memory.swap: this kernel has no swap accounting (memory.memsw), the swap limit is not applied');
  }
  if (m.reservation !== undefined && m.reservation !== 0) w('memory.soft_limit_in_bytes', bytes(m.reservation));
  if (m.kernel !== undefined && m.kernel !== 0) {
    w('memory.kmem.limit_in_bytes', bytes(m.kernel), 'linux.resources.memory.kernel: kernel memory limits are not supported by this kernel, ignored');
  }
  if (m.kernelTCP !== undefined && m.kernelTCP !== 0) {
    w('memory.kmem.tcp.limit_in_bytes', bytes(m.kernelTCP), 'linux.resources.memory.kernelTCP: kernel TCP memory limits are not supported by this kernel, ignored');
  }
  if (m.swappiness !== undefined && m.swappiness !== null) {
    if (m.swappiness > 100) throw new InvalidConfigError(`${at}/memory/swappiness`, `${m.swappiness} is above 100`);
    if (m.swappiness >= 0) w('memory.swappiness', str(m.swappiness));
  }
  if (m.disableOOMKiller) w('memory.oom_control', '1');
  // Always on since Linux 6.x (writing 1 is accepted, 0 refused): as asked.
  if (m.useHierarchy !== undefined) w('memory.use_hierarchy', m.useHierarchy ? '1' : '0', 'linux.resources.memory.useHierarchy: this kernel has no memory.use_hierarchy, ignored');
}

function cpuV1(r: LinuxResources, out: CgroupWrite[]): void {
  const c = r.cpu;
  if (!c) return;
  const w = (controller: string, file: string, value: string, ifMissing?: string): void => {
    out.push({ controller, file, value, ...(ifMissing ? { ifMissing } : {}) });
  };
  if (c.cpus) w('cpuset', 'cpuset.cpus', c.cpus);
  if (c.mems) w('cpuset', 'cpuset.mems', c.mems);
  if (c.shares) w('cpu', 'cpu.shares', str(c.shares));
  if (c.period) w('cpu', 'cpu.cfs_period_us', str(c.period));
  if (c.quota !== undefined && c.quota !== 0) w('cpu', 'cpu.cfs_quota_us', str(c.quota));
  if (c.burst !== undefined) w('cpu', 'cpu.cfs_burst_us', str(c.burst), 'linux.resources.cpu.burst: this kernel has no cpu.cfs_burst_us, ignored');
  if (c.realtimePeriod) w('cpu', 'cpu.rt_period_us', str(c.realtimePeriod), 'linux.resources.cpu.realtimePeriod: this kernel has no realtime group scheduling, ignored');
  if (c.realtimeRuntime) w('cpu', 'cpu.rt_runtime_us', str(c.realtimeRuntime), 'linux.resources.cpu.realtimeRuntime: this kernel has no realtime group scheduling, ignored');
  if (c.idle !== undefined) w('cpu', 'cpu.idle', str(c.idle), 'linux.resources.cpu.idle: this kernel has no cpu.idle, ignored');
}

function pidsV1(r: LinuxResources, out: CgroupWrite[]): void {
  const limit = r.pids?.limit;
  if (limit === undefined || limit === 0) return;
  out.push({ controller: 'pids', file: 'pids.max', value: limit > 0 ? str(limit) : 'max' });
}

function blkioV1(r: LinuxResources, out: CgroupWrite[]): void {
  const b = r.blockIO;
  if (!b) return;
  const w = (file: string, value: string, ifMissing?: string): void => {
    out.push({ controller: 'blkio', file, value, ...(ifMissing !== undefined ? { ifMissing } : {}) });
  };
  // Weights exist only with a proportional I/O scheduler: CFQ (blkio.weight) or BFQ (blkio.bfq.weight).
  const noScheduler = (field: string): string => `linux.resources.blockIO.${field}: no CFQ or BFQ I/O scheduler cgroup files here, ignored`;
  if (b.weight) {
    w('blkio.weight', str(b.weight), '');
    w('blkio.bfq.weight', str(b.weight), noScheduler('weight'));
  }
  if (b.leafWeight) w('blkio.leaf_weight', str(b.leafWeight), noScheduler('leafWeight'));
  for (const d of b.weightDevice ?? []) {
    if (d.weight) {
      w('blkio.weight_device', `${d.major}:${d.minor} ${d.weight}`, '');
      w('blkio.bfq.weight_device', `${d.major}:${d.minor} ${d.weight}`, noScheduler('weightDevice'));
    }
    if (d.leafWeight) w('blkio.leaf_weight_device', `${d.major}:${d.minor} ${d.leafWeight}`, noScheduler('weightDevice.leafWeight'));
  }
  const throttles: Array<[keyof typeof b, string]> = [
    ['throttleReadBpsDevice', 'blkio.throttle.read_bps_device'],
    ['throttleWriteBpsDevice', 'blkio.throttle.write_bps_device'],
    ['throttleReadIOPSDevice', 'blkio.throttle.read_iops_device'],
    ['throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device'],
  ];
  for (const [key, file] of throttles) {
    for (const d of (b[key] as Array<{ major: number; minor: number; rate: number }> | undefined) ?? []) {
      w(file, `${d.major}:${d.minor} ${d.rate}`);
    }
  }
}

/** "2MB" -> the file infix the kernel uses ("2MB"); the size is one of the host's (hugepages.ts). */
function hugetlbV1(r: LinuxResources, out: CgroupWrite[]): void {
  for (const h of r.hugepageLimits ?? []) {
    out.push({ controller: 'hugetlb', file: `hugetlb.${h.pageSize}.limit_in_bytes`, value: str(h.limit) });
  }
}

function networkV1(r: LinuxResources, out: CgroupWrite[]): void {
  const n = r.network;
  if (!n) return;
  if (n.classID !== undefined) out.push({ controller: 'net_cls', file: 'net_cls.classid', value: str(n.classID) });
  for (const p of n.priorities ?? []) out.push({ controller: 'net_prio', file: 'net_prio.ifpriomap', value: `${p.name} ${p.priority}` });
}

export function rdmaLines(r: LinuxResources): string[] {
  const lines: string[] = [];
  for (const [device, limits] of Object.entries(r.rdma ?? {})) {
    const parts = [device];
    if (limits.hcaHandles !== undefined) parts.push(`hca_handle=${limits.hcaHandles}`);
    if (limits.hcaObjects !== undefined) parts.push(`hca_object=${limits.hcaObjects}`);
    if (parts.length > 1) lines.push(parts.join(' '));
  }
  return lines;
}

/**
 * The v1 writes for `resources` (without devices: see devices.ts). On a
 * hybrid host `unified` files go to the container's cgroup2 directory
 * (controller ""), as runc does there; a pure v1 host has none.
 */
export function resourcesV1(r: LinuxResources, hybrid = false, at = RESOURCES): CgroupSettings {
  const unified = Object.entries(r.unified ?? {});
  if (unified.length > 0 && !hybrid) {
    throw new InvalidConfigError(`${at}/unified`, 'cgroup v2 files cannot be set on a cgroup v1 host');
  }
  const writes: CgroupWrite[] = [];
  cpuV1(r, writes);
  memoryV1(r, writes, at);
  pidsV1(r, writes);
  blkioV1(r, writes);
  hugetlbV1(r, writes);
  networkV1(r, writes);
  for (const line of rdmaLines(r)) writes.push({ controller: 'rdma', file: 'rdma.max', value: line });
  for (const [key, value] of unified) {
    checkUnifiedKey(key, at);
    writes.push({ controller: '', file: key, value });
  }
  return { writes, warnings: [] };
}

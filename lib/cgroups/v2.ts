/**
 * The cgroup2 driver (pure v2 hosts): one directory; controllers are
 * enabled in the parents' cgroup.subtree_control for the files written;
 * the freezer is cgroup.freeze, observed through cgroup.events.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { native } from '../native/addon';
import { BaseDriver, readKeyed, readNumber, waitFor } from './base';
import type { BlkioEntry, CgroupStats, MemoryEntry } from './stats';
import { MAX_UINT64, memoryEntry, omitEmpty, parseCpuList } from './stats';
import { applyWrites, CgroupError, readControl, readControls, writeControl, writeControls } from './files';
import { encodeProgram, type BpfInsn } from './device-bpf';
import { controllersFor } from './resources-v2';
import type { CgroupSettings } from './writes';

/**
 * Enables `controllers` for `dir` by writing them into the
 * cgroup.subtree_control of every ancestor below `mountPoint`, top down
 * (what each offers and has enabled read in one batch on the pool, the
 * writes in another). A controller the hierarchy does not offer is an
 * error naming it.
 */
export async function enableControllers(mountPoint: string, dir: string, controllers: readonly string[]): Promise<void> {
  if (controllers.length === 0) return;
  const ancestors: string[] = [];
  for (let d = path.dirname(dir); d.length >= mountPoint.length; d = path.dirname(d)) {
    ancestors.unshift(d);
    if (d === mountPoint) break;
  }
  const read = await readControls(ancestors.flatMap((d) => [path.join(d, 'cgroup.controllers'), path.join(d, 'cgroup.subtree_control')]));
  const writes: Array<{ dir: string; file: string; value: string }> = [];
  ancestors.forEach((parent, i) => {
    const available = (read[2 * i] ?? '').trim().split(/\s+/);
    const enabled = new Set((read[2 * i + 1] ?? '').trim().split(/\s+/));
    for (const c of controllers) {
      if (enabled.has(c)) continue;
      if (!available.includes(c)) {
        throw new CgroupError(`cgroup: the ${c} controller is not available in ${parent} (cgroup.controllers), cannot set ${c}.* files`, parent);
      }
      writes.push({ dir: parent, file: 'cgroup.subtree_control', value: `+${c}` });
    }
  });
  await writeControls(writes);
}

/**
 * Loads the device filter and attaches it to the cgroup at `dir`
 * (BPF_F_ALLOW_MULTI: the parents' filters still apply). The attachment
 * lives with the cgroup; both fds are closed here.
 */
export function attachDeviceProgram(dir: string, insns: readonly BpfInsn[]): void {
  let progFd: number;
  try {
    progFd = native().bpfLoadDeviceProgram(encodeProgram(insns), 'Apache');
  } catch (err) {
    const log = (err as { verifierLog?: string }).verifierLog;
    throw new CgroupError(`cgroup: loading the device filter: ${(err as Error).message}${log ? `\n${log}` : ''}`, dir, (err as NodeJS.ErrnoException).code);
  }
  try {
    const dirFd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    try {
      native().bpfAttachDeviceProgram(progFd, dirFd);
    } catch (err) {
      throw new CgroupError(`cgroup: attaching the device filter to ${dir}: ${(err as Error).message}`, dir, (err as NodeJS.ErrnoException).code);
    } finally {
      fs.closeSync(dirFd);
    }
  } finally {
    fs.closeSync(progFd);
  }
}

export class V2Driver extends BaseDriver {
  private dir(): string {
    const dir = this.record.unified;
    if (!dir) throw new CgroupError('cgroup: the container has no cgroup2 directory', '');
    return dir;
  }

  /** The hierarchy's mount point, recorded as the first directory of the path that is not the container's (set by create). */
  private mountPoint(): string {
    return this.record.mountPoint ?? '/sys/fs/cgroup';
  }

  protected procsDir(): string {
    return this.dir();
  }

  openPlacementFd(): number | undefined {
    return fs.openSync(this.dir(), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  }

  async place(pid: number, bornInUnified: boolean): Promise<void> {
    if (!bornInUnified) await writeControls([{ dir: this.dir(), file: 'cgroup.procs', value: String(pid) }]);
  }

  async apply(settings: CgroupSettings, warn: (message: string) => void): Promise<void> {
    for (const w of settings.warnings) warn(w);
    await enableControllers(this.mountPoint(), this.dir(), controllersFor(settings.writes.filter((w) => w.ifMissing === undefined)));
    await applyWrites(() => this.dir(), settings.writes, warn);
    if (settings.deviceProgram) attachDeviceProgram(this.dir(), settings.deviceProgram);
  }

  protected canFreeze(): boolean {
    return true; // cgroup.freeze is a core file of every non-root cgroup2 cgroup
  }

  protected freezerFile(): { file: string; frozen(text: string): boolean } {
    return { file: path.join(this.dir(), 'cgroup.freeze'), frozen: (text) => text.trim() === '1' };
  }

  private frozenNow(): boolean {
    return readKeyed(this.dir(), 'cgroup.events').frozen === 1;
  }

  async freeze(): Promise<void> {
    writeControl(this.dir(), 'cgroup.freeze', '1');
    await waitFor('freeze', () => this.frozenNow(), this.dir());
  }

  async thaw(): Promise<void> {
    writeControl(this.dir(), 'cgroup.freeze', '0');
    await waitFor('thaw', () => !this.frozenNow(), this.dir());
  }

  isFrozen(): boolean {
    if (!fs.existsSync(this.dir())) return false;
    return (readControl(this.dir(), 'cgroup.freeze') ?? '0').trim() === '1';
  }

  oomKills(): number {
    return readKeyed(this.dir(), 'memory.events').oom_kill ?? 0;
  }

  stats(): CgroupStats {
    const dir = this.dir();
    const cpu = readKeyed(dir, 'cpu.stat');
    const raw = readKeyed(dir, 'memory.stat');
    const events = readKeyed(dir, 'memory.events');
    // "max" is runc's math.MaxUint64 (stats.ts).
    const limit = (file: string): number | undefined =>
      readControl(dir, file)?.trim() === 'max' ? MAX_UINT64 : readNumber(dir, file);
    const entry = (prefix: string): MemoryEntry | undefined => {
      const usage = readNumber(dir, `${prefix}.current`);
      if (usage === undefined) return undefined;
      return memoryEntry(limit(`${prefix}.max`) ?? 0, usage, readNumber(dir, `${prefix}.peak`), prefix === 'memory' ? events.max : 0);
    };
    const read: BlkioEntry[] = [];
    const serviced: BlkioEntry[] = [];
    for (const line of (readControl(dir, 'io.stat') ?? '').split('\n')) {
      const m = /^(\d+):(\d+) (.*)$/.exec(line.trim());
      if (!m) continue;
      const kv = Object.fromEntries(m[3].split(' ').map((p) => p.split('=')));
      const dev = { major: Number(m[1]), minor: Number(m[2]) };
      read.push(omitEmpty({ ...dev, op: 'Read', value: Number(kv.rbytes ?? 0) }), omitEmpty({ ...dev, op: 'Write', value: Number(kv.wbytes ?? 0) }));
      serviced.push(omitEmpty({ ...dev, op: 'Read', value: Number(kv.rios ?? 0) }), omitEmpty({ ...dev, op: 'Write', value: Number(kv.wios ?? 0) }));
    }
    const hugetlb: CgroupStats['hugetlb'] = {};
    for (const f of fs.readdirSync(dir)) {
      const m = /^hugetlb\.([^.]+)\.current$/.exec(f);
      if (m) hugetlb[m[1]] = { ...omitEmpty({ usage: readNumber(dir, f) }), failcnt: readKeyed(dir, `hugetlb.${m[1]}.events`).max ?? 0 };
    }
    const cpus = parseCpuList(readControl(dir, 'cpuset.cpus.effective'));
    const mems = parseCpuList(readControl(dir, 'cpuset.mems.effective'));
    return {
      cpu: {
        usage: { ...omitEmpty({ total: (cpu.usage_usec ?? 0) * 1000 }), kernel: (cpu.system_usec ?? 0) * 1000, user: (cpu.user_usec ?? 0) * 1000 },
        throttling: omitEmpty({ periods: cpu.nr_periods, throttledPeriods: cpu.nr_throttled, throttledTime: (cpu.throttled_usec ?? 0) * 1000 }),
      },
      // cgroup2 has only the effective lists (runc's fs2 cpuset stats).
      cpuset: {
        ...(cpus.length > 0 ? { cpus } : {}),
        cpu_exclusive: 0,
        ...(mems.length > 0 ? { mems } : {}),
        mem_hardwall: 0,
        mem_exclusive: 0,
        memory_migrate: 0,
        memory_spread_page: 0,
        memory_spread_slab: 0,
        memory_pressure: 0,
        sched_load_balance: 0,
        sched_relax_domain_level: 0,
      },
      memory: omitEmpty({ cache: raw.file, usage: entry('memory'), swap: entry('memory.swap'), raw }),
      // pids.max "max" is no limit: 0, omitted, as runc prints it.
      pids: omitEmpty({ current: readNumber(dir, 'pids.current'), limit: readNumber(dir, 'pids.max') }),
      blkio: omitEmpty({ ioServiceBytesRecursive: read, ioServicedRecursive: serviced }),
      hugetlb,
      intel_rdt: {},
      network_interfaces: null,
    };
  }
}

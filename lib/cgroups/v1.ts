/**
 * The cgroup v1 driver (pure v1 and hybrid hosts): one directory per
 * hierarchy; on a hybrid host also the cgroup2 directory, which the init
 * is born into (CLONE_INTO_CGROUP) and which gives cgroup.kill.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BaseDriver, readKeyed, readNumber, waitFor } from './base';
import type { CgroupStats, MemoryEntry } from './driver';
import { memoryEntry, omitEmpty, parseCpuList } from './stats';
import { applyWrites, CgroupError, readControl, writeControl, writeControls } from './files';
import type { CgroupSettings } from './writes';

/** clock ticks (USER_HZ, 100 on Linux) -> nanoseconds, as runc converts cpuacct.stat. */
const NS_PER_TICK = 1e9 / 100;

export class V1Driver extends BaseDriver {
  protected procsDir(): string {
    const r = this.record;
    const dir = r.unified ?? r.v1.freezer ?? r.v1.pids ?? Object.values(r.v1)[0];
    if (!dir) throw new CgroupError('cgroup: the container has no cgroup directory', '');
    return dir;
  }

  openPlacementFd(): number | undefined {
    return this.record.unified ? fs.openSync(this.record.unified, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY) : undefined;
  }

  async place(pid: number, bornInUnified: boolean): Promise<void> {
    const dirs = [...new Set(Object.values(this.record.v1))];
    if (this.record.unified && !bornInUnified) dirs.push(this.record.unified);
    await writeControls(dirs.map((dir) => ({ dir, file: 'cgroup.procs', value: String(pid) })));
  }

  async apply(settings: CgroupSettings, warn: (message: string) => void): Promise<void> {
    for (const w of settings.warnings) warn(w);
    // Controller "": a unified file of a hybrid host, in the cgroup2 directory.
    await applyWrites((c) => (c === '' ? this.record.unified : this.record.v1[c]), settings.writes, warn);
  }

  protected canFreeze(): boolean {
    return this.record.v1.freezer !== undefined;
  }

  protected freezerFile(): { file: string; frozen(text: string): boolean } | undefined {
    const dir = this.record.v1.freezer;
    return dir ? { file: path.join(dir, 'freezer.state'), frozen: (text) => text.trim() !== 'THAWED' } : undefined;
  }

  private freezerDir(): string {
    const dir = this.record.v1.freezer;
    if (!dir) throw new CgroupError('cgroup: this host has no freezer hierarchy mounted: cannot pause', '');
    return dir;
  }

  private freezerState(): string {
    return (readControl(this.freezerDir(), 'freezer.state') ?? '').trim();
  }

  async freeze(): Promise<void> {
    const dir = this.freezerDir();
    writeControl(dir, 'freezer.state', 'FROZEN');
    await waitFor('freeze', () => this.freezerState() === 'FROZEN', dir);
  }

  async thaw(): Promise<void> {
    const dir = this.freezerDir();
    writeControl(dir, 'freezer.state', 'THAWED');
    await waitFor('thaw', () => this.freezerState() === 'THAWED', dir);
  }

  isFrozen(): boolean {
    if (!this.record.v1.freezer || !fs.existsSync(this.record.v1.freezer)) return false;
    return this.freezerState() !== 'THAWED';
  }

  oomKills(): number {
    const dir = this.record.v1.memory;
    return dir ? readKeyed(dir, 'memory.oom_control').oom_kill ?? 0 : 0;
  }

  stats(): CgroupStats {
    const { v1 } = this.record;
    const cpuacct = v1.cpuacct;
    const cpu = v1.cpu;
    const acct = cpuacct ? readKeyed(cpuacct, 'cpuacct.stat') : {};
    const throttle = cpu ? readKeyed(cpu, 'cpu.stat') : {};
    const list = (file: string): number[] =>
      cpuacct ? (readControl(cpuacct, file) ?? '').trim().split(/\s+/).filter(Boolean).map(Number) : [];
    const mem = v1.memory;
    const entry = (prefix: string): MemoryEntry | undefined => {
      if (!mem) return undefined;
      const limit = readNumber(mem, `${prefix}.limit_in_bytes`);
      if (limit === undefined) return undefined;
      return memoryEntry(limit, readNumber(mem, `${prefix}.usage_in_bytes`), readNumber(mem, `${prefix}.max_usage_in_bytes`), readNumber(mem, `${prefix}.failcnt`));
    };
    const raw = mem ? readKeyed(mem, 'memory.stat') : {};
    const blkio: CgroupStats['blkio'] = {};
    if (v1.blkio) {
      for (const [key, file] of [
        ['ioServiceBytesRecursive', 'blkio.throttle.io_service_bytes'],
        ['ioServicedRecursive', 'blkio.throttle.io_serviced'],
      ] as const) {
        const entries = [];
        for (const line of (readControl(v1.blkio, file) ?? '').split('\n')) {
          const m = /^(\d+):(\d+) (\w+) (\d+)$/.exec(line.trim());
          if (m) entries.push(omitEmpty({ major: Number(m[1]), minor: Number(m[2]), op: m[3], value: Number(m[4]) }));
        }
        if (entries.length > 0) blkio[key] = entries;
      }
    }
    const hugetlb: CgroupStats['hugetlb'] = {};
    if (v1.hugetlb) {
      for (const f of fs.readdirSync(v1.hugetlb)) {
        const m = /^hugetlb\.([^.]+)\.usage_in_bytes$/.exec(f);
        if (!m) continue;
        hugetlb[m[1]] = {
          ...omitEmpty({ usage: readNumber(v1.hugetlb, f), max: readNumber(v1.hugetlb, `hugetlb.${m[1]}.max_usage_in_bytes`) }),
          failcnt: readNumber(v1.hugetlb, `hugetlb.${m[1]}.failcnt`) ?? 0,
        };
      }
    }
    const memory: CgroupStats['memory'] = omitEmpty({
      cache: raw.cache,
      usage: entry('memory'),
      swap: entry('memory.memsw'),
      kernel: entry('memory.kmem'),
      kernelTCP: entry('memory.kmem.tcp'),
      raw: mem ? raw : undefined,
    });
    return {
      cpu: {
        usage: {
          ...omitEmpty({
            total: cpuacct ? readNumber(cpuacct, 'cpuacct.usage') : undefined,
            percpu: list('cpuacct.usage_percpu'),
            percpu_kernel: list('cpuacct.usage_percpu_sys'),
            percpu_user: list('cpuacct.usage_percpu_user'),
          }),
          kernel: (acct.system ?? 0) * NS_PER_TICK,
          user: (acct.user ?? 0) * NS_PER_TICK,
        },
        throttling: omitEmpty({ periods: throttle.nr_periods, throttledPeriods: throttle.nr_throttled, throttledTime: throttle.throttled_time }),
      },
      cpuset: this.cpusetStats(),
      memory,
      pids: omitEmpty({ current: v1.pids ? readNumber(v1.pids, 'pids.current') : undefined, limit: v1.pids ? readNumber(v1.pids, 'pids.max') : undefined }),
      blkio,
      hugetlb,
      intel_rdt: {},
      network_interfaces: null,
    };
  }

  /** cpuset.* of the container's cpuset cgroup, as runc's v1 cpuset stats. */
  private cpusetStats(): CgroupStats['cpuset'] {
    const dir = this.record.v1.cpuset;
    const n = (file: string): number => (dir ? readNumber(dir, `cpuset.${file}`) ?? 0 : 0);
    const cpus = dir ? parseCpuList(readControl(dir, 'cpuset.cpus')) : [];
    const mems = dir ? parseCpuList(readControl(dir, 'cpuset.mems')) : [];
    return {
      ...(cpus.length > 0 ? { cpus } : {}),
      cpu_exclusive: n('cpu_exclusive'),
      ...(mems.length > 0 ? { mems } : {}),
      mem_hardwall: n('mem_hardwall'),
      mem_exclusive: n('mem_exclusive'),
      memory_migrate: n('memory_migrate'),
      memory_spread_page: n('memory_spread_page'),
      memory_spread_slab: n('memory_spread_slab'),
      memory_pressure: n('memory_pressure'),
      sched_load_balance: n('sched_load_balance'),
      sched_relax_domain_level: n('sched_relax_domain_level'),
    };
  }
}

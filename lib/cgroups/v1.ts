/**
 * The cgroup v1 driver (pure v1 and hybrid hosts): one directory per
 * hierarchy; on a hybrid host also the cgroup2 directory, which the init
 * is born into (CLONE_INTO_CGROUP) and which gives cgroup.kill.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BaseDriver, readKeyed, readNumber, waitFor } from './base';
import type { CgroupStats, MemoryEntry } from './driver';
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
    const percpu = cpuacct ? (readControl(cpuacct, 'cpuacct.usage_percpu') ?? '').trim().split(/\s+/).filter(Boolean).map(Number) : [];
    const mem = v1.memory;
    const entry = (prefix: string): MemoryEntry | undefined => {
      if (!mem) return undefined;
      const usage = readNumber(mem, `${prefix}.usage_in_bytes`);
      if (usage === undefined) return undefined;
      return {
        usage,
        max: readNumber(mem, `${prefix}.max_usage_in_bytes`) ?? 0,
        limit: readNumber(mem, `${prefix}.limit_in_bytes`) ?? 0,
        failcnt: readNumber(mem, `${prefix}.failcnt`) ?? 0,
      };
    };
    const raw = mem ? readKeyed(mem, 'memory.stat') : {};
    const blkio: CgroupStats['blkio'] = {};
    if (v1.blkio) {
      for (const [key, file] of [
        ['io_service_bytes_recursive', 'blkio.throttle.io_service_bytes'],
        ['io_serviced_recursive', 'blkio.throttle.io_serviced'],
      ]) {
        blkio[key] = [];
        for (const line of (readControl(v1.blkio, file) ?? '').split('\n')) {
          const m = /^(\d+):(\d+) (\w+) (\d+)$/.exec(line.trim());
          if (m) blkio[key].push({ major: Number(m[1]), minor: Number(m[2]), op: m[3], value: Number(m[4]) });
        }
      }
    }
    const hugetlb: CgroupStats['hugetlb'] = {};
    if (v1.hugetlb) {
      for (const f of fs.readdirSync(v1.hugetlb)) {
        const m = /^hugetlb\.([^.]+)\.usage_in_bytes$/.exec(f);
        if (!m) continue;
        hugetlb[m[1]] = {
          usage: readNumber(v1.hugetlb, f),
          max: readNumber(v1.hugetlb, `hugetlb.${m[1]}.max_usage_in_bytes`),
          failcnt: readNumber(v1.hugetlb, `hugetlb.${m[1]}.failcnt`) ?? 0,
        };
      }
    }
    return {
      cpu: {
        usage: {
          total: (cpuacct && readNumber(cpuacct, 'cpuacct.usage')) || 0,
          percpu,
          kernel: (acct.system ?? 0) * NS_PER_TICK,
          user: (acct.user ?? 0) * NS_PER_TICK,
        },
        throttling: { periods: throttle.nr_periods ?? 0, throttled_periods: throttle.nr_throttled ?? 0, throttled_time: throttle.throttled_time ?? 0 },
      },
      memory: {
        cache: raw.cache ?? 0,
        usage: entry('memory') ?? { limit: 0, failcnt: 0 },
        swap: entry('memory.memsw'),
        kernel: entry('memory.kmem'),
        raw,
      },
      pids: { current: (v1.pids && readNumber(v1.pids, 'pids.current')) || 0, limit: v1.pids ? readNumber(v1.pids, 'pids.max') ?? 0 : undefined },
      blkio,
      hugetlb,
    };
  }
}

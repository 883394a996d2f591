/**
 * The warm pool in tests: the create modes a test runs its cases in (cold
 * and through a pool, a parametrized helper: the same case, both ways), and
 * what the host sees of the pool's helpers.
 */
import { after, before } from 'node:test';
import * as fs from 'node:fs';
import { Container } from '../../lib/container/container';
import type { ContainerPool } from '../../lib/container/pool';
import { cgroupDirsNamed, childProcesses } from './leaks';

export interface CreateMode {
  name: 'cold' | 'pooled';
  /** The pool to create through (set once `before` ran), undefined when cold. */
  readonly pool: ContainerPool | undefined;
}

/**
 * Both create modes; the pool of the "pooled" one is opened in `before`
 * and closed in `after`. Call it BEFORE systemSuite(): the suite's leak
 * check must run after the pool is closed (after hooks run in order).
 */
export function createModes(size = 2): CreateMode[] {
  let pool: ContainerPool | undefined;
  const skip = process.getuid!() !== 0;
  before(async () => {
    if (!skip) pool = await Container.pool({ size, logger: { warn: (m) => console.error(`pool warning: ${m}`) } });
  });
  after(async () => {
    await pool?.close();
  });
  return [
    { name: 'cold', pool: undefined },
    {
      name: 'pooled',
      get pool() {
        return pool;
      },
    },
  ];
}

/** The pids of this process's waiting pooled helpers (`kapsel-init --pool-fd 3`). */
export function waitingHelpers(): number[] {
  return childProcesses()
    .map((line) => Number(line.split(' ')[0]))
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') === 'kapsel-init\0--pool-fd\x003\0';
      } catch {
        return false;
      }
    });
}

/** Spare cgroup directories of process `pid` (kapsel-pool-PID-N), on any hierarchy. */
export function spareCgroups(pid: number = process.pid): string[] {
  return cgroupDirsNamed((name) => name.startsWith(`kapsel-pool-${pid}-`));
}

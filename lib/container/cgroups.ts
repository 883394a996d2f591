/**
 * The container's side of lib/cgroups: the host fact of where a
 * container's cgroups go (gatherCgroupFacts: nothing written yet, so a
 * bad cgroupsPath fails before anything exists), the calls that carry out
 * the plan's cgroup part (behind ParentSyscalls, syscalls.ts), and the
 * driver of a stored container.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RESOURCES } from '../cgroups/resources-v1';
import type { Spec } from '../config/types';
import {
  checkHugepageLimits,
  createCgroups,
  detectLayout,
  openCgroups,
  ownCgroups,
  resolveCgroupTarget,
  type CgroupDriver,
  type CgroupRecord,
} from '../cgroups';
import type { CgroupFacts, CgroupPlan } from '../plan/runtime-cgroups';
import type { CgroupWrite } from '../cgroups/writes';
import { inUserNamespace as runningInUserNamespace } from '../state/root';
import { InvalidStateError } from '../errors';
import { systemdBus } from '../cgroups/systemd-bus';
import type { StoredState } from '../state/store';

/** The nearest existing ancestor of `dir` (or dir itself) is writable by us. */
function writableWhereMade(dir: string): boolean {
  let d = dir;
  while (!fs.existsSync(d)) d = path.dirname(d);
  try {
    fs.accessSync(d, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where the container's cgroups go on this host, a host fact for the plan
 * (plan/runtime-cgroups.ts), read before anything exists: a bad
 * cgroupsPath or hugepage size fails here and leaves nothing. A rootless
 * runtime with no cgroup it can use gets `unavailable` (the plan then
 * warns, as runc's rootless cgroup manager, and the container runs
 * without cgroup limits). Rootless is an unprivileged user, or uid 0
 * inside a user namespace (rootless podman): uid 0 there owns no cgroup
 * hierarchy of the host unless one was delegated to it.
 */
export function gatherCgroupFacts(
  spec: Spec,
  id: string,
  options: { systemd?: boolean; unprivileged: boolean; inUserNamespace?: boolean },
): CgroupFacts {
  // A page size names a control file: only the host's sizes (as update checks them).
  checkHugepageLimits(spec.linux?.resources ?? {}, RESOURCES);
  const layout = detectLayout();
  const target = resolveCgroupTarget(spec.linux?.cgroupsPath, id, layout, ownCgroups(), { systemd: options.systemd, rootless: options.unprivileged });
  const inUserNamespace = options.inUserNamespace ?? runningInUserNamespace();
  if (options.unprivileged || inUserNamespace) {
    const dirs = [...Object.values(target.v1), ...(target.unified ? [target.unified] : [])];
    // An unprivileged user can only use a delegated cgroup2 subtree (v1
    // is never delegated to one); uid 0 of a user namespace whatever it
    // can write (a v1 hierarchy mapped to it, a delegated subtree).
    const usable = (options.unprivileged ? layout.kind === 'v2' : true) && dirs.every(writableWhereMade);
    if (!usable) return { unavailable: options.unprivileged ? 'unprivileged' : 'user-namespace' };
  }
  return { layout, target };
}

/**
 * Makes (or takes) the plan's cgroups, in batches on libuv's pool, off
 * the JS thread; `beforeMaking` hears of the directories first (crash
 * safety). On failure nothing made here is left.
 */
export function makeCgroups(plan: CgroupPlan, beforeMaking?: (dirs: string[]) => void): Promise<CgroupRecord> {
  const unified = plan.mountPoint !== undefined ? { unified: { mountPoint: plan.mountPoint, mountRoot: '/' } } : {};
  return createCgroups({ v1: plan.v1, ...(plan.unified !== undefined ? { unified: plan.unified } : {}) }, { kind: plan.layout, v1: {}, ...unified }, beforeMaking);
}

/** The plan's resource writes on the cgroups made (the device rules are not writes on cgroup2: attachDeviceProgram). */
export function writeCgroups(record: CgroupRecord, writes: readonly CgroupWrite[], warn: (message: string) => void): Promise<void> {
  return openCgroups(record).update({ writes: [...writes], warnings: [] }, warn);
}

/** The driver of a stored container's cgroups; InvalidStateError when it has none. */
export function storedCgroups(stored: StoredState, operation: string): CgroupDriver {
  if (!stored.cgroup) {
    throw new InvalidStateError(stored.id, operation, 'no cgroup', `cannot ${operation} container "${stored.id}": it has no cgroup (created without cgroups)`);
  }
  return openCgroups(stored.cgroup);
}

const SIGKILL = 9;

/**
 * Kills whatever is left in the cgroups (a container without a pid
 * namespace can leave daemons behind its init), waits until they are
 * empty, then removes what create made.
 */
export async function destroyCgroups(record: CgroupRecord): Promise<void> {
  const driver = openCgroups(record);
  // The common case, a container whose processes are all gone: one batch
  // of rmdirs. Anything left (a process, a child cgroup) makes the kernel
  // refuse, and the full work below runs.
  if (await driver.removeIfEmpty()) return;
  for (let attempt = 0; (await driver.procs()).length > 0; attempt++) {
    if (attempt % 50 === 0) await driver.kill(SIGKILL);
    await new Promise((r) => setTimeout(r, Math.min(2 ** attempt, 20)));
    if (attempt > 1000) break; // destroy reports the busy cgroup
  }
  await driver.destroy();
  // After the processes are gone (systemd then drops the scope by itself); a unit left (failed, or never started) is stopped and forgotten.
  if (record.systemd) await systemdBus.stopScope(record.systemd);
}

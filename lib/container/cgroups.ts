/**
 * The container's side of lib/cgroups: from a config to the cgroups
 * create makes (prepareCgroups: nothing written yet, so a bad cgroupsPath
 * or resource fails before anything exists), then made and filled
 * (setUpCgroups), and the driver of a stored container.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RESOURCES } from '../cgroups/resources-v1';
import type { Spec } from '../config/types';
import {
  cgroupSettings,
  checkHugepageLimits,
  createCgroups,
  detectLayout,
  openCgroups,
  ownCgroups,
  resolveCgroupTarget,
  type CgroupDriver,
  type CgroupLayout,
  type CgroupSettings,
  type CgroupTarget,
} from '../cgroups';
import { InvalidStateError } from '../errors';
import type { Logger } from '../logger';
import type { StoredState } from '../state/store';

export interface PreparedCgroups {
  layout: CgroupLayout;
  target: CgroupTarget;
  settings: CgroupSettings;
}

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

/** The config sets a cgroupsPath or a limit (device rules alone do not count: no mknod without privileges). */
function asksForLimits(spec: Spec): boolean {
  const { devices: _devices, ...limits } = spec.linux?.resources ?? {};
  const set = Object.values(limits).some((v) => v !== undefined && v !== null && (typeof v !== 'object' || Object.keys(v as object).length > 0));
  return set || !!spec.linux?.cgroupsPath;
}

/**
 * Where the container's cgroups go and what is written there; undefined
 * when an unprivileged runtime has no delegated cgroup to use (then one
 * warning, as runc: the container runs without cgroup limits).
 */
export function prepareCgroups(
  spec: Spec,
  id: string,
  options: { systemd?: boolean; unprivileged: boolean; logger: Logger },
): PreparedCgroups | undefined {
  // A page size names a control file: only the host's sizes (as update checks them).
  checkHugepageLimits(spec.linux?.resources ?? {}, RESOURCES);
  const layout = detectLayout();
  const target = resolveCgroupTarget(spec.linux?.cgroupsPath, id, layout, ownCgroups(), { systemd: options.systemd });
  if (options.unprivileged) {
    const dirs = [...Object.values(target.v1), ...(target.unified ? [target.unified] : [])];
    // Only a delegated cgroup2 subtree is usable without privileges; v1 never is.
    if (layout.kind !== 'v2' || !dirs.every(writableWhereMade)) {
      // Said only when something was asked: `spec --rootless` asks for no limit.
      if (asksForLimits(spec)) {
        options.logger.warn('rootless: no cgroup is delegated to this user (cgroup v2 with write access), the container runs without cgroup limits');
      }
      return undefined;
    }
  }
  return { layout, target, settings: cgroupSettings(layout, spec.linux?.resources, spec.linux?.devices) };
}

/**
 * Makes the cgroups and writes the settings (in batches on libuv's pool,
 * off the JS thread); on failure removes what it made.
 */
export async function setUpCgroups(prepared: PreparedCgroups, logger: Logger, beforeMaking?: (dirs: string[]) => void): Promise<CgroupDriver> {
  const driver = openCgroups(await createCgroups(prepared.target, prepared.layout, beforeMaking));
  try {
    await driver.apply(prepared.settings, (m) => logger.warn(m));
  } catch (err) {
    // The first error is what went wrong; a clean-up failure only adds a warning.
    await driver.destroy().catch((e: unknown) => logger.warn(`cgroup clean-up after a failed create: ${(e as Error).message}`));
    throw err;
  }
  return driver;
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
export async function destroyCgroups(driver: CgroupDriver): Promise<void> {
  for (let attempt = 0; (await driver.procs()).length > 0; attempt++) {
    if (attempt % 50 === 0) await driver.kill(SIGKILL);
    await new Promise((r) => setTimeout(r, Math.min(2 ** attempt, 20)));
    if (attempt > 1000) break; // destroy reports the busy cgroup
  }
  await driver.destroy();
}

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
import { inUserNamespace as runningInUserNamespace } from '../state/root';
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
 * when a rootless runtime has no cgroup it can use (then one warning, as
 * runc's rootless cgroup manager: the container runs without cgroup
 * limits). Rootless is an unprivileged user, or uid 0 inside a user
 * namespace (rootless podman): uid 0 there owns no cgroup hierarchy of the
 * host unless one was delegated to it.
 */
export function prepareCgroups(
  spec: Spec,
  id: string,
  options: { systemd?: boolean; unprivileged: boolean; inUserNamespace?: boolean; logger: Logger },
): PreparedCgroups | undefined {
  // A page size names a control file: only the host's sizes (as update checks them).
  checkHugepageLimits(spec.linux?.resources ?? {}, RESOURCES);
  const layout = detectLayout();
  const target = resolveCgroupTarget(spec.linux?.cgroupsPath, id, layout, ownCgroups(), { systemd: options.systemd });
  const inUserNamespace = options.inUserNamespace ?? runningInUserNamespace();
  if (options.unprivileged || inUserNamespace) {
    const dirs = [...Object.values(target.v1), ...(target.unified ? [target.unified] : [])];
    // An unprivileged user can only use a delegated cgroup2 subtree (v1
    // is never delegated to one); uid 0 of a user namespace whatever it
    // can write (a v1 hierarchy mapped to it, a delegated subtree).
    const usable = (options.unprivileged ? layout.kind === 'v2' : true) && dirs.every(writableWhereMade);
    if (!usable) {
      // Said only when something was asked: `spec --rootless` asks for no limit.
      if (asksForLimits(spec)) options.logger.warn(rootlessCgroupWarning(options.unprivileged));
      return undefined;
    }
  }
  const settings = cgroupSettings(layout, spec.linux?.resources, spec.linux?.devices);
  return { layout, target, settings: options.unprivileged || inUserNamespace ? withoutDeviceRules(settings) : settings };
}

/**
 * Rootless settings: no device rules. The devices controller (v1) and a
 * cgroup device program (v2) need CAP_SYS_ADMIN in the initial user
 * namespace, and a rootless container can make no device node anyway (the
 * kernel refuses mknod of devices outside it; kapsel binds the host's), so
 * runc's rootless managers skip them too.
 */
function withoutDeviceRules(settings: CgroupSettings): CgroupSettings {
  const { deviceProgram: _program, ...rest } = settings;
  return { ...rest, writes: settings.writes.filter((w) => w.controller !== 'devices') };
}

function rootlessCgroupWarning(unprivileged: boolean): string {
  return unprivileged
    ? 'rootless: no cgroup is delegated to this user (cgroup v2 with write access), the container runs without cgroup limits'
    : 'rootless (uid 0 of a user namespace): the container\'s cgroups cannot be created here (none is delegated to this namespace), the container runs without cgroup limits';
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

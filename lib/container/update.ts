/**
 * update: validate -> lock -> refresh -> assert (created, running, paused) -> write the
 * new resources into the live cgroups. Only the fields given change (the
 * writes are built from `resources` alone); device rules are not
 * touched by update (runc's update does not take them either).
 * memory.checkBeforeUpdate refuses a limit below the current usage.
 */
import { cgroupSettings, checkHugepageLimits, detectLayout, type CgroupSettings } from '../cgroups';
import type { LinuxResources } from '../config/types';
import { validateResources } from '../config/validate';
import { InvalidArgumentError, InvalidConfigError } from '../errors';
import type { Logger } from '../logger';
import { storedCgroups } from './cgroups';
import { resourceProperties } from '../cgroups/systemd';
import { systemdBus } from '../cgroups/systemd-bus';
import { underLock, type ContainerRef } from './operation';

/** Errors name fields of the update document itself ("/hugepageLimits/0/pageSize"), not of a config.json. */
const AT = '';

/** What errors in the update document say they are in ("invalid update resources: /pids/limit: ..."). */
const DOCUMENT = 'update resources';

/** `check()`, its config errors naming the update document rather than config.json. */
function inUpdateDocument<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    throw err instanceof InvalidConfigError ? err.in(DOCUMENT) : err;
  }
}

export function updateContainer(ref: ContainerRef, input: LinuxResources, logger: Logger): Promise<CgroupSettings> {
  // The same checks as create's linux.resources, before anything is
  // written as root: unchecked, a page size was a path and a limit any
  // string, and update wrote them to any file (issue 16).
  const resources = inUpdateDocument(() => {
    const valid = validateResources(input);
    checkHugepageLimits(valid, AT);
    return valid;
  });
  return underLock(ref, 'update', async (stored) => {
    const cgroup = storedCgroups(stored!, 'update');
    const layout = stored!.cgroup!.version === 2 ? { kind: 'v2' as const } : { kind: detectLayout().kind };
    const settings = inUpdateDocument(() => cgroupSettings(layout, resources, undefined, { withDevices: false, at: AT }));
    const limit = resources.memory?.limit;
    if (resources.memory?.checkBeforeUpdate && limit !== undefined && limit > 0) {
      const usage = cgroup.stats().memory.usage?.usage ?? 0;
      if (limit < usage) throw new InvalidArgumentError(`memory limit ${limit} is below the current usage ${usage} (checkBeforeUpdate)`);
    }
    // --systemd-cgroup: systemd's view first (as runc), so that it re-applies the new values, not the old ones, then the files.
    const scope = stored!.cgroup!.systemd;
    const properties = scope ? resourceProperties(resources, stored!.cgroup!.version, undefined) : [];
    if (scope && properties.length > 0) await systemdBus.setProperties(scope, properties);
    await cgroup.update(settings, (m) => logger.warn(m));
    return settings;
  });
}

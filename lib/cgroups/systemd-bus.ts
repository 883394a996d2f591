/**
 * The systemd cgroup driver's D-Bus side: start, change and stop a
 * container's scope unit (systemd.ts says what is sent). The runtime calls
 * it through this interface (ParentSyscalls.systemd), so a test runs
 * create on a double; `systemdBus` is the real one, over libsystemd's
 * sd-bus in the addon (native/addon/sd_bus.cc, which says why sd-bus).
 */
import { native } from '../native/addon';
import { CgroupError } from './files';
import type { SystemdScope, UnitProperty } from './systemd';

export interface SystemdBus {
  /** StartTransientUnit; resolves once its job is done (JobRemoved), throws if it ended otherwise (nothing is left then). */
  startScope(scope: SystemdScope, properties: readonly UnitProperty[]): Promise<void>;
  /** SetUnitProperties (runtime: gone with the unit). */
  setProperties(scope: SystemdScope, properties: readonly UnitProperty[]): Promise<void>;
  /** StopUnit, waiting for its job; a unit that is gone already is fine. */
  stopScope(scope: SystemdScope): Promise<void>;
}

/** How long one call (and its job) may take: runc waits 30 s for JobRemoved. */
const TIMEOUT_MS = 30_000;

const NO_SUCH_UNIT = 'org.freedesktop.systemd1.NoSuchUnit';

function busError(scope: SystemdScope, what: string, err: unknown): CgroupError {
  const e = err as { message?: string; code?: string; dbusError?: string };
  return new CgroupError(`systemd cgroup driver: ${what} ${scope.unit} (${scope.bus} bus): ${e.message ?? String(err)}`, scope.unit, e.code);
}

async function call(scope: SystemdScope, op: 'start' | 'stop' | 'set' | 'reset', properties?: readonly UnitProperty[]): Promise<string> {
  const { result } = await native().systemdUnitAsync({ op, bus: scope.bus, unit: scope.unit, ...(properties ? { properties } : {}), timeoutMs: TIMEOUT_MS });
  return result;
}

/** Stops the unit and forgets a failed one (a failed transient unit stays loaded until reset, runc resets it too). */
async function stopAndReset(scope: SystemdScope): Promise<void> {
  try {
    await call(scope, 'stop');
  } catch (err) {
    if ((err as { dbusError?: string }).dbusError !== NO_SUCH_UNIT) throw err;
  }
  try {
    await call(scope, 'reset');
  } catch {
    // Not failed, or gone: nothing to forget.
  }
}

export const systemdBus: SystemdBus = {
  async startScope(scope, properties) {
    let result: string;
    try {
      result = await call(scope, 'start', properties);
    } catch (err) {
      throw busError(scope, 'starting', err);
    }
    if (result !== 'done') {
      // A scope whose job failed may still be loaded (failed): nothing of it stays.
      await stopAndReset(scope).catch(() => {});
      throw new CgroupError(`systemd cgroup driver: the job starting ${scope.unit} ended "${result}"`, scope.unit);
    }
  },
  async setProperties(scope, properties) {
    try {
      await call(scope, 'set', properties);
    } catch (err) {
      throw busError(scope, 'updating', err);
    }
  },
  async stopScope(scope) {
    try {
      await stopAndReset(scope);
    } catch (err) {
      throw busError(scope, 'stopping', err);
    }
  },
};

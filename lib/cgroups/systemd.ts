/**
 * The systemd cgroup driver's pure part (--systemd-cgroup, the library's
 * `systemdCgroup`): what podman and a kubelet with `SystemdCgroup = true`
 * ask for. The container's cgroup is a transient scope unit that systemd
 * makes (StartTransientUnit over D-Bus, systemd-bus.ts), so that systemd,
 * which owns the cgroup tree on such hosts, knows of it: it would
 * otherwise move or prune cgroups it did not make, and re-apply its own
 * limits over ours on a reload.
 *
 * - linux.cgroupsPath is "slice:prefix:name" and names the unit
 *   "prefix-name.scope" in "slice" (runc's format and defaults: an empty
 *   slice is system.slice, user.slice rootless; an empty prefix gives
 *   "name.scope"; no cgroupsPath at all is "system.slice:kapsel:<id>", runc
 *   saying "runc" where we say "kapsel").
 * - The scope's cgroup is where systemd puts it: the slice's path
 *   ("a-b.slice" is /a.slice/a-b.slice) and the unit below it, in every
 *   hierarchy (path.ts resolves it as an absolute cgroupsPath). The
 *   cgroupfs part of kapsel makes those directories and writes every limit
 *   there as it does without systemd (runc's systemd driver also writes
 *   them through its fs driver): systemd takes the existing directories
 *   when it starts the scope.
 * - The limits systemd knows are also unit properties (scopeProperties),
 *   so that systemd's own view agrees with the files and a daemon-reload
 *   re-applies ours, not its defaults.
 */
import type { LinuxResources } from '../config/types';
import { InvalidConfigError } from '../errors';
import type { DeviceRule } from './device-rule';

const JSON_PATH = '/linux/cgroupsPath';

/** A unit property as D-Bus carries it: its name, its signature and the value ("t": decimal text). */
export type UnitProperty = UnitPropertyOf<'s', string> | UnitPropertyOf<'b', boolean> | UnitPropertyOf<'t', string> | UnitPropertyOf<'au' | 'ay', number[]> | UnitPropertyOf<'a(ss)', Array<[string, string]>>;

/** One D-Bus signature of a unit property and the JavaScript value it carries. */
export interface UnitPropertyOf<T extends string, V> {
  /** The property's name, e.g. "MemoryMax". */
  name: string;
  /** Its D-Bus signature. */
  type: T;
  /** Its value. */
  value: V;
}

/** The scope of a container, as the plan and state.json keep it. */
export interface SystemdScope {
  /** "prefix-name.scope". */
  unit: string;
  /** "machine-libpod.slice". */
  slice: string;
  /** The system manager, or the caller's own `systemd --user` (rootless). */
  bus: 'system' | 'user';
}

/** A unit name's characters (systemd's unit_name_is_valid: ASCII letters, digits, ":-_.\\"). */
const UNIT_CHARS = /^[A-Za-z0-9:_.\\-]+$/;

/**
 * The slice's cgroup path: "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice",
 * "-.slice" -> "/" (systemd's, and runc's ExpandSlice).
 */
export function expandSlice(slice: string): string {
  if (!slice.endsWith('.slice') || !UNIT_CHARS.test(slice)) throw new InvalidConfigError(JSON_PATH, `"${slice}" is not a slice name (NAME.slice)`);
  if (slice === '-.slice') return '/';
  const name = slice.slice(0, -'.slice'.length);
  if (name === '' || name.startsWith('-') || name.endsWith('-') || name.includes('--')) {
    throw new InvalidConfigError(JSON_PATH, `"${slice}" is not a valid slice name (no leading, trailing or doubled "-")`);
  }
  const parts = name.split('-');
  return '/' + parts.map((_, i) => `${parts.slice(0, i + 1).join('-')}.slice`).join('/');
}

/**
 * The scope of container `id` for `cgroupsPath` ("slice:prefix:name"),
 * with runc's defaults.
 * @throws InvalidConfigError naming /linux/cgroupsPath
 */
export function systemdScope(cgroupsPath: string | undefined, id: string, rootless: boolean): SystemdScope & { cgroupPath: string } {
  const bus = rootless ? ('user' as const) : ('system' as const);
  let slice = '';
  let prefix = 'kapsel';
  let name = id;
  if (cgroupsPath) {
    const parts = cgroupsPath.split(':');
    if (parts.length !== 3) {
      // runc's message.
      throw new InvalidConfigError(JSON_PATH, `expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "${cgroupsPath}" instead`);
    }
    [slice, prefix, name] = parts as [string, string, string];
  }
  if (slice === '') slice = rootless ? 'user.slice' : 'system.slice';
  if (name === '' || name.endsWith('.slice')) {
    // runc makes a slice unit for a ".slice" name; kapsel makes scopes only.
    throw new InvalidConfigError(JSON_PATH, `"${cgroupsPath}": the name part must name a scope (not empty, not a ".slice")`);
  }
  const unit = prefix === '' ? `${name}.scope` : `${prefix}-${name}.scope`;
  if (!UNIT_CHARS.test(unit) || unit.length > 255) throw new InvalidConfigError(JSON_PATH, `"${unit}" is not a valid systemd unit name`);
  const slicePath = expandSlice(slice);
  return { unit, slice, bus, cgroupPath: `${slicePath === '/' ? '' : slicePath}/${unit}` };
}

/** A CPU or memory-node list ("0-3,6") as systemd's bitmask bytes (byte i, bit j: number 8i+j). */
export function cpuListBytes(list: string, field: string): number[] {
  const bytes: number[] = [];
  for (const part of list.split(',')) {
    if (part.trim() === '') continue;
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m && m[2] !== undefined ? Number(m[2]) : lo;
    if (!m || hi < lo || hi > 8191) throw new InvalidConfigError(field, `"${list}" is not a list of numbers and ranges`);
    for (let n = lo; n <= hi; n++) {
      while (bytes.length <= n >> 3) bytes.push(0);
      bytes[n >> 3]! |= 1 << (n & 7);
    }
  }
  return bytes;
}

const MAX_U64 = '18446744073709551615';

/** runc's cgroup v1 shares -> v2 weight conversion ([2, 262144] -> [1, 10000]). */
function sharesToWeight(shares: number): number {
  return shares === 0 ? 0 : 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** runc's blkio weight -> io weight conversion ([10, 1000] -> [1, 10000]). */
function blkioToIoWeight(weight: number): number {
  return weight === 0 ? 0 : 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/**
 * The device rules as DevicePolicy/DeviceAllow (runc's
 * generateDeviceProperties, simplified): only a list that starts by
 * denying everything and then allows can be said to systemd ("strict" and
 * the allowed nodes); anything else is left to the cgroupfs part (its
 * device program or devices.* files), and systemd is told nothing of
 * devices, as runc does for lists it cannot translate.
 */
function deviceProperties(rules: readonly DeviceRule[] | undefined, warn: (m: string) => void): UnitProperty[] {
  if (!rules || rules.length === 0) return [];
  const [first, ...rest] = rules;
  const denyAll = (r: DeviceRule): boolean => !r.allow && r.type === 'a' && r.major === -1 && r.minor === -1;
  if (!denyAll(first!) || rest.some((r) => !r.allow)) {
    warn('systemd cgroup driver: the device rules are not a deny-all followed by allows; systemd is not told of them (the cgroupfs rules apply)');
    return [];
  }
  const allow: Array<[string, string]> = [];
  for (const r of rest) {
    for (const t of r.type === 'a' ? ['char', 'block'] : [r.type === 'b' ? 'block' : 'char']) {
      if (r.major === -1 && r.minor === -1) allow.push([`${t}-*`, r.access]);
      // Every pty's major (136-143) is "pts" in /proc/devices: the default config's rule for them.
      else if (t === 'char' && r.major === 136 && r.minor === -1) allow.push(['char-pts', r.access]);
      else if (r.major === -1 || r.minor === -1) {
        warn(`systemd cgroup driver: device rule ${t} ${r.major === -1 ? '*' : r.major}:${r.minor === -1 ? '*' : r.minor} cannot be said to systemd (the cgroupfs rules apply)`);
      } else allow.push([`/dev/${t}/${r.major}:${r.minor}`, r.access]);
    }
  }
  return [
    { name: 'DevicePolicy', type: 's', value: 'strict' },
    { name: 'DeviceAllow', type: 'a(ss)', value: allow },
  ];
}

/**
 * The unit properties of `resources` that systemd knows, for a legacy or
 * hybrid (v1) or a unified (v2) hierarchy, as runc sends them. Values
 * systemd cannot take are left to the cgroupfs writes.
 */
export function resourceProperties(
  resources: LinuxResources | undefined,
  version: 1 | 2,
  devices: readonly DeviceRule[] | undefined,
  warn: (m: string) => void = () => {},
): UnitProperty[] {
  const props: UnitProperty[] = [];
  const t = (name: string, value: number | bigint | string): void => void props.push({ name, type: 't', value: String(value) });
  const r = resources ?? {};
  const limit = r.memory?.limit;
  // 0 is "not set" (runc's reading too).
  if (limit !== undefined && limit !== null && limit !== 0) t(version === 2 ? 'MemoryMax' : 'MemoryLimit', limit < 0 ? MAX_U64 : limit);
  if (version === 2 && r.memory?.reservation !== undefined && r.memory.reservation !== null && r.memory.reservation > 0) t('MemoryLow', r.memory.reservation);
  const shares = r.cpu?.shares;
  if (shares !== undefined && shares !== null && shares > 0) {
    if (version === 2) t('CPUWeight', sharesToWeight(shares));
    else t('CPUShares', shares);
  }
  const quota = r.cpu?.quota;
  if (quota !== undefined && quota !== null && quota !== 0) {
    if (quota < 0) t('CPUQuotaPerSecUSec', MAX_U64);
    else {
      const period = r.cpu?.period || 100_000;
      // systemd keeps it in units of 10 ms: rounded up, as runc does.
      let perSec = Math.floor((quota * 1_000_000) / period);
      if (perSec % 10_000 !== 0) perSec = (Math.floor(perSec / 10_000) + 1) * 10_000;
      t('CPUQuotaPerSecUSec', perSec);
    }
  }
  const pids = r.pids?.limit;
  if (pids !== undefined && pids !== null && pids !== 0) t('TasksMax', pids < 0 ? MAX_U64 : pids);
  const weight = r.blockIO?.weight;
  if (weight !== undefined && weight !== null && weight > 0) {
    if (version === 2) t('IOWeight', blkioToIoWeight(weight));
    else t('BlockIOWeight', weight);
  }
  if (r.cpu?.cpus) props.push({ name: 'AllowedCPUs', type: 'ay', value: cpuListBytes(r.cpu.cpus, '/linux/resources/cpu/cpus') });
  if (r.cpu?.mems) props.push({ name: 'AllowedMemoryNodes', type: 'ay', value: cpuListBytes(r.cpu.mems, '/linux/resources/cpu/mems') });
  props.push(...deviceProperties(devices, warn));
  return props;
}

/**
 * What StartTransientUnit carries: the scope in its slice, the init
 * (PIDs), Delegate (the container may manage its own subtree: systemd
 * leaves what is below the scope alone), no default dependencies (a
 * container is not stopped with the units it would otherwise be ordered
 * after), accounting on (so that systemd makes the scope in each
 * controller's hierarchy), and the resource properties.
 */
export function scopeStartProperties(scope: SystemdScope, id: string, pid: number, resources: UnitProperty[]): UnitProperty[] {
  return [
    { name: 'Description', type: 's', value: `kapsel container ${id}` },
    { name: 'Slice', type: 's', value: scope.slice },
    { name: 'PIDs', type: 'au', value: [pid] },
    { name: 'Delegate', type: 'b', value: true },
    { name: 'DefaultDependencies', type: 'b', value: false },
    { name: 'MemoryAccounting', type: 'b', value: true },
    { name: 'CPUAccounting', type: 'b', value: true },
    { name: 'TasksAccounting', type: 'b', value: true },
    ...resources,
  ];
}

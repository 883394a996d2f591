/**
 * The cgroups of an exec'd process: the container init's, or sub-cgroups
 * of them (`exec --cgroup`), joined before the process runs any code (the
 * launch calls joinExecCgroups from onSpawned, before "go").
 *
 * This is the one place exec knows about cgroups. Until the cgroup manager
 * (lib/cgroups) lands, it reads the init's /proc/PID/cgroup and the
 * runtime's mountinfo and writes the pid into each hierarchy's
 * cgroup.procs (v1 and hybrid hosts: every mounted v1 hierarchy and the
 * unified one; v2: the unified one).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError, SyscallError } from '../errors';

/**
 * `--cgroup` values, as runc parses them: "PATH" (the sub-cgroup for
 * every controller; v2's only form) or "CTRL[,CTRL...]:PATH" (v1, per
 * controller). Key "" is the path for all controllers.
 */
export type CgroupSubPaths = ReadonlyMap<string, string>;

/**
 * Parses runc's repeated --cgroup flag.
 *
 * @throws InvalidArgumentError on an empty controller, a controller given
 *   twice, a bare path mixed with controller paths, or a path that is
 *   absolute or leads out of the container's cgroup ("..").
 */
export function parseCgroupFlags(values: readonly string[]): CgroupSubPaths {
  const paths = new Map<string, string>();
  for (const value of values) {
    const colon = value.indexOf(':');
    const controllers = colon >= 0 ? value.slice(0, colon).split(',') : [''];
    const sub = colon >= 0 ? value.slice(colon + 1) : value;
    if (colon < 0 && paths.size > 0) {
      throw new InvalidArgumentError(`invalid --cgroup argument: ${value} (missing <controller>: prefix)`);
    }
    if (colon >= 0 && paths.has('')) {
      throw new InvalidArgumentError(`invalid --cgroup argument: ${value} (a path for every controller was given already)`);
    }
    const normal = path.posix.normalize(sub);
    if (sub === '' || path.posix.isAbsolute(sub) || normal === '..' || normal.startsWith('../')) {
      throw new InvalidArgumentError(`invalid --cgroup argument: ${value} (the path must be a sub-cgroup of the container's, relative to it)`);
    }
    for (const controller of controllers) {
      if (colon >= 0 && controller === '') throw new InvalidArgumentError(`invalid --cgroup argument: ${value} (empty <controller> prefix)`);
      if (paths.has(controller)) throw new InvalidArgumentError(`invalid --cgroup argument(s): controller ${controller} specified multiple times`);
      paths.set(controller, normal);
    }
  }
  return paths;
}

/** One line of /proc/PID/cgroup: hierarchy id, controllers ("" for v2), path. */
export interface CgroupMembership {
  controllers: string[];
  path: string;
}

export function parseProcCgroup(text: string): CgroupMembership[] {
  const out: CgroupMembership[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    // "name=systemd" is a named hierarchy without controllers: matched by its name.
    out.push({ controllers: m[2] === '' ? [] : m[2].split(','), path: m[3] });
  }
  return out;
}

/** A cgroup filesystem mount: its mount point and, for v1, its controllers ([] for cgroup2). */
export interface CgroupMount {
  mountPoint: string;
  /** Root of the hierarchy that is mounted there (mountinfo field 4). */
  root: string;
  controllers: string[];
  v2: boolean;
}

/** The cgroup and cgroup2 mounts in a mountinfo text. */
export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const dash = line.indexOf(' - ');
    if (dash < 0) continue;
    const before = line.slice(0, dash).split(' ');
    const [fstype, , superOptions = ''] = line.slice(dash + 3).split(' ');
    const unescape = (s: string): string => s.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (fstype === 'cgroup2') {
      out.push({ mountPoint: unescape(before[4]), root: unescape(before[3]), controllers: [], v2: true });
    } else if (fstype === 'cgroup') {
      const controllers = superOptions.split(',').filter((o) => !['rw', 'ro', 'nosuid', 'nodev', 'noexec', 'relatime', 'clone_children'].includes(o) && !o.startsWith('release_agent='));
      out.push({ mountPoint: unescape(before[4]), root: unescape(before[3]), controllers, v2: false });
    }
  }
  return out;
}

/** The directory of cgroup `cgroupPath` under a mount of its hierarchy, or undefined when the mount does not show it. */
function cgroupDir(mount: CgroupMount, cgroupPath: string): string | undefined {
  const rel = path.posix.relative(mount.root, cgroupPath);
  if (rel === '..' || rel.startsWith('../')) return undefined;
  return path.join(mount.mountPoint, rel);
}

/** Where one process goes: a cgroup.procs file per hierarchy. */
export interface CgroupTarget {
  /** The hierarchy's controllers, "" for the unified (v2) one. */
  hierarchy: string;
  /** The cgroup directory of the init in that hierarchy, with the sub-path of --cgroup. */
  dir: string;
  /** The runtime process is in that very cgroup already (a child inherits it: nothing to write). */
  ours: boolean;
}

/**
 * The cgroup directories a process of the container goes to: for every
 * hierarchy the init is in and that is mounted here, the init's cgroup
 * (plus the --cgroup sub-path of its controllers).
 */
export function cgroupTargets(
  init: readonly CgroupMembership[],
  self: readonly CgroupMembership[],
  mounts: readonly CgroupMount[],
  sub: CgroupSubPaths,
): CgroupTarget[] {
  const targets: CgroupTarget[] = [];
  const used = new Set<string>();
  // A hybrid host: controller paths are for the v1 hierarchies, the unified one gets only a bare path.
  const v1 = init.some((m) => m.controllers.length > 0);
  for (const membership of init) {
    const v2 = membership.controllers.length === 0;
    const key = membership.controllers.join(',');
    const mount = mounts.find((m) => (v2 ? m.v2 : !m.v2 && m.controllers.join(',') === key));
    if (!mount) continue;
    const subPath = v2 ? sub.get('') ?? (v1 ? undefined : firstValue(sub)) : membership.controllers.map((c) => sub.get(c)).find((p) => p !== undefined) ?? sub.get('');
    for (const c of membership.controllers) if (sub.has(c)) used.add(c);
    const base = cgroupDir(mount, membership.path);
    if (base === undefined) continue;
    const mine = self.find((s) => s.controllers.join(',') === key);
    targets.push({
      hierarchy: key,
      dir: subPath ? path.join(base, subPath) : base,
      ours: !subPath && mine !== undefined && mine.path === membership.path,
    });
  }
  const unknown = [...sub.keys()].filter((c) => c !== '' && !used.has(c));
  // On v2 a controller prefix names nothing of its own (runc accepts it there and uses the path).
  if (v1 && unknown.length > 0) throw new InvalidArgumentError(`invalid --cgroup argument: the container is in no cgroup hierarchy of controller ${unknown[0]}`);
  return targets;
}

function firstValue(sub: CgroupSubPaths): string | undefined {
  for (const value of sub.values()) return value;
  return undefined;
}

export interface JoinCgroupsOptions {
  sub?: CgroupSubPaths;
  /**
   * A rootless runtime may not be allowed to move processes between
   * cgroups it was not delegated: it then leaves the process where it
   * inherits (as runc does for rootless), unless --cgroup asked for one.
   */
  unprivileged: boolean;
  /** Where that is said. */
  debug?(message: string): void;
}

/**
 * Puts `pid` into the cgroups of the container init `initPid`. Called
 * between the spawn and "go": the process runs no code of the plan yet.
 */
export function joinExecCgroups(initPid: number, pid: number, options: JoinCgroupsOptions): void {
  let initText: string;
  try {
    initText = fs.readFileSync(`/proc/${initPid}/cgroup`, 'utf8');
  } catch (err) {
    throw SyscallError.from(err);
  }
  const targets = cgroupTargets(
    parseProcCgroup(initText),
    parseProcCgroup(fs.readFileSync('/proc/self/cgroup', 'utf8')),
    parseCgroupMounts(fs.readFileSync('/proc/self/mountinfo', 'utf8')),
    options.sub ?? new Map(),
  );
  const explicit = (options.sub?.size ?? 0) > 0;
  for (const target of targets) {
    if (target.ours) continue;
    try {
      fs.writeFileSync(path.join(target.dir, 'cgroup.procs'), String(pid));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (options.unprivileged && !explicit && (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')) {
        options.debug?.(`exec: cannot join cgroup ${target.dir} (${code}), the process stays in the runtime's`);
        continue;
      }
      throw SyscallError.from(err);
    }
  }
}

/**
 * The cgroups of an exec'd process: the container's (as create made them
 * and state.json records them, lib/cgroups), or sub-cgroups of them
 * (`exec --cgroup`), joined before the process runs any code (the launch
 * calls joinExecCgroups from onSpawned, before "go"). This is the one
 * place exec knows about cgroups.
 */
import * as path from 'node:path';
import type { CgroupRecord } from '../cgroups/driver';
import { CgroupError, writeControl } from '../cgroups/files';
import { InvalidArgumentError } from '../errors';
import { array, checkArgs, string } from '../args';

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
  checkArgs([values, 'values', array(string)]);
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

/**
 * The directories an exec'd process joins: every hierarchy of the
 * container's cgroups (co-mounted v1 controllers once), each with the
 * --cgroup sub-path of its controllers or the one for all; the cgroup2
 * directory of a hybrid host takes only a bare path, of a pure v2 host the
 * one path given (runc accepts a controller prefix there and uses its path).
 *
 * @throws InvalidArgumentError for a controller the container has no cgroup of.
 */
export function execCgroupDirs(record: CgroupRecord, sub: CgroupSubPaths): string[] {
  const dirs = new Set<string>();
  for (const [controller, dir] of Object.entries(record.v1)) {
    const subPath = sub.get(controller) ?? sub.get('');
    dirs.add(subPath ? path.join(dir, subPath) : dir);
  }
  const unified = execUnifiedDir(record, sub);
  if (unified) dirs.add(unified);
  if (record.version === 1) {
    const unknown = [...sub.keys()].find((c) => c !== '' && !(c in record.v1));
    if (unknown !== undefined) throw new InvalidArgumentError(`invalid --cgroup argument: the container has no cgroup of controller ${unknown}`);
  }
  return [...dirs];
}

/**
 * The cgroup2 directory an exec'd process is born in (clone3
 * CLONE_INTO_CGROUP, as the init is), or undefined without a cgroup2
 * hierarchy: the same directory execCgroupDirs lists for it.
 */
export function execUnifiedDir(record: CgroupRecord, sub: CgroupSubPaths): string | undefined {
  if (!record.unified) return undefined;
  const subPath = record.version === 2 ? sub.get('') ?? firstValue(sub) : sub.get('');
  return subPath ? path.join(record.unified, subPath) : record.unified;
}

function firstValue(sub: CgroupSubPaths): string | undefined {
  for (const value of sub.values()) return value;
  return undefined;
}

export interface JoinCgroupsOptions {
  sub?: CgroupSubPaths;
  /**
   * A rootless runtime may not be allowed to move processes into cgroups
   * it was not delegated: it then leaves the process where it is (as runc
   * does for rootless), unless --cgroup asked for one.
   */
  unprivileged: boolean;
  /** Where that is said. */
  debug?(message: string): void;
  /** The process was born in its cgroup2 directory (CLONE_INTO_CGROUP): that one needs no write. */
  bornIn?: string;
}

/**
 * Puts `pid` into the container's cgroups (`record`: none when create made
 * none, rootless without a delegated cgroup). Called between the spawn and
 * "go": the process runs no code of the plan yet.
 */
export function joinExecCgroups(record: CgroupRecord | undefined, pid: number, options: JoinCgroupsOptions): void {
  const explicit = (options.sub?.size ?? 0) > 0;
  if (!record) {
    if (explicit) throw new InvalidArgumentError('invalid --cgroup argument: the container has no cgroups of its own');
    options.debug?.('exec: the container has no cgroups of its own, the process stays in the runtime\'s');
    return;
  }
  for (const dir of execCgroupDirs(record, options.sub ?? new Map())) {
    if (dir === options.bornIn) continue;
    try {
      writeControl(dir, 'cgroup.procs', String(pid));
    } catch (err) {
      const code = err instanceof CgroupError ? err.errno : undefined;
      if (options.unprivileged && !explicit && (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')) {
        options.debug?.(`exec: cannot join cgroup ${dir} (${code}), the process stays in the runtime's`);
        continue;
      }
      throw err;
    }
  }
}

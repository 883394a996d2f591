/**
 * The cgroup layout of this host, detected at run time from
 * /proc/self/mountinfo (never assumed): pure v1 (one hierarchy per
 * controller set), hybrid (v1 controllers plus a cgroup2 hierarchy, often
 * empty, at /sys/fs/cgroup/unified) or pure v2 (one cgroup2 hierarchy).
 * Parsing is pure, so a unit test describes any host in a few lines.
 */
import * as fs from 'node:fs';
import { parseMountinfo } from '../state/mountinfo';

/** The three cgroup layouts a host can have: pure v1, hybrid (v1 controllers and a cgroup2 hierarchy), pure v2. */
export type LayoutKind = 'v1' | 'hybrid' | 'v2';

/** One mounted v1 hierarchy. */
export interface V1Hierarchy {
  /** Where it is mounted (/sys/fs/cgroup/memory). */
  mountPoint: string;
  /** The cgroup of the hierarchy that is the mount's root (mountinfo field 4), usually "/". */
  mountRoot: string;
  /** Its controllers (memory), or ["name=systemd"] for systemd's named hierarchy. */
  controllers: string[];
}

/** The cgroup hierarchies mounted on this host, from /proc/self/mountinfo. */
export interface CgroupLayout {
  /** Which layout it is. */
  kind: LayoutKind;
  /**
   * v1 hierarchies with at least one controller, keyed by controller (cpu
   * and cpuacct may share one); on a host with v1 controllers also
   * systemd's named hierarchy, keyed "name=systemd" as /proc/PID/cgroup
   * names it (it holds no limit, but a container is placed in it as in
   * every other hierarchy, as runc places it: systemd-aware software
   * inside reads its line).
   */
  v1: Record<string, V1Hierarchy>;
  /** The cgroup2 hierarchy, if mounted. */
  unified?: {
    /** Where it is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid host). */
    mountPoint: string;
    /** The cgroup that is the mount's root (mountinfo field 4), usually "/". */
    mountRoot: string;
  };
}

/** The v1 controller names the kernel knows; other super options (rw, noprefix, ...) are not controllers. */
const V1_CONTROLLERS = new Set([
  'cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'net_cls', 'net_prio', 'blkio', 'perf_event', 'hugetlb', 'pids', 'rdma', 'misc',
]);

/** systemd's named v1 hierarchy, as mountinfo's super options and /proc/PID/cgroup name it. */
export const SYSTEMD_HIERARCHY = 'name=systemd';

/**
 * The layout described by a mountinfo text. The first mount of a hierarchy
 * wins (a bind mount of one elsewhere is the same hierarchy); a container's
 * own /sys/fs/cgroup does not matter here, the runtime's mount namespace is
 * the host's.
 */
export function layoutFromMountinfo(mountinfo: string): CgroupLayout {
  const v1: Record<string, V1Hierarchy> = {};
  let unified: CgroupLayout['unified'];
  let systemd: V1Hierarchy | undefined;
  for (const m of parseMountinfo(mountinfo)) {
    if (m.fstype === 'cgroup2') {
      unified ??= { mountPoint: m.mountPoint, mountRoot: m.root };
    } else if (m.fstype === 'cgroup') {
      const controllers = m.superOptions.filter((o) => V1_CONTROLLERS.has(o));
      if (controllers.length === 0) {
        // Other named hierarchies are someone else's (runc joins none of them either).
        if (m.superOptions.includes(SYSTEMD_HIERARCHY)) systemd ??= { mountPoint: m.mountPoint, mountRoot: m.root, controllers: [SYSTEMD_HIERARCHY] };
        continue;
      }
      const hierarchy: V1Hierarchy = { mountPoint: m.mountPoint, mountRoot: m.root, controllers };
      for (const c of controllers) v1[c] ??= hierarchy;
    }
  }
  const hasV1 = Object.keys(v1).length > 0;
  // Only beside v1 controllers: a named hierarchy alone does not make a pure cgroup2 host a v1 one.
  if (hasV1 && systemd) v1[SYSTEMD_HIERARCHY] = systemd;
  const kind: LayoutKind = hasV1 ? (unified ? 'hybrid' : 'v1') : 'v2';
  return { kind, v1, unified };
}

let cached: CgroupLayout | undefined;

/** This host's layout (read once per process). */
export function detectLayout(): CgroupLayout {
  cached ??= layoutFromMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
  return cached;
}

/**
 * A process's cgroups from its /proc/PID/cgroup text: controller ->
 * path, with the v2 hierarchy under the key "" (the "0::" line).
 */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === '0' && m[2] === '') out.set('', m[3]);
    else for (const c of m[2].split(',')) out.set(c, m[3]);
  }
  return out;
}

/** The runtime process's own cgroups (where relative cgroupsPaths start). */
export function ownCgroups(): Map<string, string> {
  return parseProcCgroup(fs.readFileSync('/proc/self/cgroup', 'utf8'));
}

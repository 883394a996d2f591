/**
 * Host facts for plans that tests can pin: `Container.plan(config, {
 * facts })` with a made-up host gives the same plan on every machine, as
 * every user and under `env -i`, because nothing of it is read from the
 * machine the test runs on.
 *
 *   import { hostFacts } from 'kapsel/testing';
 *   const plan = Container.plan(config, { bundle: '/b', facts: hostFacts.rootless({ uid: 1000, cgroups: 'v2', lsm: 'apparmor' }) });
 *
 * `hostFacts.make()` builds facts by hand from plain data (arrays and
 * records where HostFacts has sets and maps), with the defaults of a plain
 * root host; the presets are made with it.
 */
import * as path from 'node:path';
import type { LinuxNamespaceType } from '../config/types';
import { ACTIONS, FLAGS, type ActionName, type FlagName } from '../config/seccomp/names';
import type { CgroupLayout } from '../cgroups/layout';
import { checkArgs } from '../args';
import { resolveCgroupTarget } from '../cgroups/path';
import { DEFAULT_DEVICES } from '../plan/default-devices';
import { deviceKey, type HostFacts, type LsmFacts, type NotifySocketFact, type PasswdEntry, type PlanFacts, type SeccompFacts } from '../plan/plan-facts';
import type { CgroupFacts } from '../plan/runtime-cgroups';
import { HOST_FACTS_INIT, HOST_FACTS_OPTIONS, ROOTLESS_OPTIONS } from './facts-guards';

/** A pure cgroup2 host: one hierarchy at /sys/fs/cgroup (Debian 11+, Fedora 31+, Ubuntu 21.10+). */
export const cgroupV2: CgroupLayout = Object.freeze({ kind: 'v2', v1: {}, unified: { mountPoint: '/sys/fs/cgroup', mountRoot: '/' } }) as CgroupLayout;

/** One v1 hierarchy of cgroupV1Hybrid, mounted at /sys/fs/cgroup/NAME. */
function v1Hierarchy(name: string, controllers: string[]): CgroupLayout['v1'] {
  const h = { mountPoint: `/sys/fs/cgroup/${name}`, mountRoot: '/', controllers };
  return Object.fromEntries(controllers.map((c) => [c, h]));
}

/**
 * A systemd hybrid host (Debian 10, Ubuntu 20.04, RHEL 8): a v1 hierarchy
 * per controller set (cpu and cpuacct share one, net_cls and net_prio
 * another), systemd's named one, and an empty cgroup2 hierarchy at
 * /sys/fs/cgroup/unified.
 */
export const cgroupV1Hybrid: CgroupLayout = Object.freeze({
  kind: 'hybrid',
  v1: {
    ...v1Hierarchy('blkio', ['blkio']),
    ...v1Hierarchy('cpu,cpuacct', ['cpu', 'cpuacct']),
    ...v1Hierarchy('cpuset', ['cpuset']),
    ...v1Hierarchy('devices', ['devices']),
    ...v1Hierarchy('freezer', ['freezer']),
    ...v1Hierarchy('hugetlb', ['hugetlb']),
    ...v1Hierarchy('memory', ['memory']),
    ...v1Hierarchy('net_cls,net_prio', ['net_cls', 'net_prio']),
    ...v1Hierarchy('perf_event', ['perf_event']),
    ...v1Hierarchy('pids', ['pids']),
    ...v1Hierarchy('systemd', ['name=systemd']),
  },
  unified: { mountPoint: '/sys/fs/cgroup/unified', mountRoot: '/' },
}) as CgroupLayout;

/** The default device nodes of a host, by deviceKey ("c 1:3" -> "/dev/null"): the nodes every plan binds or checks (DEFAULT_DEVICES). */
export function defaultDeviceNodes(): Map<string, string> {
  // Every default device is a character device.
  return new Map(DEFAULT_DEVICES.map((d) => [deviceKey('c', d.major, d.minor), d.path]));
}

/** Every seccomp filter flag and action kapsel knows: a kernel of 2022 on (Linux 6.0) with libseccomp 2.5.4. */
export const SECCOMP_ALL: SeccompFacts = Object.freeze({
  libseccomp: '2.5.4',
  flags: Object.keys(FLAGS) as FlagName[],
  actions: Object.keys(ACTIONS) as ActionName[],
});

/** A host without seccomp (a kernel built without it, no libseccomp): a config with a profile is refused. */
export const SECCOMP_NONE: SeccompFacts = Object.freeze({ flags: [], actions: [] });

/** The security modules of the presets' `lsm` option. */
export const LSM_PRESETS: Readonly<Record<'none' | 'apparmor' | 'selinux', LsmFacts>> = Object.freeze({
  none: { selinux: false, apparmor: false, apparmorExecAttr: 'attr/apparmor/exec' },
  apparmor: { selinux: false, apparmor: true, apparmorExecAttr: 'attr/apparmor/exec' },
  selinux: { selinux: true, apparmor: false, apparmorExecAttr: 'attr/apparmor/exec' },
});

/**
 * HostFacts (and the image's passwd) as plain data, every field optional:
 * arrays for HostFacts' sets, records or maps for its maps, a partial
 * `lsm`. What is left out gets the default of a plain root host with no
 * cgroups planned and nothing checked for seccomp (see each field).
 */
export interface HostFactsInit {
  /** HostFacts.unprivileged; default false. */
  unprivileged?: boolean;
  /** HostFacts.inUserNamespace; default false. */
  inUserNamespace?: boolean;
  /** HostFacts.joinedRuntimeNamespaces; default none. */
  joinedRuntimeNamespaces?: readonly LinuxNamespaceType[];
  /** HostFacts.hostNamespaceIds; default: made-up ones (4:4026531840 and on). */
  hostNamespaceIds?: HostFacts['hostNamespaceIds'];
  /** HostFacts.cgroup2; default false. */
  cgroup2?: boolean;
  /** HostFacts.cgroupView; default none (a cgroup mount shows no cgroup). */
  cgroupView?: HostFacts['cgroupView'];
  /** HostFacts.cgroups; default none (no cgroup planned). */
  cgroups?: CgroupFacts;
  /** HostFacts.directories (host paths among the mount sources that are directories); default none. */
  directories?: readonly string[];
  /** HostFacts.runtimeEnv ("KEY=value"; the plan reads NOTIFY_SOCKET from it); default empty. */
  runtimeEnv?: readonly string[];
  /** HostFacts.devices, by deviceKey; default defaultDeviceNodes(). */
  devices?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  /** HostFacts.resctrl; default false. */
  resctrl?: boolean;
  /** HostFacts.lsm, over LSM_PRESETS.none; default none enabled. */
  lsm?: Partial<LsmFacts>;
  /** HostFacts.notifySocket; default none. */
  notifySocket?: NotifySocketFact;
  /** HostFacts.netDeviceAddresses; default none read. */
  netDeviceAddresses?: ReadonlyMap<string, readonly string[]> | Readonly<Record<string, readonly string[]>>;
  /** HostFacts.seccomp; default none known (nothing checked). */
  seccomp?: SeccompFacts;
  /** HostFacts.runtimeBoundingSet (hex); default none known (every capability grantable). */
  runtimeBoundingSet?: string;
  /** The image's /etc/passwd entries (ImageFacts.passwd); default none. */
  passwd?: readonly PasswdEntry[];
}

const asMap = <V>(value: ReadonlyMap<string, V> | Readonly<Record<string, V>>): Map<string, V> =>
  value instanceof Map ? new Map(value) : new Map(Object.entries(value as Record<string, V>));

/** Facts made by hand: `init` over the defaults HostFactsInit names. */
export function makeHostFacts(init: HostFactsInit = {}): PlanFacts {
  checkArgs([init, 'init', HOST_FACTS_INIT]);
  const host: HostFacts = {
    unprivileged: init.unprivileged ?? false,
    inUserNamespace: init.inUserNamespace ?? false,
    joinedRuntimeNamespaces: new Set(init.joinedRuntimeNamespaces ?? []),
    hostNamespaceIds: init.hostNamespaceIds ?? {
      mnt: [{ dev: 4, ino: 4026531841 }, { dev: 4, ino: 4026531840 }],
      net: [{ dev: 4, ino: 4026531992 }],
      ipc: [{ dev: 4, ino: 4026531839 }],
      uts: [{ dev: 4, ino: 4026531838 }],
    },
    cgroup2: init.cgroup2 ?? false,
    ...(init.runtimeBoundingSet !== undefined ? { runtimeBoundingSet: init.runtimeBoundingSet } : {}),
    ...(init.cgroupView ? { cgroupView: init.cgroupView } : {}),
    ...(init.cgroups ? { cgroups: init.cgroups } : {}),
    directories: new Set(init.directories ?? []),
    devices: init.devices ? asMap(init.devices) : defaultDeviceNodes(),
    runtimeEnv: [...(init.runtimeEnv ?? [])],
    resctrl: init.resctrl ?? false,
    lsm: { ...LSM_PRESETS.none, ...init.lsm },
    ...(init.notifySocket ? { notifySocket: init.notifySocket } : {}),
    ...(init.netDeviceAddresses ? { netDeviceAddresses: asMap(init.netDeviceAddresses) } : {}),
    ...(init.seccomp ? { seccomp: init.seccomp } : {}),
  };
  return { host, image: { passwd: [...(init.passwd ?? [])] } };
}

/** What the presets take. Every combination works: `hostFacts.rootless({ uid: 1000, cgroups: 'v2', seccomp: false, lsm: 'apparmor' })`. */
export interface HostFactsOptions {
  /**
   * The host's cgroup layout: 'v2' (cgroupV2, the default), 'v1-hybrid'
   * (cgroupV1Hybrid), any CgroupLayout, or false for facts with no cgroup
   * planned (as hand-made facts without `cgroups`).
   */
  cgroups?: 'v2' | 'v1-hybrid' | CgroupLayout | false;
  /**
   * linux.cgroupsPath of the config the plan is for: the container's
   * cgroup directories are resolved from it as create resolves them.
   * Default: none given (the relative path `id`).
   */
  cgroupsPath?: string;
  /** The container id the default cgroup directory is named after; default "<id>" (as `kapsel plan` shows it). */
  id?: string;
  /**
   * What the kernel and libseccomp offer: true (the default) every flag
   * and action (SECCOMP_ALL), false none (SECCOMP_NONE: a profile is
   * refused), or SeccompFacts of your own.
   */
  seccomp?: boolean | SeccompFacts;
  /** The Linux security module enabled: 'none' (the default), 'apparmor', 'selinux', or LsmFacts of your own. */
  lsm?: keyof typeof LSM_PRESETS | LsmFacts;
  /** Anything else, as hand-made (makeHostFacts), over the preset's. */
  host?: HostFactsInit;
}

/** hostFacts.rootless's options. */
export interface RootlessOptions extends HostFactsOptions {
  /** The runtime's uid: its systemd user manager's cgroup holds the container's (cgroup2). */
  uid: number;
  /**
   * cgroup2 only: the user's systemd manager delegates its cgroup (as
   * systemd does for user@UID.service), so the container gets cgroups
   * below it. Default true; v1 is never delegated to a user (no cgroups,
   * with a warning when the config asks for limits).
   */
  delegated?: boolean;
}

function layoutOf(cgroups: HostFactsOptions['cgroups']): CgroupLayout | undefined {
  if (cgroups === false) return undefined;
  if (cgroups === undefined || cgroups === 'v2') return cgroupV2;
  if (cgroups === 'v1-hybrid') return cgroupV1Hybrid;
  return cgroups;
}

/** The runtime's own cgroups as /proc/self/cgroup gives them (parseProcCgroup's map): `dir` in every hierarchy. */
function ownCgroupsAt(layout: CgroupLayout, dir: string): Map<string, string> {
  return new Map([...Object.keys(layout.v1), ...(layout.unified ? [''] : [])].map((c) => [c, dir]));
}

/** The container's cgroups for a runtime in cgroup `own` (see HostFactsOptions.cgroupsPath and id). */
function cgroupFacts(layout: CgroupLayout, own: string, options: HostFactsOptions): CgroupFacts {
  return { layout, target: resolveCgroupTarget(options.cgroupsPath, options.id ?? '<id>', layout, ownCgroupsAt(layout, own)) };
}

/** The facts the options give besides the runtime's privileges. */
function commonInit(options: HostFactsOptions, layout: CgroupLayout | undefined): HostFactsInit {
  const seccomp = options.seccomp === false ? SECCOMP_NONE : options.seccomp === true || options.seccomp === undefined ? SECCOMP_ALL : options.seccomp;
  const lsm = typeof options.lsm === 'object' ? options.lsm : LSM_PRESETS[options.lsm ?? 'none'];
  return { cgroup2: layout?.kind === 'v2', seccomp, lsm };
}

/**
 * The host presets. Each call returns new facts (nothing shared between
 * tests); the same options give equal facts on every machine.
 */
export const hostFacts = {
  /**
   * A root runtime on the host (uid 0 of the initial user namespace),
   * started by a system service: a relative cgroupsPath lands below
   * /system.slice (cgroup2: below the parent of the runtime's own cgroup,
   * as runc places it).
   */
  root(options: HostFactsOptions = {}): PlanFacts {
    checkArgs([options, 'options', HOST_FACTS_OPTIONS]);
    const layout = layoutOf(options.cgroups);
    return makeHostFacts({
      ...commonInit(options, layout),
      ...(layout ? { cgroups: cgroupFacts(layout, '/system.slice/kapsel.service', options) } : {}),
      ...options.host,
    });
  },
  /**
   * An unprivileged runtime (uid `uid`, no capabilities): a new user
   * namespace denies setgroups, devices are bound from the host, and the
   * container gets cgroups only below a delegated cgroup2 one (the user's
   * systemd manager's app.slice).
   */
  rootless(options: RootlessOptions): PlanFacts {
    checkArgs([options, 'options', ROOTLESS_OPTIONS]);
    const layout = layoutOf(options.cgroups);
    const manager = `/user.slice/user-${options.uid}.slice/user@${options.uid}.service`;
    let cgroups: CgroupFacts | undefined;
    if (layout) {
      cgroups = layout.kind === 'v2' && options.delegated !== false ? cgroupFacts(layout, path.posix.join(manager, 'app.slice', 'kapsel.scope'), options) : { unavailable: 'unprivileged' };
    }
    return makeHostFacts({ ...commonInit(options, layout), unprivileged: true, ...(cgroups ? { cgroups } : {}), ...options.host });
  },
  /** Facts made by hand (makeHostFacts). */
  make: makeHostFacts,
};

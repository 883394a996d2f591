/**
 * What the plan depends on besides the config: facts about the host and
 * about the container image (their shape: lib/plan/plan-facts.ts),
 * gathered once, here, before compiling. The compiler (lib/plan/compile.ts
 * and the modules it calls) reads no file and makes no system call, so a
 * plan is a function of (config, options, facts, compiled programs): a
 * test fakes the host by writing a PlanFacts, and `kapsel plan` shows what
 * `create` will do on this host.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runtimeEnvironment } from './environment';
import type { LinuxDevice, LinuxNamespaceType, Spec } from '../config/types';
import { inUserNamespace } from '../state/root';
import { parseMountinfo } from '../state/mountinfo';
import { readFileInRoot } from './in-root-file';
import type { CheckedNamespace } from '../plan/steps';
import { DEFAULT_DEVICES } from '../plan/default-devices';
import type { CgroupFacts } from '../plan/runtime-cgroups';
import { deviceKey, hostSourcePath, type HostFacts, type ImageFacts, type LsmFacts, type NamespaceId, type NotifySocketFact, type PasswdEntry, type PlanFacts, type SeccompFacts } from '../plan/plan-facts';
import { gatherCgroupView } from './cgroup-view';
import { native } from '../native/addon';
import { checkArgs, object, optional, string } from '../args';


const CGROUP2_SUPER_MAGIC = 0x63677270;
const RDTGROUP_SUPER_MAGIC = 0x7655821;
const SELINUX_MAGIC = 0xf97cff8c;


function hasFilesystem(dir: string, magic: number): boolean {
  try {
    return Number(fs.statfsSync(dir).type) === magic;
  } catch {
    return false;
  }
}

function isCgroup2(dir: string): boolean {
  return hasFilesystem(dir, CGROUP2_SUPER_MAGIC);
}

/**
 * Facts of this process that cannot change while it runs, read once: its
 * user namespace (a process with threads cannot change it: setns(2)
 * refuses), hence the namespace's setgroups setting; its bounding set
 * (only this process could shrink it, and the runtime never does); the
 * LSMs, which are enabled at boot (runc reads them once per process too).
 * What can change (the euid, the environment, mounts, device nodes) is
 * read or checked on every create.
 */
const once = new Map<string, unknown>();
function cachedFact<T>(key: string, read: () => T): T {
  if (!once.has(key)) once.set(key, read());
  return once.get(key) as T;
}

function setgroupsDeniedHere(): boolean {
  return cachedFact('setgroups', () => {
    try {
      return fs.readFileSync('/proc/self/setgroups', 'utf8').trim() === 'deny';
    } catch {
      return false;
    }
  });
}

/** HostFacts.unprivileged of this runtime process. */
export function runtimeUnprivileged(): boolean {
  return process.geteuid!() !== 0 || setgroupsDeniedHere();
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The host facts for `spec` (its mount sources) on this host. Writing id
 * maps and calling setgroups need CAP_SETUID/SETGID in our own user
 * namespace: uid 0 there has them, also inside a user namespace (rootless
 * podman runs the runtime as its uid 0), unless setgroups is denied there.
 */
/** /proc/self/ns names of the config's namespace types. */
const PROC_NS_NAME: Record<LinuxNamespaceType, string> = {
  pid: 'pid', network: 'net', mount: 'mnt', ipc: 'ipc', uts: 'uts', user: 'user', cgroup: 'cgroup', time: 'time',
};

function sameFile(a: string, b: string): boolean {
  try {
    const sa = fs.statSync(a);
    const sb = fs.statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

/** The host's namespaces of a type: the runtime's own and pid 1's. */
function hostNamespacePaths(type: LinuxNamespaceType): string[] {
  return [`/proc/self/ns/${PROC_NS_NAME[type]}`, `/proc/1/ns/${PROC_NS_NAME[type]}`];
}

/** The namespace types joined at a path that is the runtime's own namespace or pid 1's. */
function joinedRuntimeNamespaces(spec: Pick<Spec, 'linux'>): Set<LinuxNamespaceType> {
  const types = new Set<LinuxNamespaceType>();
  for (const ns of spec.linux?.namespaces ?? []) {
    if (ns.path && hostNamespacePaths(ns.type).some((host) => sameFile(ns.path!, host))) types.add(ns.type);
  }
  return types;
}

/** The ids of the runtime's and pid 1's namespaces of one kind, those that can be stat'ed (pid 1's needs privileges). */
function hostNamespaceIdsOf(type: LinuxNamespaceType): NamespaceId[] {
  const ids: NamespaceId[] = [];
  for (const p of hostNamespacePaths(type)) {
    try {
      const st = fs.statSync(p);
      if (!ids.some((id) => id.dev === st.dev && id.ino === st.ino)) ids.push({ dev: st.dev, ino: st.ino });
    } catch {
      // Not ours to see (a rootless runtime and pid 1): nothing to compare with.
    }
  }
  return ids;
}

/** hostNamespaceIds for the kinds the config joins by path (a stat each; none for a config that joins nothing). */
function hostNamespaceIds(spec: Pick<Spec, 'linux'>): Partial<Record<CheckedNamespace, NamespaceId[]>> {
  const ids: Partial<Record<CheckedNamespace, NamespaceId[]>> = {};
  for (const ns of spec.linux?.namespaces ?? []) {
    const name = PROC_NS_NAME[ns.type];
    if (ns.path && (name === 'mnt' || name === 'net' || name === 'ipc' || name === 'uts')) ids[name] = hostNamespaceIdsOf(ns.type);
  }
  return ids;
}


/** major/minor of a Linux dev_t (glibc's gnu_dev_major/minor). */
function splitDev(rdev: bigint): { major: number; minor: number } {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return { major: Number(major), minor: Number(minor) };
}

/** The canonical path of `candidate` when it is the device, else undefined. */
function deviceAt(candidate: string, type: 'c' | 'b', major: number, minor: number): string | undefined {
  try {
    const st = fs.statSync(candidate, { bigint: true });
    if (!(type === 'c' ? st.isCharacterDevice() : st.isBlockDevice())) return undefined;
    const dev = splitDev(st.rdev);
    if (dev.major !== major || dev.minor !== minor) return undefined;
    return fs.realpathSync(candidate);
  } catch {
    return undefined;
  }
}

/** The first node directly in the host's /dev that is the device (hosts without udev's /dev/char). */
function scanDev(type: 'c' | 'b', major: number, minor: number): string | undefined {
  let names: string[];
  try {
    names = fs.readdirSync('/dev');
  } catch {
    return undefined;
  }
  for (const name of names.sort()) {
    const node = deviceAt(`/dev/${name}`, type, major, minor);
    if (node) return node;
  }
  return undefined;
}

/**
 * Host nodes of the devices a container may bind: looked up at the host's
 * /dev entry of the same name (a config path below /dev, cleaned), in
 * udev's /dev/char and /dev/block, then among the nodes directly in /dev;
 * each accepted only when stat shows that very device.
 */
export function hostDeviceNodes(devices: readonly Pick<LinuxDevice, 'type' | 'path' | 'major' | 'minor'>[]): Map<string, string> {
  const key = JSON.stringify(devices.map((d) => [d.type, d.path, d.major, d.minor]));
  const known = foundNodes.get(key);
  if (known && [...known].every(([dev, node]) => stillTheDevice(node, dev))) return new Map(known);
  const found = lookUpDeviceNodes(devices);
  if (foundNodes.size >= 16) foundNodes.clear();
  foundNodes.set(key, found);
  return new Map(found);
}

/**
 * Nodes found before, by the device list they were looked up for. A found
 * node is its canonical path (realpath), so one lstat re-validates it: it
 * must still be that very device and no symlink. A lookup that found
 * nothing for a device is not re-checked (a node made since is missed until
 * a found one changes): what was missing stays missing, as the plan
 * reported it.
 */
const foundNodes = new Map<string, Map<string, string>>();

/** Whether `node` is still the device of deviceKey `dev` ("c 1:3"). */
export function stillTheDevice(node: string, dev: string): boolean {
  try {
    const st = fs.lstatSync(node, { bigint: true });
    const type = st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : undefined;
    if (!type) return false;
    const { major, minor } = splitDev(st.rdev);
    return deviceKey(type, major, minor) === dev;
  } catch {
    return false;
  }
}

function lookUpDeviceNodes(devices: readonly Pick<LinuxDevice, 'type' | 'path' | 'major' | 'minor'>[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const d of devices) {
    if (d.type === 'p') continue;
    const type = d.type === 'b' ? 'b' : 'c';
    const major = d.major ?? 0;
    const minor = d.minor ?? 0;
    const key = deviceKey(type, major, minor);
    if (found.has(key)) continue;
    const cleaned = path.posix.resolve('/', d.path);
    const candidates = [`/dev/${type === 'c' ? 'char' : 'block'}/${major}:${minor}`];
    if (cleaned.startsWith('/dev/')) candidates.unshift(cleaned);
    const node = candidates.map((c) => deviceAt(c, type, major, minor)).find((n) => n !== undefined) ?? scanDev(type, major, minor);
    if (node) found.set(key, node);
  }
  return found;
}

/**
 * `cgroups`: the container's cgroups as create makes them; without, the
 * runtime's own (where a container that gets none stays).
 */
/** HostFacts.runtimeBoundingSet of this process (none when /proc cannot tell). */
export function runtimeBoundingSetFact(): { runtimeBoundingSet?: string } {
  return cachedFact('bounding', () => {
    try {
      const bound = /^CapBnd:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
      return bound ? { runtimeBoundingSet: bound[1] } : {};
    } catch {
      return {};
    }
  });
}

export function gatherHostFacts(spec: Pick<Spec, 'mounts' | 'linux'>, bundle: string, cgroups?: CgroupFacts): HostFacts {
  const target = cgroups && 'target' in cgroups ? cgroups.target : undefined;
  const directories = new Set<string>();
  for (const m of spec.mounts ?? []) {
    if (!m.source) continue;
    const source = hostSourcePath(bundle, m.source);
    if (isDirectory(source)) directories.add(source);
  }
  const notifySocket = notifySocketFact(process.env.NOTIFY_SOCKET);
  return {
    cgroup2: isCgroup2('/sys/fs/cgroup'),
    // Read only for a config that mounts its cgroups.
    ...((spec.mounts ?? []).some((m) => m.type === 'cgroup') ? { cgroupView: gatherCgroupView(target) } : {}),
    ...(cgroups ? { cgroups } : {}),
    unprivileged: runtimeUnprivileged(),
    ...runtimeBoundingSetFact(),
    inUserNamespace: cachedFact('userns', inUserNamespace),
    joinedRuntimeNamespaces: joinedRuntimeNamespaces(spec),
    hostNamespaceIds: hostNamespaceIds(spec),
    directories,
    devices: hostDeviceNodes([...DEFAULT_DEVICES, ...(spec.linux?.devices ?? [])]),
    runtimeEnv: runtimeEnvironment(),
    resctrl: hasFilesystem('/sys/fs/resctrl', RDTGROUP_SUPER_MAGIC),
    lsm: gatherLsmFacts(),
    ...(notifySocket ? { notifySocket } : {}),
    ...(Object.keys(spec.linux?.netDevices ?? {}).length > 0 ? { netDeviceAddresses: netDeviceAddresses(Object.keys(spec.linux!.netDevices!)) } : {}),
    // Only for a profile: a config without one never loads libseccomp.
    ...(spec.linux?.seccomp ? { seccomp: seccompFacts() } : {}),
  };
}

/**
 * HostFacts.seccomp (./seccomp.ts), loaded on use: exec reads image facts
 * here, and must load nothing of the seccomp compiler.
 */
function seccompFacts(): SeccompFacts {
  return (require('./seccomp') as typeof import('./seccomp')).gatherSeccompFacts();
}

/** HostFacts.netDeviceAddresses of the host interfaces `names`. */
function netDeviceAddresses(names: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const name of names) {
    try {
      out.set(name, native().netDeviceAddresses(name));
    } catch {
      // No such interface (or none readable): the move reports it, naming the field.
    }
  }
  return out;
}

/** The NotifySocketFact of NOTIFY_SOCKET=`value` (a path; an abstract "@name" has none). */
export function notifySocketFact(value: string | undefined): NotifySocketFact | undefined {
  if (!value?.startsWith('/')) return undefined;
  try {
    // Never followed: a symlink there is refused, not bound where it points.
    const st = fs.lstatSync(value, { bigint: true });
    if (st.isSocket()) return { path: value, kind: 'socket', dev: String(st.dev), ino: String(st.ino) };
    const kind = st.isSymbolicLink()
        ? 'symlink'
        : st.isDirectory()
          ? 'directory'
          : st.isFile()
            ? 'regular file'
            : st.isFIFO()
              ? 'fifo'
              : 'device';
    return { path: value, kind };
  } catch (err) {
    return { path: value, kind: 'error', error: (err as NodeJS.ErrnoException).code ?? String(err) };
  }
}

/**
 * The selinuxfs mounts that /proc/self/mountinfo text lists: mount point
 * and whether it is mounted read-only (a container's view of SELinux).
 */
export function selinuxfsMounts(mountinfo: string): Array<{ mountPoint: string; readOnly: boolean }> {
  return parseMountinfo(mountinfo)
    .filter((m) => m.fstype === 'selinuxfs')
    // Read-only as statfs's ST_RDONLY says it: the mount's flag or the superblock's.
    .map((m) => ({ mountPoint: m.mountPoint, readOnly: m.options.includes('ro') || m.superOptions.includes('ro') }));
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * SELinux is enabled as go-selinux decides it (runc's library): a
 * writable selinuxfs is mounted, and our own context is not "kernel" (the
 * context of every task before a policy is loaded). An unreadable context
 * counts as enabled, as there.
 */
function selinuxEnabled(): boolean {
  const mounts = selinuxfsMounts(readText('/proc/self/mountinfo') ?? '');
  const usable = mounts.some((m) => !m.readOnly && hasFilesystem(m.mountPoint, SELINUX_MAGIC));
  if (!usable) return false;
  const context = readText('/proc/thread-self/attr/current');
  return context === undefined || context.replace(/\0$/, '').trim() !== 'kernel';
}

/** AppArmor is enabled as runc decides it (libcontainer/apparmor isEnabled). */
function apparmorEnabled(): boolean {
  if (!fs.existsSync('/sys/kernel/security/apparmor')) return false;
  return (readText('/sys/module/apparmor/parameters/enabled') ?? '').startsWith('Y');
}

/** The LSM facts of this host (LsmFacts). */
export function gatherLsmFacts(): LsmFacts {
  return { ...cachedFact('lsm', readLsmFacts) };
}

function readLsmFacts(): LsmFacts {
  return {
    selinux: selinuxEnabled(),
    apparmor: apparmorEnabled(),
    // runc stats /proc/self/attr/apparmor/exec and falls back only when it is missing.
    apparmorExecAttr: fs.existsSync('/proc/self/attr/apparmor/exec') ? 'attr/apparmor/exec' : 'attr/exec',
  };
}

/** Parses passwd(5) lines; malformed lines are skipped, as getpwent does. */
export function parsePasswd(text: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length < 6 || !/^\d+$/.test(fields[2]) || !/^\d+$/.test(fields[3])) continue;
    entries.push({ name: fields[0], uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] });
  }
  return entries;
}

/** The image facts of the rootfs at host path `rootfs`, read in-root. */
export function gatherImageFacts(rootfs: string): ImageFacts {
  const passwd = readFileInRoot(rootfs, '/etc/passwd');
  return { passwd: passwd === undefined ? [] : parsePasswd(passwd) };
}

/**
 * Every fact a plan for `spec` needs, from this host and the rootfs at
 * `rootfs`; `cgroups`: the container's (gatherHostFacts).
 */
export function gatherFacts(spec: Pick<Spec, 'mounts' | 'linux'>, paths: { bundle: string; rootfs: string; cgroups?: CgroupFacts }): PlanFacts {
  checkArgs([spec, 'spec', object()], [paths, 'paths', object({ bundle: string, rootfs: string, cgroups: optional(object()) })]);
  return { host: gatherHostFacts(spec, paths.bundle, paths.cgroups), image: gatherImageFacts(paths.rootfs) };
}

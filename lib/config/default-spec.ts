/**
 * defaultSpec: the config.json that `kapsel spec` writes, the same document
 * `runc spec` (runc 1.1) produces, key for key and in the same key order
 * (the order of runc's Go structs), so that tools and diffs see no
 * difference. Two deliberate differences:
 * - ociVersion is the version of the spec kapsel implements (OCI_VERSION,
 *   1.3.0, from ../shared/oci-runtime-spec/README.md), where runc 1.1 writes
 *   its vendored "1.0.2-dev".
 * - hostname is "kapsel" instead of "runc".
 */

import * as fs from 'node:fs';
import type { LinuxNamespace, Mount, Spec } from './types';
import { boolean, checkArgs, int, object, optional } from '../args';

/** The runtime-spec version kapsel implements and writes into configs and states. */
export const OCI_VERSION = '1.3.0';

/** Options of defaultSpec. */
export interface DefaultSpecOptions {
  /** Produce the `spec --rootless` variant. */
  rootless: boolean;
  /** Host uid mapped to container root when rootless (default: process.geteuid()). */
  uid?: number;
  /** Host gid mapped to container root when rootless (default: process.getegid()). */
  gid?: number;
  /**
   * Add a cgroup namespace. Default, as runc: only when /sys/fs/cgroup is a
   * pure cgroup v2 hierarchy (a cgroup namespace on v1/hybrid hosts hides
   * the v1 controllers' real paths from tools that expect them).
   */
  cgroupNamespace?: boolean;
}

const CGROUP2_SUPER_MAGIC = 0x63677270;

/** True when /sys/fs/cgroup is the cgroup v2 unified hierarchy. */
export function isCgroup2UnifiedMode(): boolean {
  try {
    return fs.statfsSync('/sys/fs/cgroup').type === CGROUP2_SUPER_MAGIC;
  } catch {
    return false;
  }
}

const DEFAULT_CAPS: string[] = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

/**
 * Returns a fresh example config, as `runc spec [--rootless]` does: a
 * shell in a read-only "rootfs" with the usual pseudo-filesystems, few
 * capabilities, and pid/network/ipc/uts/mount namespaces.
 */
export function defaultSpec(options: DefaultSpecOptions): Spec {
  const id = optional(int(0, 2 ** 32 - 2));
  checkArgs([options, 'options', object({ rootless: boolean, uid: id, gid: id, cgroupNamespace: optional(boolean) })]);
  const namespaces: LinuxNamespace[] = [
    { type: 'pid' },
    { type: 'network' },
    { type: 'ipc' },
    { type: 'uts' },
    { type: 'mount' },
  ];
  if (options.cgroupNamespace ?? isCgroup2UnifiedMode()) namespaces.push({ type: 'cgroup' });

  const spec: Spec = {
    ociVersion: OCI_VERSION,
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: {
        bounding: [...DEFAULT_CAPS],
        effective: [...DEFAULT_CAPS],
        permitted: [...DEFAULT_CAPS],
      },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'kapsel',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
      },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces,
      maskedPaths: [
        '/proc/acpi',
        '/proc/asound',
        '/proc/kcore',
        '/proc/keys',
        '/proc/latency_stats',
        '/proc/timer_list',
        '/proc/timer_stats',
        '/proc/sched_debug',
        '/sys/firmware',
        '/proc/scsi',
      ],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
  if (!options.rootless) return spec;
  return toRootless(spec, options.uid ?? process.geteuid!(), options.gid ?? process.getegid!());
}

/**
 * The `--rootless` transformation of runc (specconv.ToRootless): no network
 * namespace (an unprivileged user cannot configure one), a user namespace
 * mapping container root to the caller, /sys bind-mounted (sysfs cannot be
 * mounted without owning the network namespace), no uid=/gid= mount options
 * (those ids are unmapped), and no cgroup resources (an unprivileged user
 * usually cannot write cgroups). Returns a new spec; `spec` is not modified.
 */
export function toRootless(spec: Spec, uid: number, gid: number): Spec {
  const { resources: _dropped, uidMappings: _u, gidMappings: _g, ...linux } = spec.linux ?? {};
  const namespaces = (linux.namespaces ?? []).filter((ns) => ns.type !== 'network' && ns.type !== 'user');
  namespaces.push({ type: 'user' });

  const mounts = (spec.mounts ?? []).map((mount): Mount => {
    if (normalize(mount.destination) === '/sys') {
      return { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] };
    }
    const { options, ...rest } = mount;
    const kept = (options ?? []).filter((o) => !o.startsWith('gid=') && !o.startsWith('uid='));
    // Like Go's omitempty: a mount left without options has no "options" key.
    return kept.length > 0 ? { ...rest, options: kept } : rest;
  });

  return {
    ...spec,
    mounts,
    // Rebuilt so that the mappings come first, as in runc's output.
    linux: {
      uidMappings: [{ containerID: 0, hostID: uid, size: 1 }],
      gidMappings: [{ containerID: 0, hostID: gid, size: 1 }],
      ...linux,
      namespaces,
    },
  };
}

/** filepath.Clean for the cases that matter here ("/sys/", "//sys", "sys"). */
function normalize(destination: string): string {
  const parts = destination.split('/').filter((p) => p !== '' && p !== '.');
  return '/' + parts.join('/');
}

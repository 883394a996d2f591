/**
 * A container running systemd as its pid 1, configured as podman's
 * `--systemd=always` configures one: a cgroup namespace (optional here),
 * a writable cgroup mount, tmpfs on /run, /run/lock, /tmp and
 * /var/log/journal, `container=oci` in the environment (systemd's own way
 * of learning it is in a container), podman's default capabilities, and
 * SIGRTMIN+3 as the stop signal (what systemd takes as "halt").
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultSpec } from '../../lib/config/default-spec';
import type { Mount, Spec } from '../../lib/config/types';
import { tempDir } from './tmp';

/** podman's default capabilities (containers.conf default_capabilities). */
export const PODMAN_DEFAULT_CAPS = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_NET_BIND_SERVICE',
  'CAP_SETFCAP',
  'CAP_SETGID',
  'CAP_SETPCAP',
  'CAP_SETUID',
  'CAP_SYS_CHROOT',
];

export interface SystemdSpecOptions {
  /** Give the container a cgroup namespace (podman does on cgroup2 hosts; default true). */
  cgroupNamespace?: boolean;
  /** Capabilities beyond podman's defaults (the nested-runtime tests add CAP_SYS_ADMIN and friends). */
  extraCaps?: string[];
  /** More mounts (read-only binds of node and the kapsel tree). */
  mounts?: Mount[];
  /**
   * Room for a container runtime inside (the nested-kapsel tests): no
   * masked or read-only /proc paths (the kernel lets a nested runtime
   * mount a fresh procfs only where the existing one is fully visible).
   */
  nestedRuntime?: boolean;
  /** linux.cgroupsPath (the tests give an absolute one, to find the container's cgroups on the host). */
  cgroupsPath?: string;
}

const tmpfs = (destination: string, options: string[]): Mount => ({ destination, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', ...options] });

/** The config of a systemd container whose rootfs is `rootfs` (absolute). */
export function systemdSpec(rootfs: string, opts: SystemdSpecOptions = {}): Spec {
  const spec = defaultSpec({ rootless: false });
  const caps = [...PODMAN_DEFAULT_CAPS, ...(opts.extraCaps ?? [])];
  spec.process = {
    ...spec.process!,
    terminal: false,
    args: ['/lib/systemd/systemd'],
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'container=oci'],
    capabilities: { bounding: caps, effective: caps, permitted: caps },
    // systemd raises its own file limit and runs setuid helpers (dbus's).
    noNewPrivileges: false,
    rlimits: [],
  };
  spec.root = { path: rootfs, readonly: false };
  spec.hostname = 'systemd-test';
  const mounts = spec.mounts!.map((m) => (m.destination === '/sys/fs/cgroup' ? { ...m, options: ['nosuid', 'noexec', 'nodev', 'rw'] } : m));
  mounts.push(
    tmpfs('/run', ['mode=755', 'size=65536k']),
    tmpfs('/run/lock', ['noexec', 'mode=1777', 'size=65536k']),
    tmpfs('/tmp', ['mode=1777', 'size=65536k']),
    tmpfs('/var/log/journal', ['noexec', 'mode=755', 'size=65536k']),
    ...(opts.mounts ?? []),
  );
  spec.mounts = mounts;
  const namespaces = spec.linux!.namespaces!.filter((n) => n.type !== 'cgroup');
  if (opts.cgroupNamespace ?? true) namespaces.push({ type: 'cgroup' });
  spec.linux!.namespaces = namespaces;
  if (opts.cgroupsPath) spec.linux!.cgroupsPath = opts.cgroupsPath;
  if (opts.nestedRuntime) {
    delete spec.linux!.maskedPaths;
    delete spec.linux!.readonlyPaths;
  }
  return spec;
}

/** A bundle directory holding `spec` as config.json (the rootfs is elsewhere: spec.root.path). */
export function systemdBundle(spec: Spec): { dir: string; cleanup(): void } {
  const dir = tempDir('systemd-bundle');
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec, null, 2));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** What a runtime inside needs beyond podman's defaults: mounts, namespaces, cgroups, ptrace of its children, device nodes. */
export const NESTED_RUNTIME_CAPS = ['CAP_SYS_ADMIN', 'CAP_NET_ADMIN', 'CAP_SYS_PTRACE', 'CAP_MKNOD', 'CAP_DAC_READ_SEARCH', 'CAP_AUDIT_WRITE', 'CAP_SYS_NICE', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_BPF', 'CAP_PERFMON'];

/** A read-only bind of host path `source` at `destination`. */
export const roBind = (source: string, destination = source): Mount => ({ destination, type: 'bind', source, options: ['rbind', 'ro', 'nosuid'] });
/** A writable bind. */
export const rwBind = (source: string, destination = source): Mount => ({ destination, type: 'bind', source, options: ['rbind', 'rw', 'nosuid'] });

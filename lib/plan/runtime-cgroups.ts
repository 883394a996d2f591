/**
 * The cgroup part of the runtime's plan: from the config and the cgroup
 * facts of the host (where the container's cgroups go, gathered by
 * container/cgroups.ts), what create does with cgroups, as plain data:
 * the directories it makes, every (file, value) write, the eBPF device
 * program it attaches (cgroup2; v1 gets devices.* writes), and where the
 * init is placed. A pure function: `kapsel plan` and Container.plan()
 * show exactly what create then does (container/runtime.ts runs it).
 */
import type { Spec } from '../config/types';
import type { BpfInsn } from '../cgroups/device-bpf';
import type { CgroupLayout, LayoutKind } from '../cgroups/layout';
import type { CgroupTarget } from '../cgroups/path';
import { cgroupSettings } from '../cgroups/settings';
import { deviceRules } from '../cgroups/devices';
import { resourceProperties, type SystemdScope, type UnitProperty } from '../cgroups/systemd';
import type { CgroupSettings, CgroupWrite } from '../cgroups/writes';

/**
 * The container's cgroups on this host, a host fact: the layout and the
 * directories (resolved from linux.cgroupsPath and the runtime's own
 * cgroups), or why it gets none (a rootless runtime with no cgroup it can
 * write: it runs without limits, as under runc's rootless manager).
 */
export type CgroupFacts =
  | {
      /** The host's cgroup layout. */
      layout: CgroupLayout;
      /** The container's directories in it. */
      target: CgroupTarget;
    }
  | {
      /** Why there is no cgroup: an unprivileged runtime, or uid 0 of a user namespace with none delegated. */
      unavailable: 'unprivileged' | 'user-namespace';
    };

/** What create does with cgroups. */
export interface CgroupPlan {
  /** The host's layout: v1, hybrid or v2. */
  layout: LayoutKind;
  /** v1 controller (or "name=systemd") -> the container's directory in that hierarchy. */
  v1: Record<string, string>;
  /** The container's cgroup2 directory (pure v2, or a hybrid host's unified hierarchy). */
  unified?: string;
  /** Where the cgroup2 hierarchy is mounted (controllers are enabled from there down). */
  mountPoint?: string;
  /** Each directory made (mkdir -p; an existing empty one is taken), in this order. */
  directories: string[];
  /** The resource writes, in order ("" controller: a cgroup2 file). */
  writes: CgroupWrite[];
  /** Settings that are not applied (said at create). */
  warnings: string[];
  /** cgroup2: the device filter attached to `unified` (BPF_PROG_TYPE_CGROUP_DEVICE). */
  deviceProgram?: BpfInsn[];
  /**
   * Where the init goes: born in `bornIn` (clone3 CLONE_INTO_CGROUP), and
   * its pid written to `cgroup.procs` of each of `join` after the spawn,
   * before it is told to go.
   */
  placement: {
    /** The cgroup2 directory the init is cloned into, if any. */
    bornIn?: string;
    /** The directories whose cgroup.procs get the init's pid. */
    join: string[];
  };
  /**
   * --systemd-cgroup: the scope systemd makes for these directories, and
   * the resource properties it is started with (the init's pid and the
   * rest are added when the init exists, cgroups/systemd.ts). The
   * directories and writes above are made as without systemd.
   */
  systemd?: {
    /** The scope unit and its slice. */
    scope: SystemdScope;
    /** The resource properties the scope is started with. */
    properties: UnitProperty[];
  };
}

/** The config sets a cgroupsPath or a limit (device rules alone do not count: no mknod without privileges). */
function asksForLimits(spec: Spec): boolean {
  const { devices: _devices, ...limits } = spec.linux?.resources ?? {};
  const set = Object.values(limits).some((v) => v !== undefined && v !== null && (typeof v !== 'object' || Object.keys(v as object).length > 0));
  return set || !!spec.linux?.cgroupsPath;
}

function rootlessCgroupWarning(reason: 'unprivileged' | 'user-namespace'): string {
  return reason === 'unprivileged'
    ? 'rootless: no cgroup is delegated to this user (cgroup v2 with write access), the container runs without cgroup limits'
    : 'rootless (uid 0 of a user namespace): the container\'s cgroups cannot be created here (none is delegated to this namespace), the container runs without cgroup limits';
}

/**
 * Rootless settings: no device rules. The devices controller (v1) and a
 * cgroup device program (v2) need CAP_SYS_ADMIN in the initial user
 * namespace, and a rootless container can make no device node anyway (the
 * kernel refuses mknod of devices outside it; kapsel binds the host's), so
 * runc's rootless managers skip them too.
 */
function withoutDeviceRules(settings: CgroupSettings): CgroupSettings {
  const { deviceProgram: _program, ...rest } = settings;
  return { ...rest, writes: settings.writes.filter((w) => w.controller !== 'devices') };
}

/**
 * The cgroup part for `spec` on a host: `host.cgroups` placed, without
 * device rules when the runtime is rootless (unprivileged, or in a user
 * namespace).
 */
export function cgroupPart(
  spec: Spec,
  host: { cgroups?: CgroupFacts; unprivileged: boolean; inUserNamespace: boolean },
): { plan?: CgroupPlan; warnings: string[] } {
  return planCgroups(spec, host.cgroups, host.unprivileged || host.inUserNamespace);
}

/**
 * What of the cgroup facts the rest of the plan depends on: the layout and
 * whether cgroups are available, not the directories (which name the
 * container). Plans for facts equal but for these directories differ in
 * their cgroup part only (container/plan-cache.ts reuses them so).
 */
export function cgroupFactsKey(facts: CgroupFacts | undefined): unknown {
  return facts && 'target' in facts ? { layout: facts.layout } : facts;
}

/**
 * The cgroup plan of `spec` (undefined: create makes no cgroup), and the
 * warning to give when a rootless container asked for limits it cannot
 * have. `rootless`: the runtime is unprivileged or in a user namespace.
 * @throws InvalidConfigError for a bad resource value (before anything exists).
 */
export function planCgroups(spec: Spec, facts: CgroupFacts | undefined, rootless: boolean): { plan?: CgroupPlan; warnings: string[] } {
  if (!facts) return { warnings: [] };
  if ('unavailable' in facts) {
    // Said only when something was asked: `spec --rootless` asks for no limit.
    return { warnings: asksForLimits(spec) ? [rootlessCgroupWarning(facts.unavailable)] : [] };
  }
  const { layout, target } = facts;
  const all = cgroupSettings(layout, spec.linux?.resources, spec.linux?.devices);
  const settings = rootless ? withoutDeviceRules(all) : all;
  const v1Dirs = [...new Set(Object.values(target.v1))];
  const warnings = [...settings.warnings];
  const systemd = target.systemd
    ? {
        scope: target.systemd,
        properties: resourceProperties(
          spec.linux?.resources,
          layout.kind === 'v2' ? 2 : 1,
          rootless ? undefined : deviceRules(spec.linux?.resources?.devices, spec.linux?.devices),
          (m) => warnings.push(m),
        ),
      }
    : undefined;
  return {
    warnings: [],
    plan: {
      layout: layout.kind,
      v1: { ...target.v1 },
      ...(target.unified !== undefined ? { unified: target.unified, ...(layout.unified ? { mountPoint: layout.unified.mountPoint } : {}) } : {}),
      directories: [...new Set([...v1Dirs, ...(target.unified !== undefined ? [target.unified] : [])])],
      writes: settings.writes,
      warnings,
      ...(settings.deviceProgram ? { deviceProgram: settings.deviceProgram } : {}),
      placement: { ...(target.unified !== undefined ? { bornIn: target.unified } : {}), join: v1Dirs },
      ...(systemd ? { systemd } : {}),
    },
  };
}

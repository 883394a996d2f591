/**
 * What create will do with cgroups on this host, for `kapsel plan`: the
 * layout, the directories, every (file, value) write and, on cgroup2, the
 * device filter program. Reads only the host's layout and own cgroup.
 */
import type { Spec } from '../config/types';
import { cgroupSettings } from '.';
import { formatProgram } from './device-bpf';
import { detectLayout, ownCgroups, type LayoutKind } from './layout';
import { resolveCgroupTarget } from './path';

export interface CgroupPlanView {
  layout: LayoutKind;
  /** hierarchy ("memory", "unified") -> directory. */
  directories: Record<string, string>;
  /** "controller/file=value" (v1) or "file=value" (cgroup2), in order. */
  writes: string[];
  warnings: string[];
  /** cgroup2: the device filter, one instruction a line. */
  deviceProgram?: string[];
}

export function describeCgroups(spec: Spec, id: string, systemd = false): CgroupPlanView {
  const layout = detectLayout();
  const target = resolveCgroupTarget(spec.linux?.cgroupsPath, id, layout, ownCgroups(), { systemd });
  const settings = cgroupSettings(layout, spec.linux?.resources, spec.linux?.devices);
  return {
    layout: layout.kind,
    directories: { ...target.v1, ...(target.unified ? { unified: target.unified } : {}) },
    writes: settings.writes.map((w) => `${w.controller ? `${w.controller}/` : ''}${w.file}=${w.value}`),
    warnings: settings.warnings,
    ...(settings.deviceProgram ? { deviceProgram: formatProgram(settings.deviceProgram) } : {}),
  };
}

export function formatCgroupView(view: CgroupPlanView): string {
  const lines = [`cgroups (${view.layout}):`];
  for (const [h, dir] of Object.entries(view.directories)) lines.push(`  ${h}: ${dir}`);
  for (const w of view.writes) lines.push(`  write ${w}`);
  for (const w of view.warnings) lines.push(`  warning: ${w}`);
  if (view.deviceProgram) lines.push('  device filter (BPF_PROG_TYPE_CGROUP_DEVICE):', ...view.deviceProgram.map((l) => `    ${l}`));
  return lines.join('\n');
}

/** Human-readable rendering of a plan (`kapsel plan`). */
import { formatProgram } from '../cgroups/device-bpf';
import { NAMESPACE_FLAGS } from './namespaces';
import type { CgroupPlan } from './runtime-cgroups';
import type { LaunchPlan, Step } from './steps';
import { checkArgs } from '../args';
import { LAUNCH_PLAN } from './plan-guard';

/** Step fields that are capability masks (decimal text in the plan): shown in hex, as /proc/PID/status shows them. */
const MASK_FIELDS = new Set(['keep', 'effective', 'permitted', 'inheritable', 'raise']);

function describe(value: unknown, key?: string): string {
  if (key !== undefined && MASK_FIELDS.has(key) && typeof value === 'string' && /^\d+$/.test(value)) return `0x${BigInt(value).toString(16)}`;
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  if (Array.isArray(value)) return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
  return JSON.stringify(value);
}

export function formatStep(step: Step, index: number): string {
  const fields = Object.entries(step)
    .filter(([key]) => key !== 'op')
    .map(([key, value]) => `${key}=${describe(value, key)}`);
  return `${String(index).padStart(3)}  ${step.op}${fields.length ? ' ' + fields.join(' ') : ''}`;
}

/** The plan's cgroup part: directories, writes, the device filter, the init's placement. */
export function formatCgroups(cgroups: CgroupPlan | undefined): string[] {
  if (!cgroups) return ['cgroups: (none)'];
  const lines = [`cgroups (${cgroups.layout}):`];
  for (const [h, dir] of Object.entries(cgroups.v1)) lines.push(`  ${h}: ${dir}`);
  if (cgroups.unified !== undefined) lines.push(`  unified: ${cgroups.unified}`);
  for (const w of cgroups.writes) lines.push(`  write ${w.controller ? `${w.controller}/` : ''}${w.file}=${w.value}`);
  for (const w of cgroups.warnings) lines.push(`  warning: ${w}`);
  if (cgroups.deviceProgram) lines.push('  device filter (BPF_PROG_TYPE_CGROUP_DEVICE):', ...formatProgram(cgroups.deviceProgram).map((l) => `    ${l}`));
  if (cgroups.placement.bornIn !== undefined) lines.push(`  init born in: ${cgroups.placement.bornIn}`);
  for (const dir of cgroups.placement.join) lines.push(`  init joins: ${dir}`);
  return lines;
}

export function formatPlan(plan: LaunchPlan): string {
  checkArgs([plan, 'plan', LAUNCH_PLAN]);
  const created = Object.entries(NAMESPACE_FLAGS)
    .filter(([, flag]) => (plan.cloneFlags & flag) !== 0)
    .map(([name]) => name);
  const lines = [`new namespaces: ${created.join(' ') || '(none)'}`];
  for (const j of plan.join) {
    const name = Object.entries(NAMESPACE_FLAGS).find(([, f]) => f === j.type)?.[0] ?? String(j.type);
    lines.push(`join namespace: ${name} ${'path' in j ? j.path : `pidfd ${j.pidfd}`}`);
  }
  for (const m of plan.uidMappings) lines.push(`uid map: ${m.containerID} ${m.hostID} ${m.size}`);
  for (const m of plan.gidMappings) lines.push(`gid map: ${m.containerID} ${m.hostID} ${m.size}`);
  if (plan.denySetgroups) lines.push('setgroups: deny');
  if (plan.oomScoreAdj !== undefined) lines.push(`oom_score_adj: ${plan.oomScoreAdj}`);
  for (const line of (plan.timeOffsets ?? '').split('\n').filter((l) => l !== '')) lines.push(`time offset: ${line}`);
  for (const d of plan.netDevices ?? []) lines.push(`net device: ${d.hostName} -> ${d.name} (moved as ${d.moveAs})`);
  (plan.idmapTrees ?? []).forEach((t, i) => {
    const maps = `uid ${t.uidMap.trim().replace(/\n/g, ', ')}; gid ${t.gidMap.trim().replace(/\n/g, ', ')}`;
    lines.push(`idmap tree ${i}: ${t.source}${t.recursive ? ' (recursive)' : ''}${t.recursiveIdmap ? ' ridmap' : ''} ${maps}`);
  });
  for (const w of plan.warnings) lines.push(`warning: ${w}`);
  lines.push('steps:');
  plan.steps.forEach((s, i) => lines.push(formatStep(s, i)));
  lines.push(...formatCgroups(plan.cgroups));
  return lines.join('\n');
}

/** JSON form of a plan (bytes as base64; 64-bit values are decimal text in the plan already). */
export function planToJSON(plan: LaunchPlan): unknown {
  checkArgs([plan, 'plan', LAUNCH_PLAN]);
  return JSON.parse(
    JSON.stringify(plan, function (this: Record<string, unknown>, key, v) {
      const raw = this[key];
      if (raw instanceof Uint8Array) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64');
      return v;
    }),
  );
}

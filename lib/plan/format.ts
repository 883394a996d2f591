/**
 * The printed form of a plan (`kapsel plan`, formatPlan): readable and
 * stable. Numbers that stand for names are shown by name (mount and clone
 * flags, capabilities, seccomp flags, scheduling enums), modes in octal,
 * and a hook without `env` as inheriting the runtime's environment, never
 * with its values. The same plan prints the same text on every machine,
 * so that tests can pin it (kapsel/testing's host presets make the plan
 * itself the same).
 */
import { formatProgram } from '../cgroups/device-bpf';
import {
  capabilityNames,
  CLONE_FLAGS,
  flagNames,
  IOPRIO_CLASSES,
  MEMORY_POLICY_FLAGS,
  MEMORY_POLICY_MODES,
  MOUNT_ATTRS,
  MOUNT_FLAGS,
  octalMode,
  PERSONALITIES,
  SCHED_FLAGS,
  SCHED_POLICIES,
  SECCOMP_FILTER_FLAGS,
  valueName,
} from './flag-names';
import { NAMESPACE_FLAGS } from './namespaces';
import type { CgroupPlan } from './runtime-cgroups';
import type { LaunchPlan, PlannedHook, Step } from './steps';
import { checkArgs } from '../args';
import { LAUNCH_PLAN } from './plan-guard';

/** How a step field is shown: by op and field, for the fields that are numbers with names (flag-names.ts). */
const FIELD_FORMS: Readonly<Record<string, (value: never) => string>> = {
  'mount.flags': (v: number) => flagNames(v, MOUNT_FLAGS),
  'mask.dirFlags': (v: number) => flagNames(v, MOUNT_FLAGS),
  'tmpfs-copyup.flags': (v: number) => flagNames(v, MOUNT_FLAGS),
  'setattr.set': (v: number) => flagNames(v, MOUNT_ATTRS),
  'setattr.clear': (v: number) => flagNames(v, MOUNT_ATTRS),
  'setattr.propagation': (v: number) => flagNames(v, MOUNT_FLAGS),
  'unshare.flags': (v: number) => flagNames(v, CLONE_FLAGS),
  'mkdir.mode': (v: number) => octalMode(v),
  'mknod.mode': (v: number) => octalMode(v),
  'umask.mask': (v: number) => octalMode(v),
  'bounding.keep': (v: string) => capabilityNames(v),
  'capset.effective': (v: string) => capabilityNames(v),
  'capset.permitted': (v: string) => capabilityNames(v),
  'capset.inheritable': (v: string) => capabilityNames(v),
  'ambient.raise': (v: string) => capabilityNames(v),
  'seccomp.flags': (v: number) => flagNames(v, SECCOMP_FILTER_FLAGS),
  'personality.persona': (v: number) => valueName(v, PERSONALITIES),
  'scheduler.policy': (v: number) => valueName(v, SCHED_POLICIES),
  'scheduler.flags': (v: number) => flagNames(v, SCHED_FLAGS),
  'ioprio.ioClass': (v: number) => valueName(v, IOPRIO_CLASSES),
  'mempolicy.mode': (v: number) => valueName(v, MEMORY_POLICY_MODES),
  'mempolicy.flags': (v: number) => flagNames(v, MEMORY_POLICY_FLAGS),
};

/**
 * What a hook without `env` is shown with: it gets the runtime's own
 * environment when it runs, whose values a plan never holds nor prints
 * (plan/hooks.ts): a printed plan goes to logs and test snapshots.
 */
export const INHERITED_ENV = "inherits the runtime's environment";

function describe(value: unknown, op: string, key: string): string {
  const form = FIELD_FORMS[`${op}.${key}`];
  if (form) return form(value as never);
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  if (Array.isArray(value)) return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
  return JSON.stringify(value);
}

/** One step as a line: its number, op and fields, numbers with names shown by name. */
export function formatStep(step: Step, index: number): string {
  const fields = Object.entries(step)
    .filter(([key]) => key !== 'op')
    .map(([key, value]) => `${key}=${describe(value, step.op, key)}`);
  if (step.op === 'hook' && step.env === undefined) fields.push(`env=(${INHERITED_ENV})`);
  const line = `${String(index).padStart(3)}  ${step.op}${fields.length ? ' ' + fields.join(' ') : ''}`;
  return step.op === 'sync' ? `${line}  (the runtime runs the prestart and createRuntime hooks here)` : line;
}

/** Every hook, in the order the lifecycle runs it, with where, when, its state and its environment. */
export function formatHooks(hooks: readonly PlannedHook[] | undefined): string[] {
  if (!hooks || hooks.length === 0) return ['hooks: (none)'];
  const lines = ['hooks (in the order they run):'];
  hooks.forEach((h, i) => {
    const failure = h.onFailure === 'fails' ? `a failure fails ${h.operation}` : 'a failure is a warning';
    lines.push(`  ${i + 1}. ${h.kind}[${h.index}] at ${h.operation}, in the ${h.namespace}'s namespaces, state "${h.status}" on stdin, ${failure}`);
    lines.push(`     path=${JSON.stringify(h.path)} args=${describe(h.args, 'hook', 'args')} timeout=${h.timeout === 0 ? 'none' : `${h.timeout}s`}`);
    lines.push(`     env: ${h.env ? describe(h.env, 'hook', 'env') : INHERITED_ENV}`);
  });
  return lines;
}

/** The init helper's fds by number and role (LaunchPlan.fds). */
function formatFds(plan: LaunchPlan): string {
  return `fds: ${plan.fds.map((s) => `${s.fd}=${s.role}${s.n !== undefined ? ` ${s.n}` : ''}`).join(' ')}`;
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

/**
 * A launch plan as text (`kapsel plan`): namespaces, id maps, fds,
 * warnings, the init's steps, the hooks in the order they run, the
 * cgroups. For reading, not for parsing (use {@link planToJSON}).
 */
export function formatPlan(plan: LaunchPlan): string {
  checkArgs([plan, 'plan', LAUNCH_PLAN]);
  const created = Object.entries(NAMESPACE_FLAGS)
    .filter(([, flag]) => (plan.cloneFlags & flag) !== 0)
    .map(([name]) => name);
  const lines = [`new namespaces: ${created.length > 0 ? `${created.join(' ')} (${flagNames(plan.cloneFlags, CLONE_FLAGS)})` : '(none)'}`];
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
  if (plan.seccompListener) lines.push(`seccomp listener: ${plan.seccompListener.path}${plan.seccompListener.metadata !== undefined ? ` metadata=${JSON.stringify(plan.seccompListener.metadata)}` : ''}`);
  lines.push(formatFds(plan));
  for (const w of plan.warnings) lines.push(`warning: ${w}`);
  lines.push('steps:');
  plan.steps.forEach((s, i) => lines.push(formatStep(s, i)));
  lines.push(...formatHooks(plan.hooks));
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

/**
 * The one place the container layer calls the plan compiler, for create
 * and for Container.plan(), so that a change of the compiler's inputs (a
 * validated spec, the host's facts, the compiled programs) is made here
 * once. This is the preparation phase: the host facts are gathered and the
 * seccomp profile is compiled here, before compilePlan, which does neither.
 */
import type { ValidSpec } from '../config/valid';
import { compilePlan, type CompileOptions } from '../plan/compile';
import { gatherFacts, runtimeUnprivileged } from '../host/facts';
import type { PlanFacts } from '../plan/plan-facts';
import type { PlanPrograms, SeccompCompiler } from '../plan/seccomp';
import type { LaunchPlan } from '../plan/steps';
import { gatherCgroupFacts } from './cgroups';

/** Whose cgroups a plan without given facts is for: the id the default cgroupsPath is named after, and --systemd-cgroup. */
export interface PlanFor {
  id: string;
  systemdCgroup?: boolean;
}

/**
 * The facts create gathers for `spec` on this host and its rootfs
 * (read-only), the container's cgroups included.
 */
export function gatherPlanFacts(spec: ValidSpec, options: CompileOptions, container: PlanFor): PlanFacts {
  const cgroups = gatherCgroupFacts(spec, container.id, { systemd: container.systemdCgroup, unprivileged: runtimeUnprivileged() });
  return gatherFacts(spec, { bundle: options.bundle, rootfs: options.rootfs, cgroups });
}

/** What a plan is made from besides the config and the options. */
export interface PlanInputs {
  /** The host and image facts; default: gathered from this host and the rootfs (read-only). */
  facts?: PlanFacts;
  /**
   * Compiles linux.seccomp. Default: libseccomp's when the facts are
   * gathered here (this host's library for this host); with facts given,
   * none unless given (a made-up host has no libseccomp of ours): the plan
   * then shows the normalized profile where the filter would go
   * (plan/seccomp.ts PlanPrograms), and needs no libseccomp at all.
   */
  seccompCompiler?: SeccompCompiler;
  /** Without `facts`: whose cgroups the gathered facts are for (default id "<id>"). */
  container?: PlanFor;
}

/**
 * libseccomp's compiler, loaded on first use: exec reaches this module
 * (through the plan cache) and compiles nothing, it installs the
 * create-time filter (container/create-record.ts).
 */
export function libseccompCompiler(): SeccompCompiler {
  return (require('../host/seccomp') as typeof import('../host/seccomp')).libseccompCompiler;
}

/** The programs of `spec` compiled by `compiler` (none without a compiler or a profile). */
export function compilePrograms(spec: ValidSpec, compiler: SeccompCompiler | undefined): PlanPrograms {
  const profile = spec.linux?.seccomp;
  return profile && compiler ? { seccomp: compiler(profile, { basePath: '/linux/seccomp' }) } : {};
}

/** Compiles `spec` from `inputs` (PlanInputs says what is gathered or compiled when not given). */
export function planContainer(spec: ValidSpec, options: CompileOptions, inputs: PlanInputs = {}): LaunchPlan {
  const facts = inputs.facts ?? gatherPlanFacts(spec, options, inputs.container ?? { id: '<id>' });
  const compiler = inputs.seccompCompiler ?? (inputs.facts ? undefined : libseccompCompiler());
  return compilePlan(spec, options, facts, compilePrograms(spec, compiler));
}

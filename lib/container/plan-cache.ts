/**
 * What create derives from a bundle, kept for the next create of the same
 * bundle in this process: the validated config (keyed by config.json's
 * exact text), the launch plan (keyed by the validated config, the compile
 * options and the host and image facts) and the plan's encoding. A program
 * that creates many containers from one bundle validates and compiles it
 * once; each create still reads config.json, resolves the bundle and the
 * rootfs and gathers the facts afresh, so a changed file, rootfs, passwd
 * or host gives a new entry, never a stale plan. Validation and
 * compilation are pure functions of those inputs (lib/config/validate.ts,
 * lib/plan/compile.ts), which is what makes the reuse safe; the cached
 * config and plan are frozen, so that no caller can change what the next
 * create gets.
 */
import type { ValidSpec } from '../config/valid';
import type { LoadedBundle } from '../config/load';
import type { CompileOptions } from '../plan/compile';
import { encodeSteps } from '../plan/encode';
import { inheritsRuntimeEnv } from '../plan/hooks';
import type { PlanFacts } from '../plan/plan-facts';
import { cgroupFactsKey, cgroupPart } from '../plan/runtime-cgroups';
import type { LaunchPlan, Step } from '../plan/steps';
import type { SeccompCompiler } from '../plan/seccomp';
import { libseccompCompiler, planContainer } from './planning';

/**
 * The config loader, required on create's first use only: exec reaches
 * this module (launch.ts's encoding cache) and must not even load the
 * reader of config.json, since nothing of the bundle may reach an exec
 * after create (create-record.ts; a unit test checks exec's module graph).
 */
const configLoader = (): typeof import('../config/load') => require('../config/load') as typeof import('../config/load');

/** Bundles remembered at once; beyond that the oldest goes (a program with many bundles recompiles). */
const MAX_BUNDLES = 64;
/** Plans remembered per config (different options or facts). */
const MAX_PLANS_PER_CONFIG = 8;

interface ConfigEntry {
  text: string;
  config: ValidSpec;
  renamed: LoadedBundle['warnings'];
}

const configs = new Map<string, ConfigEntry>();
const plans = new WeakMap<ValidSpec, Map<string, LaunchPlan>>();
const encodings = new WeakMap<readonly Step[], { env?: string; bytes: Uint8Array }>();

/** Freezes a value and everything it holds (typed arrays, which cannot be frozen, are left as they are). */
function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const v of Object.values(value as object)) deepFreeze(v);
  return value;
}

function remember<K, V>(map: Map<K, V>, key: K, value: V, max: number): V {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value as K);
  return value;
}

/**
 * loadBundle (lib/config/load.ts), validating only a config.json text not
 * seen before for this bundle. Errors are loadBundle's.
 */
export function loadBundleReusing(bundle: string): LoadedBundle {
  const { loadBundleFromText, readBundleText } = configLoader();
  const { bundleDir, file, text } = readBundleText(bundle);
  const seen = configs.get(bundleDir);
  if (seen && seen.text === text) return loadBundleFromText(bundleDir, file, text, { config: seen.config, warnings: seen.renamed });
  const loaded = loadBundleFromText(bundleDir, file, text);
  remember(configs, bundleDir, { text, config: deepFreeze(loaded.config), renamed: loaded.warnings }, MAX_BUNDLES);
  return loaded;
}

/** Sets and maps (the facts have both) as sorted arrays, so that equal facts give equal keys. */
function keyReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Set) return [...value].sort();
  if (value instanceof Map) return [...value].sort(([a], [b]) => (String(a) < String(b) ? -1 : 1));
  return value;
}

/**
 * planContainer, reusing the plan of the same config, options and facts.
 * The seccomp program is compiled on a miss only: it is a function of the
 * config's profile and the host's libseccomp, which the facts name
 * (HostFacts.seccomp). Default compiler: libseccomp's (create's).
 * Facts that differ only in the container's cgroup directories (each
 * container's are its own) reuse the plan with its cgroup part made anew
 * (plan/runtime-cgroups.ts cgroupFactsKey): many containers of one
 * bundle compile once.
 */
export function planContainerReusing(spec: ValidSpec, options: CompileOptions, facts: PlanFacts, seccompCompiler: SeccompCompiler = libseccompCompiler()): LaunchPlan {
  const inputs = { facts, seccompCompiler };
  let key: string;
  try {
    key = JSON.stringify([options, { ...facts, host: { ...facts.host, cgroups: cgroupFactsKey(facts.host.cgroups) } }], keyReplacer);
  } catch {
    // Something in the facts that has no stable text: no reuse.
    return planContainer(spec, options, inputs);
  }
  let byInputs = plans.get(spec);
  if (!byInputs) {
    byInputs = new Map();
    plans.set(spec, byInputs);
  }
  const seen = byInputs.get(key);
  if (seen) return withCgroupsOf(seen, spec, facts);
  return remember(byInputs, key, deepFreeze(planContainer(spec, options, inputs)), MAX_PLANS_PER_CONFIG);
}

/** A remembered plan with the cgroup part of `facts` (the same object when that part is equal). */
function withCgroupsOf(plan: LaunchPlan, spec: ValidSpec, facts: PlanFacts): LaunchPlan {
  const cgroups = cgroupPart(spec, facts.host).plan;
  if (JSON.stringify(cgroups) === JSON.stringify(plan.cgroups)) return plan;
  const { cgroups: _theirs, ...rest } = plan;
  return deepFreeze({ ...rest, ...(cgroups ? { cgroups } : {}) });
}

/**
 * encodeSteps, once per steps array (a plan from planContainerReusing is
 * frozen: its steps do not change) and runtime environment: the bytes of
 * a plan whose hooks inherit the runtime's environment carry it
 * (plan/hooks.ts), so a changed environment is a new encoding.
 */
export function encodeStepsReusing(steps: readonly Step[], runtimeEnv: readonly string[]): Uint8Array {
  const env = steps.some(inheritsRuntimeEnv) ? runtimeEnv.join('\0') : undefined;
  const seen = encodings.get(steps);
  if (seen && seen.env === env) return seen.bytes;
  const bytes = encodeSteps(steps, runtimeEnv);
  if (Object.isFrozen(steps)) encodings.set(steps, { ...(env !== undefined ? { env } : {}), bytes });
  return bytes;
}

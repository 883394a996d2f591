/**
 * validateConfig as the library exports it and `kapsel validate` runs it:
 * the config's own validation (config/validate.ts: every error, key-case
 * and deprecation warnings), then what create decides from this host and
 * the rootfs, through create's own code (the plan compiler, its
 * supported-field rules), so that nothing here repeats a rule:
 *
 * - with a rootfs: the launch plan is compiled as Container.plan compiles
 *   it, host and image facts gathered read-only (no privilege needed);
 *   its config errors are errors, a field create on this host would
 *   refuse (NotSupportedError) is a warning (another host may apply it),
 *   and so are the plan's own warnings;
 * - without one: the host's rules alone (plan/supported.ts), and the
 *   report's `skipped` says what was not checked.
 *
 * The host facts are this process's: run as root, it checks for a runtime
 * running as root; run as another user, for a rootless one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validateConfig as validateDocument, type CollectOptions } from '../config/validate';
import { relativeDestinationWarnings } from '../plan/rootfs';
import type { ConfigIssue, SkippedCheck, ValidationReport } from '../config/findings';
import type { ValidSpec } from '../config/valid';
import { describeErrno, InvalidConfigError, KapselError, NotSupportedError } from '../errors';
import { gatherHostFacts } from '../host/facts';
import type { PlanFacts } from '../plan/plan-facts';
import { checkSupported } from '../plan/supported';
import { planContainer } from './planning';
import { checkArgs, object, optional, string } from '../args';

export type { ConfigIssue, SkippedCheck, ValidationReport } from '../config/findings';

/** {@link validateConfig}'s options for a report (`collect: true`) with the host's and the rootfs's checks. */
export interface ValidateOptions extends CollectOptions {
  /**
   * The bundle directory: a relative root.path and relative mount
   * sources are taken from it. Without `rootfs`, the rootfs is root.path
   * there; with neither, there is no rootfs to check.
   */
  bundle?: string;
  /** The rootfs directory (as Container.plan takes it). */
  rootfs?: string;
  /**
   * The host and image facts to check against (as Container.plan takes
   * them: hand-made in tests). Default: gathered from this host and the
   * rootfs, read-only.
   */
  facts?: PlanFacts;
}

/** What the plan's checks did not cover: cgroups are create's own work, on the hierarchy (lib/cgroups). */
const CGROUPS_SKIPPED: SkippedCheck = {
  check: 'cgroups',
  reason: 'linux.resources and linux.cgroupsPath are checked against the cgroup hierarchy by create, which validate does not touch',
};

/**
 * Validates `value` (a parsed config.json) and returns it typed as a
 * ValidSpec: config/validate.ts's validateConfig, which throws the first
 * error as an InvalidConfigError.
 *
 * @example
 * ```ts
 * import { InvalidConfigError, validateConfig } from 'kapsel';
 * try {
 *   const spec = validateConfig(JSON.parse(text)); // a ValidSpec
 * } catch (err) {
 *   if (err instanceof InvalidConfigError) console.error(err.jsonPath, err.problem); // '/process/args', 'is required'
 * }
 * ```
 */
export function validateConfig(value: unknown): ValidSpec;
/**
 * Every error (each with its JSON path), the warnings and the checks
 * skipped: the config's own, then this host's and the rootfs's (see the
 * module comment). Never throws for a fault of the config.
 *
 * @example
 * ```ts
 * import { validateConfig } from 'kapsel';
 * const report = validateConfig(config, { collect: true, bundle: '/srv/bundles/web' });
 * for (const e of report.errors) console.error(`${e.path}: ${e.message}`);
 * for (const s of report.skipped) console.warn(`not checked: ${s.check} (${s.reason})`);
 * ```
 */
export function validateConfig(value: unknown, options: ValidateOptions): ValidationReport;
export function validateConfig(value: unknown, options?: ValidateOptions): ValidSpec | ValidationReport {
  // `value` is the document under validation: any value gets a report (or an InvalidConfigError), never a crash.
  checkArgs([options, 'options', optional(object({ bundle: optional(string), rootfs: optional(string) }))]);
  if (!options?.collect) return validateDocument(value);
  const report = validateDocument(value, { collect: true });
  const { config, ...rest } = report;
  if (!config) {
    return { ...rest, skipped: [...rest.skipped, { check: 'host and rootfs', reason: 'the config has errors: the checks of create that build on it did not run' }] };
  }
  const bundle = path.resolve(options.bundle ?? '.');
  const rootfs = options.rootfs ?? (options.bundle !== undefined ? path.resolve(bundle, config.root.path) : undefined);
  const found = createChecks(config, bundle, rootfs, options.facts);
  const errors = [...rest.errors, ...found.errors];
  return { valid: errors.length === 0, errors, warnings: [...rest.warnings, ...found.warnings], skipped: [...rest.skipped, ...found.skipped] };
}

/** Why the rootfs cannot be read ("no such file or directory"), or undefined when it is a directory. */
function unusable(rootfs: string): string | undefined {
  try {
    return fs.statSync(rootfs).isDirectory() ? undefined : describeErrno('ENOTDIR');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code ? describeErrno(code) : String(err);
  }
}

/**
 * An error of create's checks as a report line: a config error, a field
 * refused here (a warning), or a check that could not run (the rootfs
 * unreadable: skipped). Anything but kapsel's typed errors is a bug, thrown.
 */
function issueOf(err: unknown, check: string): { error?: ConfigIssue; warning?: ConfigIssue; skipped?: SkippedCheck } {
  if (err instanceof InvalidConfigError) return { error: { path: err.jsonPath || '/', message: err.problem, code: err.code } };
  if (err instanceof NotSupportedError) {
    // Its message names the field: "config.json /linux/intelRdt: ...".
    const named = /^config\.json (\/\S*): (.*)$/s.exec(err.message);
    return { warning: { path: named?.[1] ?? '/', message: named?.[2] ?? err.message, code: err.code } };
  }
  if (err instanceof KapselError) return { skipped: { check, reason: err.message } };
  throw err;
}

function createChecks(
  config: ValidSpec,
  bundle: string,
  rootfs: string | undefined,
  facts: PlanFacts | undefined,
): Pick<ValidationReport, 'errors' | 'warnings' | 'skipped'> {
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const skipped: SkippedCheck[] = [];
  const add = (found: ReturnType<typeof issueOf>): void => {
    if (found.error) errors.push(found.error);
    if (found.warning) warnings.push(found.warning);
    if (found.skipped) skipped.push(found.skipped);
  };
  // Hand-made facts bring the image's: the rootfs is then only a path, as for Container.plan.
  const noRootfs = rootfs === undefined ? 'no bundle or rootfs given' : facts ? undefined : unusable(rootfs);
  if (noRootfs === undefined) {
    try {
      const plan = planContainer(config, { bundle, rootfs: rootfs! }, { facts });
      // The plan repeats the relative destinations the config's report already lists as deprecated.
      const listed = new Set(relativeDestinationWarnings(config));
      for (const w of plan.warnings.filter((text) => !listed.has(text))) warnings.push({ path: '/', message: w, code: 'plan' });
    } catch (err) {
      add(issueOf(err, 'launch plan'));
    }
    return { errors, warnings, skipped: [...skipped, CGROUPS_SKIPPED] };
  }
  // No image to read: this host's rules for the fields (resctrl, LSMs, privileges), without the plan.
  try {
    checkSupported(config, facts?.host ?? gatherHostFacts(config, bundle));
  } catch (err) {
    add(issueOf(err, 'host'));
  }
  skipped.unshift({
    check: 'rootfs',
    reason: `${rootfs === undefined ? noRootfs : `rootfs ${rootfs}: ${noRootfs}`}: the launch plan was not compiled (root.path, the image's /etc/passwd for process.user, devices and mounts as create would set them up)`,
  });
  return { errors, warnings, skipped: [...skipped, CGROUPS_SKIPPED] };
}

/**
 * Where the validation rules put what they find. One set of rules
 * (schema.ts, checks.ts and the modules they call) serves two callers:
 *
 * - create, exec and Container.plan want the first error, thrown as an
 *   InvalidConfigError (THROW_FIRST: nothing after it is looked at);
 * - `kapsel validate` and validateConfig(value, { collect: true }) want
 *   every error with its JSON path, and go on after each (Collector).
 *
 * A rule reports through `findings.error(path, problem)` and, when it
 * goes on, must not rely on what it has just reported as wrong. Rules in
 * modules that still throw their first error are run through
 * `findings.rule(...)`: the collector records that error and goes on
 * with the next rule, so one bad field never hides another rule's errors.
 */
import { InvalidConfigError } from '../errors';

/** One finding of validation: a JSON pointer into the document, what is wrong there, and a stable code. */
export interface ConfigIssue {
  /** JSON pointer of the field ("/process/args/0"; "/" for the whole document). */
  path: string;
  /** What is wrong there ("must be string"). */
  message: string;
  /**
   * What kind of finding: `ERR_INVALID_CONFIG` for errors (the code of
   * the InvalidConfigError create throws for it); for warnings one of
   * WarningCode.
   */
  code: string;
}

/**
 * Warnings: the config is valid, but
 * - `key-case`: a key differs from the spec's spelling only in case (read
 *   as the spec's, as runc reads it: keys.ts);
 * - `deprecated`: a form the spec deprecates, which kapsel still accepts;
 * - `ERR_NOT_SUPPORTED`: create on this host would refuse the field (the
 *   code of the NotSupportedError it throws); another host may apply it;
 * - `plan`: a warning of the launch plan, which create would log.
 */
export type WarningCode = 'key-case' | 'deprecated' | 'ERR_NOT_SUPPORTED' | 'plan';

/** A check that did not run, and why ("needs the rootfs"). */
export interface SkippedCheck {
  /** What was not checked ("image", "/mounts (cross-field rules)"). */
  check: string;
  /** Why it did not run. */
  reason: string;
}

/** The result of validateConfig(value, { collect: true }). */
export interface ValidationReport {
  /** No errors (warnings allowed): validateConfig without `collect` would not throw. */
  valid: boolean;
  /** Every error, each with its JSON path; empty when `valid`. */
  errors: ConfigIssue[];
  /** The warnings ({@link WarningCode}): the config is valid, but look. */
  warnings: ConfigIssue[];
  /** The checks that could not run (no rootfs, errors they build on). */
  skipped: SkippedCheck[];
}

/** The sink of the validation rules. */
export interface Findings {
  /** `path` is wrong: throws (THROW_FIRST) or records it and returns (Collector). */
  error(path: string, problem: string): void;
  /** Runs a rule that may throw its first error; the collector records that error and returns. */
  rule(check: () => void): void;
  /**
   * Whether a cross-field rule reading the fields at `reads` may run: the
   * rules trust the shapes the schema checked, so where it found an error
   * they are skipped (and the collector says so). Always true when
   * throwing: a schema error has been thrown before any rule runs.
   */
  mayRead(reads: readonly string[]): boolean;
  /** The schema has run: its errors so far are the ones that say a shape is wrong. */
  shapesChecked(): void;
}

/** The first error, thrown: what create, exec and Container.plan see. */
export const THROW_FIRST: Findings = {
  error(path, problem) {
    throw new InvalidConfigError(path, problem);
  },
  rule(check) {
    check();
  },
  mayRead() {
    return true;
  },
  shapesChecked() {},
};

/** Every error, recorded in the order the rules find them (each path and message once). */
export class Collector implements Findings {
  readonly errors: ConfigIssue[] = [];
  readonly skipped: SkippedCheck[] = [];

  error(path: string, problem: string): void {
    const at = path || '/';
    if (this.errors.some((e) => e.path === at && e.message === problem)) return;
    this.errors.push({ path: at, message: problem, code: 'ERR_INVALID_CONFIG' });
  }

  rule(check: () => void): void {
    try {
      check();
    } catch (err) {
      // Only a finding about the config: anything else is a bug, not a report line.
      if (!(err instanceof InvalidConfigError)) throw err;
      this.error(err.jsonPath, err.problem);
    }
  }

  /** The paths of the schema's errors: called once the schema has run, before the cross-field rules. */
  shapesChecked(): void {
    this.shapeErrors = this.errors.map((e) => e.path);
  }

  private shapeErrors: string[] = [];

  mayRead(reads: readonly string[]): boolean {
    // Only the schema's errors say a shape is wrong: a rule's error (a duplicate namespace) leaves the shapes as they were.
    const blocked = this.shapeErrors.filter((path) => reads.some((r) => overlaps(path === '/' ? '' : path, r)));
    if (blocked.length === 0) return true;
    this.skipped.push({
      check: `cross-field rules of ${reads.join(', ')}`,
      reason: `the schema errors at ${[...new Set(blocked)].join(', ')} come first`,
    });
    return false;
  }
}

/** Whether one JSON pointer is the other, or one lies inside the other (segment-wise: "/linux/sysctl" is not inside "/linux/sys"). */
function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`) || a === '' || b === '';
}

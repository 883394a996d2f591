/**
 * What a conformance check is: a spec sentence (quoted, with its file and
 * section) and the code that checks it against a runtime.
 */
import type { Harness } from './harness';
import { checkArgs, object, string } from '../../args';

/** The sentence of the OCI runtime spec a check verifies. */
export interface Citation {
  /** The spec file: runtime.md or config.md. */
  readonly file: 'runtime.md' | 'config.md';
  /** Its section heading ("Query State", "Lifecycle", "POSIX-platform Hooks"). */
  readonly section: string;
  /**
   * MUST or SHOULD (REQUIRED counts as MUST), as the sentence says; or
   * DEFINITION: a sentence that defines what a MUST elsewhere requires
   * (what a state value means, what a field does), checked as defined.
   */
  readonly level: 'MUST' | 'SHOULD' | 'DEFINITION';
  /** The sentence, quoted verbatim (links reduced to their text). */
  readonly text: string;
}

/** One conformance test. */
export interface Check {
  /** Short, unique within its area: what the runtime is made to do. */
  readonly title: string;
  /** The sentence of the OCI runtime spec the check tests. */
  readonly cite: Citation;
  /**
   * Set when the check cannot run for a rootless runtime (e.g. it needs
   * ids the user namespace does not map): the reason, shown as the skip.
   */
  readonly rootOnly?: string;
  /** The check itself: rejects (an assertion) when the runtime does not do what the spec says. */
  run(h: Harness): Promise<void>;
}

/** A spec area: one file of checks. */
export interface Area {
  /** The area's name, as `areas` and --area take it ("state", "hooks", ...). */
  readonly name: string;
  /** Its checks, run in this order. */
  readonly checks: readonly Check[];
}

export function cite(file: Citation['file'], section: string, level: Citation['level'], text: string): Citation {
  return { file, section, level, text };
}

/** The test name node:test shows: the title, then the cited sentence. */
export function checkName(check: Check): string {
  checkArgs([check, 'check', object({ title: string, cite: object({ file: string, section: string, level: string, text: string }) })]);
  const c = check.cite;
  return `${check.title} [${c.file} § ${c.section}, ${c.level}: "${c.text}"]`;
}

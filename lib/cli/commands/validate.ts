/**
 * `kapsel validate [--json] [--bundle DIR | FILE | -]`: checks a
 * config.json as create would (container/validate.ts) and prints every
 * error and warning, as a linter does: exit 0 when the config is valid
 * (warnings allowed), 1 when it is not. Needs no root: it reads the
 * config (and the rootfs, when there is one) and changes nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseConfigText, readBundleText, readConfigText } from '../../config/load';
import { validateConfig, type ValidationReport } from '../../container/validate';
import { InvalidConfigError } from '../../errors';
import { boolFlag, stringFlag, UsageError } from '../args';
import { BUNDLE_FLAG, type Command } from '../command';
import { EXIT_FAILURE } from '../exit';
import { bundleDir } from './common';

/** The document to check: its name in the output, its text, and the bundle it belongs to (none for stdin). */
interface Input {
  name: string;
  text: string;
  bundle?: string;
}

function readInput(bundleFlag: string | undefined, file: string | undefined): Input {
  if (file !== undefined && bundleFlag !== undefined) throw new UsageError('validate takes --bundle DIR or FILE, not both');
  // Standard input has no directory: root.path names no rootfs (the report says so).
  if (file === '-') return { name: '<stdin>', text: fs.readFileSync(0, 'utf8') };
  // A file is read as its directory's config.json would be: root.path is taken from there.
  if (file !== undefined) return { name: file, text: readConfigText(file), bundle: path.dirname(path.resolve(file)) };
  const read = readBundleText(bundleDir(bundleFlag));
  return { name: read.file, text: read.text, bundle: read.bundleDir };
}

/** The report of a text: not JSON (or nested too deep) is its one error, at "/". */
function validateText(input: Input): ValidationReport {
  let value: unknown;
  try {
    value = parseConfigText(input.text);
  } catch (err) {
    if (!(err instanceof InvalidConfigError)) throw err;
    return { valid: false, errors: [{ path: err.jsonPath || '/', message: err.problem, code: err.code }], warnings: [], skipped: [] };
  }
  return validateConfig(value, { collect: true, bundle: input.bundle });
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One line per finding ("config.json: error: /process/args: must contain at least one entry"), then the verdict. */
export function formatReport(name: string, report: ValidationReport): string {
  const lines = [
    ...report.errors.map((e) => `${name}: error: ${e.path}: ${e.message}`),
    ...report.warnings.map((w) => `${name}: warning: ${w.path}: ${w.message}`),
    ...report.skipped.map((s) => `${name}: skipped: ${s.check}: ${s.reason}`),
  ];
  const counts = `${plural(report.errors.length, 'error')}, ${plural(report.warnings.length, 'warning')}`;
  lines.push(`${name}: ${report.valid ? 'valid' : 'invalid'} (${counts})`);
  return `${lines.join('\n')}\n`;
}

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check a config.json and print every error and warning (no root needed)',
  argsUsage: '[FILE | -]',
  description:
    'Validates the config.json of a bundle (--bundle, default: the current directory), FILE, or\n' +
    'standard input ("-") as create would, and prints each error and warning with its JSON path.\n' +
    'With a rootfs (root.path, from the bundle or the file\'s directory) it also compiles the launch\n' +
    'plan as create would on this host; what it could not check is listed as skipped.\n' +
    'Exits 0 when the config is valid (warnings allowed), 1 when it is not.',
  flags: [BUNDLE_FLAG, { name: 'json', type: 'boolean', description: 'print the report as JSON: { file, valid, errors, warnings, skipped }' }],
  args: { min: 0, max: 1 },
  async run(ctx, flags, args) {
    const input = readInput(stringFlag(flags, 'bundle'), args[0]);
    const report = validateText(input);
    ctx.out(boolFlag(flags, 'json') ? `${JSON.stringify({ file: input.name, ...report }, null, 2)}\n` : formatReport(input.name, report));
    return report.valid ? 0 : EXIT_FAILURE;
  },
};

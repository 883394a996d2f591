/**
 * loadBundle: reads and validates a bundle directory (config.json plus the
 * root filesystem it names).
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { BundleError, InvalidConfigError, describeErrno } from '../errors';
import { checkNestingDepth } from './depth';
import { describeJsonError } from './json-error';
import { normalizeKeys, renamedKeyWarning } from './keys';
import { configSchema } from './schema';
import type { ValidSpec } from './valid';
import { validateConfig } from './validate';
import { checkArgs, string } from '../args';

/** A loaded, validated bundle. */
export interface LoadedBundle {
  /** Absolute, symlink-free path of the bundle directory. */
  bundle: string;
  /** The validated config.json, its keys in the spec's spelling. */
  config: ValidSpec;
  /** Absolute, symlink-free path of the root filesystem directory. */
  rootfs: string;
  /** What the caller should log: one line per key read in the spec's spelling ("postStop" as "poststop"). */
  warnings: string[];
}

/** The errno text of a node:fs error ("no such file or directory"), or its message. */
function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code ? describeErrno(code) : String((err as Error).message ?? err);
}

/**
 * Loads the bundle at `bundle` (relative paths are taken from the current
 * directory).
 *
 * @throws BundleError naming the path when the bundle directory,
 *   config.json or the rootfs is missing or unusable.
 * @throws InvalidConfigError when config.json is not JSON (jsonPath "/",
 *   with the line, column and position of the syntax error) or does not
 *   validate.
 */
export function loadBundle(bundle: string): LoadedBundle {
  checkArgs([bundle, 'bundle', string]);
  const { bundleDir, file, text } = readBundleText(bundle);
  return loadBundleFromText(bundleDir, file, text);
}

/** The first half of loadBundle: the bundle directory resolved, config.json's text read. */
export function readBundleText(bundle: string): { bundleDir: string; file: string; text: string } {
  const bundleDir = resolveDirectory(path.resolve(bundle), 'bundle');
  const file = path.join(bundleDir, 'config.json');
  return { bundleDir, file, text: readConfigText(file) };
}

/**
 * The second half: config.json's text parsed and validated (or, with
 * `validated`, that text's config as validated before: lib/container/
 * plan-cache.ts), then the rootfs resolved, always afresh.
 */
export function loadBundleFromText(
  bundleDir: string,
  file: string,
  text: string,
  validated?: { config: ValidSpec; warnings: string[] },
): LoadedBundle {
  const { config, warnings } = validated ?? validateConfigText(file, text);
  // root.path is absolute or relative to the bundle (config.md "Root").
  const rootfs = resolveDirectory(path.resolve(bundleDir, config.root.path), 'rootfs');
  return { bundle: bundleDir, config, rootfs, warnings };
}

/**
 * config.json's text (`file` names it in messages) parsed and validated,
 * as create reads it: keys matched as runc (Go's encoding/json) matches
 * them, before validation; one warning per key read in the spec's spelling.
 */
export function validateConfigText(file: string, text: string): { config: ValidSpec; warnings: string[] } {
  const { value, renamed } = normalizeKeys(parseConfigText(text), configSchema);
  return { config: validateConfig(value), warnings: renamed.map((r) => renamedKeyWarning(file, r)) };
}

/**
 * Realpath of a directory, or a BundleError naming it ("bundle /x: no such
 * file or directory"). The real path is returned so that later steps (state
 * file, mounts, pivot_root) never go through a symlink that could change.
 */
function resolveDirectory(dir: string, what: 'bundle' | 'rootfs'): string {
  let real: string;
  try {
    real = fs.realpathSync(dir);
  } catch (err) {
    throw new BundleError(dir, `${what} ${dir}: ${reason(err)}`, { cause: err });
  }
  if (!fs.statSync(real).isDirectory()) {
    throw new BundleError(dir, `${what} ${dir}: ${describeErrno('ENOTDIR')}`);
  }
  return real;
}

/** Reads config.json; the messages keep runc's "open <path>: ..." shape. */
export function readConfigText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const op = (err as NodeJS.ErrnoException).code === 'EISDIR' ? 'read' : 'open';
    throw new BundleError(file, `${op} ${file}: ${reason(err)}`, { cause: err });
  }
}

/**
 * config.json's text as JSON, no deeper than depth.ts allows.
 *
 * @throws InvalidConfigError at "/" with the line and column of a syntax error, or naming the too-deep field.
 */
export function parseConfigText(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InvalidConfigError('/', `invalid JSON: ${describeJsonError(text, (err as Error).message)}`);
  }
  // Before anything that recurses into it (normalizeKeys first).
  checkNestingDepth(value);
  return value;
}

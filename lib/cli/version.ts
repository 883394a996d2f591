/**
 * `kapsel --version`: the package version and the runtime-spec version, in
 * the shape of `runc --version` ("runc version 1.1.5", "spec: 1.0.2-dev"),
 * which tools grep.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OCI_VERSION } from '../config/default-spec';

/** The version in kapsel's package.json ("unknown" if it cannot be read). */
export function packageVersion(): string {
  // dist/lib/cli/version.js -> the package root, three levels up.
  const file = path.resolve(__dirname, '..', '..', '..', 'package.json');
  try {
    const version = (JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: unknown }).version;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The --version text, one "key: value" per line after the first, like runc. */
export function versionText(): string {
  return `kapsel version ${packageVersion()}\nspec: ${OCI_VERSION}\nnode: ${process.version}\n`;
}

/**
 * Where the conformance kit's test file is. node:test's run() starts test
 * files as processes of their own, so `kapsel conformance` needs the file
 * on disk. This module sits one directory below dist/lib, as the CLI
 * bundle does (dist/lib/cli-bundle), so the same relative path finds the
 * file whether it runs bundled or not (scripts/build-cli-bundle.js checks
 * that depth).
 */
import * as path from 'node:path';

export function conformanceEntryFile(): string {
  return path.join(__dirname, '..', 'testing', 'conformance', 'entry.js');
}

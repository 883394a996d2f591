/**
 * --pid-file of create and exec: the pid as decimal text without a newline
 * (runc's format), readable by all (0644 under the umask; runc asks 0666),
 * put in place by replaceFile: the file's directory may be one another
 * user can write, and a link planted there must not receive the pid.
 */
import * as path from 'node:path';
import { replaceFile } from './replace-file';

export function writePidFile(file: string, pid: number): void {
  replaceFile(path.resolve(file), String(pid), 0o644);
}

/**
 * Where container state lives. Engines rely on runc's defaults (podman never
 * passes --root): /run/kapsel for real root, $XDG_RUNTIME_DIR/kapsel for an
 * unprivileged user or for uid 0 inside a user namespace (rootless podman).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** True when this process runs in a user namespace other than the initial one. */
export function inUserNamespace(): boolean {
  try {
    const map = fs.readFileSync('/proc/self/uid_map', 'utf8').trim().split(/\s+/);
    return !(map.length === 3 && map[0] === '0' && map[1] === '0' && map[2] === '4294967295');
  } catch {
    return false;
  }
}

/** Running without real root privileges (an unprivileged user or a user namespace). */
export function isRootless(): boolean {
  return process.geteuid!() !== 0 || inUserNamespace();
}

export function defaultRoot(): string {
  if (!isRootless()) return '/run/kapsel';
  const runtimeDir = process.env.XDG_RUNTIME_DIR;
  if (runtimeDir) return path.join(runtimeDir, 'kapsel');
  return path.join(os.tmpdir(), `kapsel-${process.geteuid!()}`);
}

export function resolveRoot(root?: string): string {
  return path.resolve(root ?? defaultRoot());
}

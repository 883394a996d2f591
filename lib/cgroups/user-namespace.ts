/**
 * Whether this process runs inside a user namespace (rootless podman runs
 * the runtime as uid 0 of its own): then uid 0 is no proof that the
 * cgroup hierarchies can be written, and cgroups are treated as runc's
 * rootless cgroup manager treats them (container/cgroups.ts).
 */
import * as fs from 'node:fs';

/**
 * True unless `uidMap` (the text of /proc/self/uid_map) is the initial
 * user namespace's identity map, "0 0 4294967295".
 */
export function isUserNamespaceMap(uidMap: string): boolean {
  const lines = uidMap.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
  return !(lines.length === 1 && lines[0].length === 3 && lines[0][0] === 0 && lines[0][1] === 0 && lines[0][2] === 4294967295);
}

/** This process's answer, read once. A missing file (no user namespaces in the kernel) is the initial namespace. */
let cached: boolean | undefined;
export function runningInUserNamespace(): boolean {
  if (cached === undefined) {
    try {
      cached = isUserNamespaceMap(fs.readFileSync('/proc/self/uid_map', 'utf8'));
    } catch {
      cached = false;
    }
  }
  return cached;
}

/**
 * The root filesystem every bundle of a run shares (read-only): a static
 * busybox and its applets, or a copy of the caller's rootfs, plus the
 * mount points and the in-container hook script the checks use.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The busybox applets the checks' shell snippets call. */
const APPLETS = ['sh', 'cat', 'sleep', 'pwd', 'env', 'echo', 'readlink', 'printf', 'test', '[', 'true', 'false', 'grep', 'ls', 'id'];

/** Where the container sees the per-test output directory (a bind mount). */
export const OUT = '/out';
/** The startContainer hook's path inside the container (absent on the host on purpose). */
export const CONTAINER_HOOK = '/conformance-hook';

/**
 * The hook every check uses: records its stdin (the state), mount
 * namespace, arguments and environment under DIR, appends LABEL to
 * DIR/order, optionally sleeps (as itself, or in a child when MODE is
 * "child"), and exits with EXIT.
 *   HOOK DIR LABEL EXIT [SLEEP [MODE]]
 */
export const HOOK_SCRIPT = `#!/bin/sh
dir=$1
label=$2
cat > "$dir/$label.state"
readlink /proc/self/ns/mnt > "$dir/$label.mntns"
printf '%s\\n' "$*" > "$dir/$label.args"
env > "$dir/$label.env"
echo "$label" >> "$dir/order"
if [ -n "$4" ]; then
  if [ "$5" = child ]; then sleep "$4"; else exec sleep "$4"; fi
fi
exit "$3"
`;

export interface RootfsSource {
  /** A static busybox to copy in (default /bin/busybox). */
  busybox?: string;
  /** A root filesystem to copy instead; it must have /bin/sh and the applets above. */
  rootfs?: string;
}

/** Builds the shared rootfs at `dest`. */
export function buildRootfs(dest: string, source: RootfsSource): void {
  if (source.rootfs) {
    fs.cpSync(source.rootfs, dest, { recursive: true, verbatimSymlinks: true });
  } else {
    const busybox = source.busybox ?? '/bin/busybox';
    fs.mkdirSync(path.join(dest, 'bin'), { recursive: true });
    fs.copyFileSync(busybox, path.join(dest, 'bin', 'busybox'));
    fs.chmodSync(path.join(dest, 'bin', 'busybox'), 0o755);
    for (const applet of APPLETS) fs.symlinkSync('busybox', path.join(dest, 'bin', applet));
  }
  // Mount points exist beforehand: the root is mounted read-only, and
  // runtimes differ in whether they create missing ones.
  for (const dir of ['proc', 'dev', 'sys', 'tmp', OUT.slice(1)]) fs.mkdirSync(path.join(dest, dir), { recursive: true });
  fs.writeFileSync(path.join(dest, CONTAINER_HOOK), HOOK_SCRIPT, { mode: 0o755 });
}

/**
 * The kernel's cap on mounts in one mount namespace (fs.mount-max, 100,000
 * by default; mount fails with ENOSPC beyond it). The container's namespace
 * starts as a copy of the runtime's, at least one mount, so a config with
 * that many mounts can never be set up; without this check the init would
 * mount until the kernel says no, which for mounts stacked on one path
 * (each lookup walks the whole stack) takes many minutes.
 */
import * as fs from 'node:fs';
import { InvalidConfigError } from '../errors';
import type { ValidSpec } from '../config/valid';

/** fs.mount-max, or undefined where it cannot be read (then the kernel alone decides). */
function mountMax(): number | undefined {
  try {
    const n = Number(fs.readFileSync('/proc/sys/fs/mount-max', 'utf8').trim());
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Throws InvalidConfigError naming /mounts when it holds as many mounts as a namespace may, or more. */
export function checkMountCount(spec: ValidSpec): void {
  const count = spec.mounts?.length ?? 0;
  const max = count > 0 ? mountMax() : undefined;
  if (max !== undefined && count >= max) {
    throw new InvalidConfigError('/mounts', `has ${count} mounts: a mount namespace holds at most fs.mount-max = ${max}, the runtime's own mounts included`);
  }
}

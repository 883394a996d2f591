/**
 * Forms the spec deprecates and kapsel still accepts (config.md): they
 * are valid, so they are warnings, never errors. The plan warns about the
 * one that changes where something ends up (plan/rootfs.ts); `kapsel
 * validate` lists them all.
 */
import * as path from 'node:path';
import type { ConfigIssue } from './findings';
import type { Mount, Spec } from './types';

/**
 * Where a mount goes in the container. A relative destination (deprecated
 * but valid: config.md "Mounts", for old configurations) is taken relative
 * to "/", as runc does.
 */
export function mountDestination(mount: Pick<Mount, 'destination'>): string {
  return path.posix.resolve('/', mount.destination);
}

/** One warning per relative mount destination (runc warns about each too). */
export function relativeDestinations(spec: Pick<Spec, 'mounts'>): ConfigIssue[] {
  return (spec.mounts ?? []).flatMap((m, i) =>
    m.destination.startsWith('/')
      ? []
      : [{ path: `/mounts/${i}/destination`, message: `"${m.destination}" is not absolute: mounted at "${mountDestination(m)}" (relative destinations are deprecated)`, code: 'deprecated' }],
  );
}

/**
 * Every deprecated form in `spec`: relative mount destinations; prestart
 * hooks (config.md: DEPRECATED in favor of createRuntime, createContainer
 * and startContainer; kapsel runs them where createRuntime hooks run,
 * before them); kernel memory limits (config-linux.md: NOT RECOMMENDED;
 * cgroup v2 has none, and lib/cgroups ignores them there with a warning).
 */
export function deprecatedForms(spec: Pick<Spec, 'mounts' | 'hooks' | 'linux'>): ConfigIssue[] {
  const prestart = (spec.hooks?.prestart?.length ?? 0) > 0
    ? [{ path: '/hooks/prestart', message: 'prestart hooks are deprecated: use createRuntime hooks, which run at the same point of create', code: 'deprecated' }]
    : [];
  const memory = spec.linux?.resources?.memory ?? {};
  const kernel = (['kernel', 'kernelTCP'] as const)
    .filter((field) => memory[field])
    .map((field) => ({
      path: `/linux/resources/memory/${field}`,
      message: 'kernel memory limits are NOT RECOMMENDED by the spec: cgroup v2 has none (ignored there), and newer v1 kernels ignore them',
      code: 'deprecated',
    }));
  return [...relativeDestinations(spec), ...prestart, ...kernel];
}

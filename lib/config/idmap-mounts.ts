/**
 * Id-mapped mounts (config.md "Mounts": uidMappings, gidMappings, and the
 * idmap / ridmap options). A mount is id-mapped when it has mappings or
 * either option (the spec asks configs with mappings to give an option,
 * so older runtimes do not ignore them; kapsel reads the mappings alone as
 * idmap). idmap without mappings takes the container's user namespace
 * mappings; without a user namespace the spec says it MUST be an error.
 */
import { InvalidConfigError } from '../errors';
import type { Mount, Spec } from './types';

/** Whether a mount is id-mapped, and whether the mapping applies to its submounts too (ridmap). */
export function idmapOf(mount: Mount): { recursive: boolean } | undefined {
  const options = mount.options ?? [];
  const ridmap = options.includes('ridmap');
  if (ridmap || options.includes('idmap') || mount.uidMappings !== undefined || mount.gidMappings !== undefined) {
    return { recursive: ridmap };
  }
  return undefined;
}

export function checkIdmappedMounts(spec: Spec, userNamespace: { path?: string } | undefined): void {
  (spec.mounts ?? []).forEach((mount, i) => {
    if (!idmapOf(mount) || mount.uidMappings !== undefined || userNamespace) return;
    throw new InvalidConfigError(`/mounts/${i}/options`, 'an idmap mount needs uidMappings and gidMappings, or a user namespace to take them from');
  });
}

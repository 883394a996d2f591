/**
 * Id-mapped bind mounts (config/idmap-mounts.ts has the rules). The
 * runtime makes each id-mapped tree before the init starts
 * (native/addon/idmap.cc: open_tree, a user namespace with the mapping,
 * mount_setattr MOUNT_ATTR_IDMAP) — only a process privileged over the
 * filesystem's user namespace may — and passes it to the init as an
 * inherited fd, after the helper's own fds; the init's attach-tree step
 * moves it onto the target. The mapping is the mount's own, or the
 * container's user namespace mappings for idmap alone; the ids are the
 * runtime's.
 */
import { idmapOf } from '../config/idmap-mounts';
import type { LinuxIDMapping, Mount } from '../config/types';
import type { ValidSpec } from '../config/valid';
import type { IdmapTree, Step } from './steps';

function mapText(maps: readonly LinuxIDMapping[]): string {
  return maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}

/** The id-mapped trees of a config, in mount order: tree i is the i-th id-mapped mount. */
export function idmapTrees(spec: ValidSpec, hostSource: (mount: Mount) => string): IdmapTree[] {
  return (spec.mounts ?? []).flatMap((mount): IdmapTree[] => {
    const idmap = idmapOf(mount);
    if (!idmap) return [];
    const recursive = (mount.options ?? []).includes('rbind');
    const own = mount.uidMappings === undefined;
    return [
      {
        source: hostSource(mount),
        recursive,
        recursiveIdmap: idmap.recursive,
        uidMap: mapText(own ? spec.linux?.uidMappings ?? [] : mount.uidMappings ?? []),
        gidMap: mapText(own ? spec.linux?.gidMappings ?? [] : mount.gidMappings ?? []),
      },
    ];
  });
}

/**
 * The attach step of `mount` when it is id-mapped (undefined otherwise).
 * `fd` is the tree's index among the config's id-mapped mounts until
 * assignTreeFds gives it its inherited fd number.
 */
export function attachTreeStep(spec: ValidSpec, mount: Mount, source: string, target: string): Step | undefined {
  if (!idmapOf(mount)) return undefined;
  const index = (spec.mounts ?? []).slice(0, (spec.mounts ?? []).indexOf(mount)).filter((m) => idmapOf(m)).length;
  return { op: 'attach-tree', fd: index, source, target };
}

/** Tree i is inherited at fd `firstFd + i`: the attach steps get their fd numbers. */
export function assignTreeFds(steps: Step[], firstFd: number): Step[] {
  return steps.map((s) => (s.op === 'attach-tree' ? { ...s, fd: firstFd + s.fd } : s));
}

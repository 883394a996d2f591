/**
 * linux.namespaces -> clone flags for the new namespaces and the list of
 * namespaces to join, plus the user-namespace id maps. The rules (no
 * duplicates, absolute paths, mappings with a new user namespace) are
 * validation's (config/checks.ts); what kapsel supports, supported.ts's.
 */
import type { LinuxIDMapping, LinuxNamespaceType } from '../config/types';
import type { ValidSpec } from '../config/valid';
import * as C from '../native/constants';
import type { JoinNamespace } from '../native/addon';

export const NAMESPACE_FLAGS: Record<LinuxNamespaceType, number> = {
  pid: C.CLONE_NEWPID,
  network: C.CLONE_NEWNET,
  mount: C.CLONE_NEWNS,
  ipc: C.CLONE_NEWIPC,
  uts: C.CLONE_NEWUTS,
  user: C.CLONE_NEWUSER,
  cgroup: C.CLONE_NEWCGROUP,
  time: C.CLONE_NEWTIME,
};

// The user namespace is joined first (it grants the rights to join the ones
// it owns), the mount namespace last (joining it changes what paths mean).
const JOIN_ORDER: LinuxNamespaceType[] = ['user', 'ipc', 'uts', 'network', 'pid', 'cgroup', 'time', 'mount'];

export interface NamespacePlan {
  cloneFlags: number;
  join: JoinNamespace[];
  /** A user namespace is created (not joined). */
  newUserNamespace: boolean;
  /** Namespace types the container has, created or joined. */
  types: Set<LinuxNamespaceType>;
  /** Namespace types created for the container (not joined). */
  created: Set<LinuxNamespaceType>;
  uidMappings: LinuxIDMapping[];
  gidMappings: LinuxIDMapping[];
}

export function planNamespaces(spec: ValidSpec): NamespacePlan {
  let cloneFlags = 0;
  const joins = new Map<LinuxNamespaceType, JoinNamespace>();
  const types = new Set<LinuxNamespaceType>();
  const created = new Set<LinuxNamespaceType>();
  for (const ns of spec.linux?.namespaces ?? []) {
    types.add(ns.type);
    if (ns.path) {
      joins.set(ns.type, { type: NAMESPACE_FLAGS[ns.type], path: ns.path });
    } else {
      created.add(ns.type);
      cloneFlags |= NAMESPACE_FLAGS[ns.type];
    }
  }
  const join = JOIN_ORDER.filter((t) => joins.has(t)).map((t) => joins.get(t)!);
  const newUserNamespace = (cloneFlags & C.CLONE_NEWUSER) !== 0;
  // Validation guarantees a new user namespace has both mappings, and that there are none without one.
  const uidMappings = newUserNamespace ? spec.linux?.uidMappings ?? [] : [];
  const gidMappings = newUserNamespace ? spec.linux?.gidMappings ?? [] : [];
  return { cloneFlags, join, newUserNamespace, types, created, uidMappings, gidMappings };
}

/** Host uid that container uid `id` maps to (identity without a user namespace). */
export function hostId(mappings: readonly LinuxIDMapping[], id: number, hasUserNs: boolean): number | undefined {
  if (!hasUserNs) return id;
  for (const m of mappings) {
    if (id >= m.containerID && id < m.containerID + m.size) return m.hostID + (id - m.containerID);
  }
  return undefined;
}

/**
 * The container state as runc prints it (`state`, `list --format json`):
 * the fields of runc's containerState struct, in its order, so that the
 * output reads the same as runc's.
 */
import type { Annotations, ContainerStatus, State } from '../config/types';

/** One container as `kapsel state` and `kapsel list --format json` print it. */
export interface RuncState {
  ociVersion: string;
  id: string;
  pid: number;
  status: ContainerStatus;
  bundle: string;
  rootfs: string;
  created: string;
  annotations?: Annotations;
  owner: string;
}

/** Reorders a library state (Container.state(), Container.list()) into runc's shape. */
export function toRuncState(state: State): RuncState {
  // Container.state() and list() return these runc fields too, though the State type does not declare them.
  const extra = state as State & { rootfs?: unknown; created?: unknown; owner?: unknown };
  const annotations = state.annotations && Object.keys(state.annotations).length > 0 ? state.annotations : undefined;
  return {
    ociVersion: state.ociVersion,
    id: state.id,
    pid: state.pid ?? 0,
    status: state.status,
    bundle: state.bundle,
    rootfs: typeof extra.rootfs === 'string' ? extra.rootfs : '',
    created: typeof extra.created === 'string' ? extra.created : '',
    // omitempty, as runc's struct tag; the spread keeps runc's key order.
    ...(annotations ? { annotations } : {}),
    owner: typeof extra.owner === 'string' ? extra.owner : '',
  };
}

/** The OCI state JSON a hook gets on its stdin (runtime.md "State"). */
import type { State } from '../config/types';
import type { StoredState } from '../state/store';

export function hookState(stored: StoredState, status: State['status']): State {
  const state: State = { ociVersion: stored.ociVersion, id: stored.id, status, pid: stored.pid, bundle: stored.bundle };
  if (stored.annotations) state.annotations = stored.annotations;
  return state;
}

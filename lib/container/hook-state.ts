/** The OCI state JSON a hook gets on its stdin (runtime.md "State"). */
import * as fs from 'node:fs';
import type { State } from '../config/types';
import type { StoredState } from '../state/store';

export function hookState(stored: StoredState, status: State['status']): State {
  const state: State = { ociVersion: stored.ociVersion, id: stored.id, status, pid: stored.pid, bundle: stored.bundle };
  if (stored.annotations) state.annotations = stored.annotations;
  return state;
}

/**
 * The states of the hooks the init runs inside the container
 * (createContainer, startContainer). Their pid is the init's as the
 * container sees it, not the runtime's: "For hooks executed in the
 * container namespace, it is the pid as seen by the container"
 * (runtime.md, State): 1 in a pid namespace of its own, else the last
 * NSpid of /proc/PID/status (a joined or the runtime's pid namespace).
 */
export function containerHookStates(stored: StoredState): { creating: State; created: State } {
  const pid = stored.ownPidNamespace ? 1 : pidInOwnNamespace(stored.pid);
  return { creating: { ...hookState(stored, 'creating'), pid }, created: { ...hookState(stored, 'created'), pid } };
}

/** `pid` as its innermost pid namespace numbers it. */
export function pidInOwnNamespace(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const line = /^NSpid:\s*(.*)$/m.exec(status);
  // Kernels before 4.1 have no NSpid: no nested pid namespaces to tell.
  if (!line) return pid;
  const ids = line[1]!.trim().split(/\s+/);
  return Number(ids[ids.length - 1]);
}

/**
 * The shape of every operation on an existing container: take its lock,
 * read its state afresh, derive the status (knowing that we hold the
 * lock), ask the state machine whether the operation is allowed, then act.
 * A refusal throws before anything changed.
 */
import type { ContainerStatus } from '../config/types';
import { assertAllowed, type Operation } from '../state/machine';
import { deriveStatus } from '../state/status';
import { readState, withLock, type StoredState } from '../state/store';

/** Which container: its id under a state root. */
export interface ContainerRef {
  root: string;
  id: string;
}

export function underLock<T>(
  ref: ContainerRef,
  operation: Operation,
  act: (stored: StoredState | undefined, status: ContainerStatus) => Promise<T> | T,
): Promise<T> {
  return withLock(ref.root, ref.id, () => {
    const stored = readState(ref.root, ref.id);
    const status = deriveStatus(ref.root, ref.id, stored, { lockHeld: true });
    assertAllowed(ref.id, operation, status);
    return act(stored, status);
  });
}

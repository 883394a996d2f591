/** kill: lock -> refresh -> assert (created, running, paused) -> signal. */
import { underLock, type ContainerRef } from './operation';
import { signalContainer } from './signal';

export function killContainer(ref: ContainerRef, signal: number, all: boolean): Promise<void> {
  return underLock(ref, 'kill', (stored) => {
    // Every status kill is allowed in is derived from a stored state.
    signalContainer(stored!, signal, all);
  });
}

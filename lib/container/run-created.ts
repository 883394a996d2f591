/**
 * The rest of a whole life, shared by Container.run and the simulated
 * runtime's run: start, wait, delete (always). Typed by the few methods
 * it calls, so that container.ts can use it without an import cycle.
 */
import type { ExitStatus } from './exit-status';

/** What runCreated calls on a container. */
export interface CreatedContainer {
  readonly id: string;
  start(): Promise<void>;
  wait(): Promise<ExitStatus>;
  delete(options: { force: boolean }): Promise<void>;
}

/**
 * Starts a container just created, waits for its process and deletes it
 * (also when start or the wait fails: nothing is left). Resolves with how
 * its process ended.
 */
export async function runCreated(container: CreatedContainer): Promise<ExitStatus & { id: string }> {
  try {
    await container.start();
    const status = await container.wait();
    return { id: container.id, ...status };
  } finally {
    await container.delete({ force: true });
  }
}

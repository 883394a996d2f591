/**
 * `kapsel run`: create + start. In the foreground it waits for the
 * container, deletes it (runc does too) and exits with its status; with
 * --detach it exits once the process runs.
 */
import type { Container } from '../../container/container';
import { boolFlag, stringFlag } from '../args';
import { ID_ARG, type Command, type Context } from '../command';
import { exitCodeOf } from '../exit';
import { ConsoleReceiver, relayTerminal, wantsTerminal } from '../terminal';
import { bundleDir } from './common';
import { CREATE_FLAGS, createFromFlags } from './create';

/**
 * Signals `run` passes on to the container instead of dying of them, as
 * runc's signal handler does (Ctrl-C reaches the container's process).
 */
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2'];

/** Forwards signals to the container until the returned function is called. */
function forwardSignals(ctx: Context, container: Container): () => void {
  const handlers = FORWARDED_SIGNALS.map((signal) => {
    const handler = (): void => {
      ctx.log.debug(`forwarding ${signal} to ${container.id}`);
      container.kill(signal).catch((err: Error) => ctx.log.debug(`forwarding ${signal}: ${err.message}`));
    };
    process.on(signal, handler);
    return () => process.removeListener(signal, handler);
  });
  return () => handlers.forEach((remove) => remove());
}

export const runCommand: Command = {
  name: 'run',
  summary: 'create and start a container, wait for it (unless --detach) and delete it',
  argsUsage: ID_ARG,
  description:
    'Without --detach, waits for the container\'s process, deletes the container and exits with the\n' +
    'process\'s exit code (128 + the signal number if a signal killed it).',
  flags: [
    ...CREATE_FLAGS,
    { name: 'detach', aliases: ['d'], type: 'boolean', description: 'detach from the container\'s process' },
    { name: 'keep', type: 'boolean', description: 'do not delete the container after it exits' },
    {
      name: 'no-subreaper',
      type: 'boolean',
      // kapsel never makes itself a subreaper: the flag has nothing to turn off.
      description: 'accepted for runc compatibility (kapsel does not use a subreaper)',
    },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, flags, [id]) {
    const detach = boolFlag(flags, 'detach');
    // A terminal config without --console-socket: the terminal comes to us.
    const receiver =
      !detach && !stringFlag(flags, 'console-socket') && wantsTerminal(bundleDir(stringFlag(flags, 'bundle')))
        ? new ConsoleReceiver()
        : undefined;
    let container: Container;
    try {
      container = await createFromFlags(ctx, id!, flags, receiver?.theirs);
    } catch (err) {
      receiver?.close();
      throw err;
    }
    const relay = receiver ? relayTerminal(receiver.receive()) : undefined;
    // Forward from before start: a signal in between must not orphan the container.
    const stopForwarding = detach ? () => undefined : forwardSignals(ctx, container);
    try {
      await container.start();
    } catch (err) {
      stopForwarding();
      await container.delete({ force: true }).catch((e: Error) => ctx.log.debug(`cleanup of ${id}: ${e.message}`));
      throw err;
    }
    if (detach) {
      container.detach();
      return 0;
    }
    const status = await container.wait();
    await relay?.finished;
    stopForwarding();
    ctx.log.debug(`container ${id} exited: ${JSON.stringify(status)}`);
    if (boolFlag(flags, 'keep')) return exitCodeOf(status);
    try {
      await container.delete();
    } catch (err) {
      // The process's status is the answer; a failed cleanup is worth a warning, not a different exit code.
      ctx.log.warn(`delete ${id}: ${(err as Error).message}`);
    }
    return exitCodeOf(status);
  },
};

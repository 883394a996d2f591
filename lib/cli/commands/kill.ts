/** `kapsel kill [--all] ID [SIGNAL]`: signals a container (default SIGTERM). */
import { parseSignal } from '../../signals';
import { boolFlag } from '../args';
import { ID_ARG, type Command } from '../command';
import { loadContainer } from './common';

export const killCommand: Command = {
  name: 'kill',
  summary: 'send a signal (default: SIGTERM) to the container\'s init process',
  argsUsage: `${ID_ARG} [signal]`,
  description: 'The signal is a number ("9"), a name ("KILL") or a SIG name ("SIGKILL").',
  flags: [{ name: 'all', aliases: ['a'], type: 'boolean', description: 'send the signal to all processes in the container' }],
  args: { min: 1, max: 2 },
  async run(ctx, flags, [id, signal]) {
    // Checked first: a typo must not depend on whether the container exists.
    const number = parseSignal(signal ?? 'SIGTERM');
    const container = await loadContainer(ctx, id!);
    await container.kill(number, { all: boolFlag(flags, 'all') });
    return 0;
  },
};

/** `kapsel start ID`: runs the process of a created container. */
import { ID_ARG, type Command } from '../command';
import { loadContainer } from './common';

export const startCommand: Command = {
  name: 'start',
  summary: 'start the user-defined process of a created container',
  argsUsage: ID_ARG,
  flags: [],
  args: { min: 1, max: 1 },
  async run(ctx, _flags, [id]) {
    const container = await loadContainer(ctx, id!);
    await container.start();
    return 0;
  },
};

/** `kapsel resume ID`: thaws a paused container. */
import { ID_ARG, type Command } from '../command';
import { loadContainer } from './common';

export const resumeCommand: Command = {
  name: 'resume',
  summary: 'resume all processes that have been previously paused',
  argsUsage: ID_ARG,
  flags: [],
  args: { min: 1, max: 1 },
  async run(ctx, _flags, [id]) {
    await (await loadContainer(ctx, id!)).resume();
    return 0;
  },
};

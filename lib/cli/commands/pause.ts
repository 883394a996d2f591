/** `kapsel pause ID`: freezes every process of the container (its cgroup's freezer). */
import { ID_ARG, type Command } from '../command';
import { loadContainer } from './common';

export const pauseCommand: Command = {
  name: 'pause',
  summary: 'suspend all processes inside the container',
  argsUsage: ID_ARG,
  description: 'The container must be running or created; its status becomes "paused".',
  flags: [],
  args: { min: 1, max: 1 },
  async run(ctx, _flags, [id]) {
    await (await loadContainer(ctx, id!)).pause();
    return 0;
  },
};

/** `kapsel state ID`: the OCI state JSON, indented like runc's. */
import { ID_ARG, type Command } from '../command';
import { loadContainer } from './common';

export const stateCommand: Command = {
  name: 'state',
  summary: 'output the state of a container',
  argsUsage: ID_ARG,
  flags: [],
  args: { min: 1, max: 1 },
  async run(ctx, _flags, [id]) {
    const container = await loadContainer(ctx, id!);
    ctx.out(`${JSON.stringify(container.state(), null, 2)}\n`);
    return 0;
  },
};

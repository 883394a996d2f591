/** `kapsel delete [--force] ID`: deletes a stopped container (--force: any, or none). */
import { ContainerNotFoundError } from '../../errors';
import { boolFlag } from '../args';
import { ID_ARG, type Command } from '../command';
import { loadContainer } from './common';

export const deleteCommand: Command = {
  name: 'delete',
  summary: 'delete a container and the resources it holds',
  argsUsage: ID_ARG,
  description:
    'Deletes a stopped container and runs its poststop hooks. With --force, kills it first if needed,\n' +
    'and succeeds if it does not exist (engines call "delete --force" on every cleanup path).',
  flags: [{ name: 'force', aliases: ['f'], type: 'boolean', description: 'kill the container if it is still running; ignore a missing one' }],
  args: { min: 1, max: 1 },
  async run(ctx, flags, [id]) {
    const force = boolFlag(flags, 'force');
    try {
      const container = await loadContainer(ctx, id!);
      await container.delete({ force });
    } catch (err) {
      if (force && err instanceof ContainerNotFoundError) {
        ctx.log.debug(`delete --force: container ${id} does not exist`);
        return 0;
      }
      throw err;
    }
    return 0;
  },
};

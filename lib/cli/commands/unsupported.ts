/**
 * Commands runc has that kapsel does not implement yet. They fail, even
 * with --help: engines probe `checkpoint --help` to decide whether
 * checkpointing works, and a failing command is the honest answer.
 */
import { NotSupportedError } from '../../errors';
import type { Command } from '../command';

/** A command that always fails with "<name>: not supported yet". */
function unsupportedCommand(name: string, summary: string): Command {
  return {
    name,
    summary,
    argsUsage: '',
    flags: [],
    args: { min: 0, max: Infinity },
    unsupported: true,
    async run() {
      throw new NotSupportedError(`${name}: not supported yet`);
    },
  };
}

export const checkpointCommand = unsupportedCommand('checkpoint', 'checkpoint a running container');
export const restoreCommand = unsupportedCommand('restore', 'restore a container from a previous checkpoint');

/** Every subcommand, in the order help lists them (alphabetical, as runc). */
import type { Command } from '../command';
import { createCommand } from './create';
import { deleteCommand } from './delete';
import { execCommand } from './exec';
import { featuresCommand } from './features';
import { killCommand } from './kill';
import { listCommand } from './list';
import { planCommand } from './plan';
import { runCommand } from './run';
import { specCommand } from './spec';
import { startCommand } from './start';
import { stateCommand } from './state';
import { UNSUPPORTED_COMMANDS } from './unsupported';

export const COMMANDS: readonly Command[] = [
  createCommand,
  deleteCommand,
  execCommand,
  featuresCommand,
  killCommand,
  listCommand,
  planCommand,
  runCommand,
  specCommand,
  startCommand,
  stateCommand,
  ...UNSUPPORTED_COMMANDS,
].sort((a, b) => a.name.localeCompare(b.name));

/** The command called `name`, if any. */
export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** Every subcommand, in the order help lists them (alphabetical, as runc). */
import type { Command } from '../command';
import { createCommand } from './create';
import { deleteCommand } from './delete';
import { execCommand } from './exec';
import { eventsCommand } from './events';
import { featuresCommand } from './features';
import { killCommand } from './kill';
import { listCommand } from './list';
import { pauseCommand } from './pause';
import { planCommand } from './plan';
import { psCommand } from './ps';
import { resumeCommand } from './resume';
import { runCommand } from './run';
import { specCommand } from './spec';
import { startCommand } from './start';
import { stateCommand } from './state';
import { updateCommand } from './update';
import { UNSUPPORTED_COMMANDS } from './unsupported';

export const COMMANDS: readonly Command[] = [
  createCommand,
  deleteCommand,
  execCommand,
  eventsCommand,
  featuresCommand,
  killCommand,
  listCommand,
  pauseCommand,
  planCommand,
  psCommand,
  resumeCommand,
  runCommand,
  specCommand,
  startCommand,
  stateCommand,
  updateCommand,
  ...UNSUPPORTED_COMMANDS,
].sort((a, b) => a.name.localeCompare(b.name));

/** The command called `name`, if any. */
export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}

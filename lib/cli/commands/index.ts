/**
 * Every subcommand, by name. Engines call the CLI several times per
 * container (state, kill, delete), so a command's module — and what it
 * imports: the container layer, validation, seccomp — is loaded only when
 * that command runs; help loads them all.
 */
import type { Command } from '../command';

/** Command name -> its module's command (require'd on first use). */
const LOADERS: Readonly<Record<string, () => Command>> = {
  checkpoint: () => (require('./unsupported') as typeof import('./unsupported')).checkpointCommand,
  conformance: () => (require('./conformance') as typeof import('./conformance')).conformanceCommand,
  create: () => (require('./create') as typeof import('./create')).createCommand,
  delete: () => (require('./delete') as typeof import('./delete')).deleteCommand,
  events: () => (require('./events') as typeof import('./events')).eventsCommand,
  exec: () => (require('./exec') as typeof import('./exec')).execCommand,
  features: () => (require('./features') as typeof import('./features')).featuresCommand,
  kill: () => (require('./kill') as typeof import('./kill')).killCommand,
  list: () => (require('./list') as typeof import('./list')).listCommand,
  pause: () => (require('./pause') as typeof import('./pause')).pauseCommand,
  plan: () => (require('./plan') as typeof import('./plan')).planCommand,
  ps: () => (require('./ps') as typeof import('./ps')).psCommand,
  restore: () => (require('./unsupported') as typeof import('./unsupported')).restoreCommand,
  resume: () => (require('./resume') as typeof import('./resume')).resumeCommand,
  run: () => (require('./run') as typeof import('./run')).runCommand,
  spec: () => (require('./spec') as typeof import('./spec')).specCommand,
  start: () => (require('./start') as typeof import('./start')).startCommand,
  state: () => (require('./state') as typeof import('./state')).stateCommand,
  update: () => (require('./update') as typeof import('./update')).updateCommand,
  validate: () => (require('./validate') as typeof import('./validate')).validateCommand,
};

/** The command called `name`, if any (its module is loaded now). */
export function findCommand(name: string): Command | undefined {
  return Object.prototype.hasOwnProperty.call(LOADERS, name) ? LOADERS[name]() : undefined;
}

/** Every command, in the order help lists them (alphabetical, as runc). */
export function allCommands(): Command[] {
  return Object.keys(LOADERS)
    .sort((a, b) => a.localeCompare(b))
    .map((name) => LOADERS[name]());
}

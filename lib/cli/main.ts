/**
 * The kapsel command line (bin/kapsel runs this file): global flags, then
 * a subcommand with its own flags and arguments, as runc. Every failure is
 * reported once, through the log (stderr, or the --log file), and exits 1;
 * `run` exits with the container's status.
 */
import { KapselError, SyscallError } from '../errors';
import { parseArgs, stringFlag, UsageError, type FlagSpec } from './args';
import type { Command, Context } from './command';
import { allCommands, findCommand } from './commands';
import { EXIT_FAILURE } from './exit';
import { GLOBAL_FLAGS, globalOptions } from './globals';
import { CliLog, type LogSinks } from './log';
import { recordPassedFds } from './passed-fds';
import { stdout, type Write } from './output';
import { commandUsage, globalUsage } from './usage';
import { packageVersion, versionText } from './version';

/** Where main writes; replaced in tests. */
export interface MainIo {
  out: Write;
  /** Sinks of the log (stderr, the --log file, the clock). */
  logSinks?: LogSinks;
}

const HELP_FLAG: FlagSpec = { name: 'help', aliases: ['h'], type: 'boolean', description: 'show help' };

/**
 * The one-line message for an error: the library's typed errors carry
 * the phrases engines match ("does not exist", "container not running",
 * "no such file or directory"); raw node:fs errors get the same errno
 * wording ("open /x: no such file or directory").
 */
export function errorMessage(err: unknown): string {
  const wrapped = SyscallError.from(err);
  if (wrapped instanceof KapselError) return wrapped.message;
  if (wrapped instanceof Error) return wrapped.message;
  return String(wrapped);
}

/** runc's checkArgs wording. */
function checkArgCount(command: Command, count: number): void {
  const { min, max } = command.args;
  if (min === max && count !== min) throw new UsageError(`"${command.name}" requires exactly ${min} argument(s)`);
  if (count < min) throw new UsageError(`"${command.name}" requires a minimum of ${min} argument(s)`);
  if (count > max) throw new UsageError(`"${command.name}" requires a maximum of ${max} argument(s)`);
}

/** The log as configured by the raw global flags, before they are validated (so that their errors are logged too). */
function logFromFlags(flags: Record<string, unknown>, sinks: LogSinks | undefined): CliLog {
  const file = typeof flags.log === 'string' && flags.log !== '' ? flags.log : undefined;
  const options = { file, format: flags['log-format'] === 'json' ? ('json' as const) : ('text' as const), debug: flags.debug === true };
  return sinks ? new CliLog(options, sinks) : new CliLog(options);
}

/**
 * Runs the command line `argv` (without the node and script paths) and
 * resolves to the exit status; never rejects.
 */
export async function main(argv: readonly string[], io: MainIo = { out: stdout }): Promise<number> {
  recordPassedFds();
  let log = logFromFlags({}, io.logSinks);
  try {
    const global = parseArgs(argv, GLOBAL_FLAGS, { interspersed: false });
    log = logFromFlags(global.flags, io.logSinks);
    log.openFile();
    if (global.flags.version === true) {
      io.out(versionText());
      return 0;
    }
    const [name, ...rest] = global.positionals;
    if (name === undefined || global.flags.help === true) {
      io.out(globalUsage(allCommands(), GLOBAL_FLAGS, packageVersion()));
      return 0;
    }
    if (name === 'help' || name === 'h') {
      const topic = rest[0] === undefined ? undefined : findCommand(rest[0]);
      if (rest[0] !== undefined && !topic) throw new UsageError(`no help topic for "${rest[0]}"`);
      io.out(topic ? commandUsage(topic) : globalUsage(allCommands(), GLOBAL_FLAGS, packageVersion()));
      return 0;
    }
    const command = findCommand(name);
    if (!command) throw new UsageError(`unknown command "${name}" (see "kapsel --help")`);
    const globals = globalOptions(global.flags);
    const ctx: Context = { globals, log, out: io.out };
    if (command.unsupported) return await command.run(ctx, {}, rest);
    const parsed = parseArgs(rest, [...command.flags, HELP_FLAG], { interspersed: command.interspersed ?? true });
    if (parsed.flags.help === true) {
      io.out(commandUsage(command));
      return 0;
    }
    checkArgCount(command, parsed.positionals.length);
    log.debug(`kapsel ${argv.join(' ')} (root ${globals.root}, log ${stringFlag(global.flags, 'log') ?? 'stderr'})`);
    return await command.run(ctx, parsed.flags, parsed.positionals);
  } catch (err) {
    // A stack only helps for the unexpected: typed errors say all there is.
    if (!(err instanceof KapselError) && err instanceof Error && err.stack) log.debug(err.stack);
    log.error(errorMessage(err));
    return EXIT_FAILURE;
  }
}

if (require.main === module) {
  // Exit as soon as the answer is known: output is written synchronously,
  // and a created container must not keep this process alive.
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}

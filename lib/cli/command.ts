/**
 * What a subcommand is, and what it is given to run: one module per
 * command under ./commands, dispatched by ./main.ts.
 */
import type { FlagSpec, FlagValues } from './args';
import type { GlobalOptions } from './globals';
import type { CliLog } from './log';
import type { Write } from './output';

/** Everything a command needs besides its own flags and arguments. */
export interface Context {
  globals: GlobalOptions;
  /** Errors, warnings and debug lines (--log, --log-format, --debug). */
  log: CliLog;
  /** Standard output. */
  out: Write;
}

/** One subcommand (`create`, `state`, ...). */
export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Synopsis of the positional arguments ("<container-id> [signal]"). */
  readonly argsUsage: string;
  /** Longer help text. */
  readonly description?: string;
  readonly flags: readonly FlagSpec[];
  /** Number of positional arguments accepted. */
  readonly args: { readonly min: number; readonly max: number };
  /**
   * Not implemented yet: the command, even with --help, fails (engines
   * probe `checkpoint --help` to learn whether checkpointing works).
   */
  readonly unsupported?: boolean;
  /**
   * Flags after the first argument still count (default). false: they
   * belong to the arguments (`exec ID sh -c ...`, runc's SkipArgReorder).
   */
  readonly interspersed?: boolean;
  /** Runs the command; resolves to the exit status. Errors are reported by the dispatcher. */
  run(ctx: Context, flags: FlagValues, args: string[]): Promise<number>;
}

/** The --bundle/-b flag of spec, create, run, plan and validate. */
export const BUNDLE_FLAG: FlagSpec = {
  name: 'bundle',
  aliases: ['b'],
  type: 'string',
  value: 'DIR',
  description: 'path to the root of the bundle directory, defaults to the current directory',
};

/** The container id argument, which every command but spec/list/features/plan/validate takes. */
export const ID_ARG = '<container-id>';

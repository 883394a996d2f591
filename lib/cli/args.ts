/**
 * Command-line flag parsing with the rules runc inherits from Go's `flag`
 * package (through urfave/cli), because engines send flags in every form it
 * accepts: `--flag value`, `--flag=value`, `-flag value`, `-flag=value`
 * (containerd sends `-no-subreaper`), booleans as `--flag` or
 * `--flag=false`, and `--` to end the flags.
 */
import { KapselError } from '../errors';

/**
 * What a flag takes: nothing (a boolean switch), one string value, or a
 * value each time it is repeated (urfave/cli's StringSlice: `-e A=1 -e B=2`).
 */
export type FlagType = 'boolean' | 'string' | 'strings';

/** One accepted flag. */
export interface FlagSpec {
  /** Canonical name, without dashes ("bundle"); the key in FlagValues. */
  readonly name: string;
  /** Other names ("b"); every name works with one or two dashes. */
  readonly aliases?: readonly string[];
  readonly type: FlagType;
  /** Placeholder for the value in help ("DIR"). */
  readonly value?: string;
  /** One line for help. */
  readonly description: string;
}

/** Parsed flag values keyed by FlagSpec.name; absent flags are undefined. */
export type FlagValues = Record<string, string | boolean | string[] | undefined>;

/** The result of parsing one level (global or command) of arguments. */
export interface ParsedArgs {
  flags: FlagValues;
  /** Non-flag arguments, in order (everything after `--` included). */
  positionals: string[];
}

/**
 * A mistake on the command line (unknown flag, missing value, wrong number
 * of arguments). The CLI reports it like any error, exit status 1.
 */
export class UsageError extends KapselError {
  constructor(message: string) {
    super('ERR_USAGE', message);
  }
}

export interface ParseOptions {
  /**
   * Keep parsing flags after the first positional argument. Commands do
   * (urfave/cli reorders `delete ID --force` so the flag counts); the global
   * level does not, since the first positional is the subcommand and what
   * follows belongs to it.
   */
  interspersed: boolean;
}

/** Go's strconv.ParseBool, which decides what `--flag=VALUE` means for a boolean. */
export function parseBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(text)) return false;
  return undefined;
}

/** True for an argument that looks like a flag ("-x", "--x"), not "-" or "--". */
function isFlagToken(arg: string): boolean {
  return arg.length > 1 && arg.startsWith('-') && arg !== '--';
}

/** Index of the specs by every name and alias. */
function indexSpecs(specs: readonly FlagSpec[]): Map<string, FlagSpec> {
  const byName = new Map<string, FlagSpec>();
  for (const spec of specs) {
    for (const name of [spec.name, ...(spec.aliases ?? [])]) byName.set(name, spec);
  }
  return byName;
}

/**
 * Parses `argv` against `specs`.
 *
 * @throws UsageError naming the offending flag as it was typed.
 */
export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[], options: ParseOptions): ParsedArgs {
  const byName = indexSpecs(specs);
  const flags: FlagValues = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!isFlagToken(arg)) {
      positionals.push(arg);
      if (!options.interspersed) {
        positionals.push(...argv.slice(i + 1));
        break;
      }
      continue;
    }
    const body = arg.startsWith('--') ? arg.slice(2) : arg.slice(1);
    if (body.startsWith('-') || body.startsWith('=')) throw new UsageError(`bad flag syntax: ${arg}`);
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const inline = eq >= 0 ? body.slice(eq + 1) : undefined;
    const dashes = arg.slice(0, arg.length - body.length);
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`flag provided but not defined: ${dashes}${name}`);
    if (spec.type === 'boolean') {
      if (inline === undefined) {
        flags[spec.name] = true;
      } else {
        const value = parseBool(inline);
        if (value === undefined) throw new UsageError(`invalid boolean value "${inline}" for flag ${dashes}${name}`);
        flags[spec.name] = value;
      }
      continue;
    }
    let value: string;
    if (inline !== undefined) {
      value = inline;
    } else if (i + 1 < argv.length) {
      // As in Go, the next argument is the value even if it starts with "-".
      value = argv[++i]!;
    } else {
      throw new UsageError(`flag needs an argument: ${dashes}${name}`);
    }
    if (spec.type === 'strings') {
      const list = flags[spec.name];
      flags[spec.name] = Array.isArray(list) ? [...list, value] : [value];
    } else {
      flags[spec.name] = value;
    }
  }
  return { flags, positionals };
}

/** A string flag's value (undefined when absent). */
export function stringFlag(flags: FlagValues, name: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
}

/** Every value of a repeated flag, in order ([] when absent). */
export function listFlag(flags: FlagValues, name: string): string[] {
  const value = flags[name];
  return Array.isArray(value) ? value : [];
}

/** A boolean flag's value (false when absent). */
export function boolFlag(flags: FlagValues, name: string): boolean {
  return flags[name] === true;
}

/**
 * A non-negative integer flag (`--preserve-fds N`), undefined when absent.
 *
 * @throws UsageError when the value is not a non-negative decimal integer.
 */
export function countFlag(flags: FlagValues, name: string): number | undefined {
  const text = stringFlag(flags, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`invalid value "${text}" for flag --${name}: must be a non-negative integer`);
  }
  return Number(text);
}

/**
 * A flag whose value must be one of `choices` (`--log-format text|json`).
 *
 * @throws UsageError listing the accepted values.
 */
export function choiceFlag<T extends string>(flags: FlagValues, name: string, choices: readonly T[], fallback: T): T {
  const text = stringFlag(flags, name);
  if (text === undefined) return fallback;
  if (!(choices as readonly string[]).includes(text)) {
    throw new UsageError(`invalid value "${text}" for flag --${name}: must be one of ${choices.join(', ')}`);
  }
  return text as T;
}

/**
 * Global flags, given before the subcommand (runc's): --root, --log,
 * --log-format, --debug, --systemd-cgroup, --rootless, --criu, --version,
 * --help.
 */
import { boolFlag, choiceFlag, parseBool, stringFlag, UsageError, type FlagSpec, type FlagValues } from './args';
import type { LogFormat } from './log';
import { resolveRoot } from '../state/root';

/** The global options, validated. */
export interface GlobalOptions {
  /** Absolute state root (--root, default /run/kapsel or $XDG_RUNTIME_DIR/kapsel). */
  root: string;
  /** --log file. */
  log?: string;
  logFormat: LogFormat;
  debug: boolean;
  /** --systemd-cgroup: recorded in the container's state at create. */
  systemdCgroup: boolean;
  /**
   * --rootless true|false|auto. Accepted for runc compatibility; kapsel
   * always detects whether it runs rootless (real uid, user namespace).
   */
  rootless: 'true' | 'false' | 'auto';
}

export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { name: 'debug', type: 'boolean', description: 'enable debug logging' },
  { name: 'log', type: 'string', value: 'FILE', description: 'append the log to FILE instead of writing it to stderr' },
  { name: 'log-format', type: 'string', value: 'text|json', description: 'log format (default: "text")' },
  {
    name: 'root',
    type: 'string',
    value: 'DIR',
    description: 'root directory for container state (default: /run/kapsel, or $XDG_RUNTIME_DIR/kapsel when rootless)',
  },
  { name: 'criu', type: 'string', value: 'PATH', description: 'accepted for runc compatibility; checkpointing is not supported' },
  {
    name: 'systemd-cgroup',
    type: 'boolean',
    description: 'use systemd for cgroups: cgroupsPath "slice:prefix:name" becomes a transient scope unit (needs a running systemd)',
  },
  { name: 'rootless', type: 'string', value: 'true|false|auto', description: 'accepted for runc compatibility; rootless mode is detected' },
  { name: 'help', aliases: ['h'], type: 'boolean', description: 'show help' },
  { name: 'version', aliases: ['v'], type: 'boolean', description: 'print the version' },
];

/**
 * Validates the parsed global flags.
 *
 * @throws UsageError for a bad --log-format or --rootless value.
 */
export function globalOptions(flags: FlagValues): GlobalOptions {
  const rootless = stringFlag(flags, 'rootless') ?? 'auto';
  const asBool = parseBool(rootless);
  if (rootless !== 'auto' && asBool === undefined) {
    throw new UsageError(`invalid value "${rootless}" for flag --rootless: must be true, false or auto`);
  }
  const log = stringFlag(flags, 'log');
  return {
    root: resolveRoot(stringFlag(flags, 'root') || undefined),
    log: log ? log : undefined,
    logFormat: choiceFlag(flags, 'log-format', ['text', 'json'] as const, 'text'),
    debug: boolFlag(flags, 'debug'),
    systemdCgroup: boolFlag(flags, 'systemd-cgroup'),
    rootless: rootless === 'auto' ? 'auto' : asBool ? 'true' : 'false',
  };
}

/** Where the library's warnings go (failed poststop hooks, config it does not apply). */
export interface Logger {
  warn(message: string): void;
  debug?(message: string): void;
}

/**
 * The library's default: each warning through process.emitWarning with
 * code KAPSEL_WARNING, as Node's own APIs warn, so that an application
 * sees them where it sees Node's (process.on('warning'), --no-warnings,
 * --redirect-warnings) instead of on a stderr it may not own.
 */
export const warningLogger: Logger = {
  warn(message: string) {
    process.emitWarning(message, { type: 'KapselWarning', code: 'KAPSEL_WARNING' });
  },
};

/** Warnings on stderr, as "kapsel: warning: ..." lines. */
export const stderrLogger: Logger = {
  warn(message: string) {
    process.stderr.write(`kapsel: warning: ${message}\n`);
  },
};

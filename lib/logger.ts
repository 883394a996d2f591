/** Where the library's warnings go (failed poststop hooks, config it does not apply). */
/**
 * Where the library's warnings (and debug lines) go, when a caller passes
 * one (the `logger` option); default: process.emitWarning with code
 * KAPSEL_WARNING.
 */
export interface Logger {
  /** Something the caller should know but that did not fail the operation (a failed poststop hook, a setting not applied). */
  warn(message: string): void;
  /** Detail for debugging (a preserved fd that was closed and skipped); optional. */
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

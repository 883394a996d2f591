/** Where the library's warnings go (failed poststop hooks, config it does not apply). */
export interface Logger {
  warn(message: string): void;
  debug?(message: string): void;
}

/** The default: warnings on stderr. */
export const stderrLogger: Logger = {
  warn(message: string) {
    process.stderr.write(`kapsel: warning: ${message}\n`);
  },
};

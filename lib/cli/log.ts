/**
 * The CLI's log: errors, warnings from the library (failed poststop hooks,
 * ...) and --debug lines.
 *
 * Without --log they go to stderr: readable "kapsel: ..." lines in text
 * format, or JSON lines with --log-format json (as runc, whose logrus
 * writes to stderr). With --log FILE they are appended to FILE, in logrus'
 * text form (`time="..." level=error msg="..."`) or as JSON lines
 * (`{"level":"error","msg":"...","time":"..."}`), and an error is also
 * printed to stderr, as runc does. Engines read the file: containerd takes
 * the last error line, podman parses the whole file as one JSON object, so
 * a failure logs exactly one error line.
 */
import { InvalidArgumentError, UntrustedPathError } from '../errors';
import type { Logger } from '../logger';
import { appendToLogFile } from './log-file';
import { stderr, type Write } from './output';

/** --log-format values. */
export type LogFormat = 'text' | 'json';

/** logrus level names, which engines parse. */
export type LogLevel = 'debug' | 'warning' | 'error';

export interface LogOptions {
  /** --log: append to this file instead of writing to stderr. */
  file?: string;
  format: LogFormat;
  /** --debug: emit debug lines too. */
  debug: boolean;
}

/** Where the log writes; replaced in tests. */
export interface LogSinks {
  stderr: Write;
  appendFile(file: string, text: string): void;
  now(): Date;
}

const defaultSinks: LogSinks = {
  stderr,
  // Opened per line, O_APPEND and O_NOFOLLOW, checked on the fd (log-file.ts).
  appendFile: appendToLogFile,
  now: () => new Date(),
};

/** RFC 3339 time in UTC ("2024-05-01T10:00:00.123Z"), which Go's time.Time parses. */
export function rfc3339(time: Date): string {
  return time.toISOString();
}

/** One log line (with its newline) in the file format: logrus text or JSON. */
export function formatLogLine(level: LogLevel, message: string, format: LogFormat, time: Date): string {
  // Key order as logrus' JSONFormatter writes it (sorted).
  if (format === 'json') return `${JSON.stringify({ level, msg: message, time: rfc3339(time) })}\n`;
  return `time="${rfc3339(time)}" level=${level} msg=${JSON.stringify(message)}\n`;
}

/** A readable stderr line: "kapsel: msg", "kapsel: warning: msg". */
export function formatStderrLine(level: LogLevel, message: string): string {
  return level === 'error' ? `kapsel: ${message}\n` : `kapsel: ${level}: ${message}\n`;
}

/** The CLI's logger; also the Logger handed to the library. */
export class CliLog implements Logger {
  private readonly options: LogOptions;
  private readonly sinks: LogSinks;
  /** Set once writing the file failed: the rest goes to stderr. */
  private fileBroken = false;

  constructor(options: LogOptions, sinks: LogSinks = defaultSinks) {
    this.options = options;
    this.sinks = sinks;
  }

  /** True when lines go to a --log file. */
  get toFile(): boolean {
    return this.options.file !== undefined && !this.fileBroken;
  }

  /**
   * Opens (creates) the --log file once at start, as runc does, so that a
   * log that cannot be written fails the command instead of losing every
   * line of it. Afterwards the error goes to stderr.
   */
  openFile(): void {
    if (!this.toFile) return;
    try {
      this.sinks.appendFile(this.options.file!, '');
    } catch (err) {
      this.fileBroken = true;
      if (err instanceof UntrustedPathError) throw err; // names the file and what is wrong with it
      throw new InvalidArgumentError(`cannot open log file ${this.options.file}: ${(err as Error).message}`);
    }
  }

  /** Logs a failure: one error line in the log, plus the message on stderr when the log is a file. */
  error(message: string): void {
    this.write('error', message);
    if (this.toFile) this.sinks.stderr(formatStderrLine('error', message));
  }

  warn(message: string): void {
    this.write('warning', message);
  }

  debug(message: string): void {
    if (this.options.debug) this.write('debug', message);
  }

  private write(level: LogLevel, message: string): void {
    const time = this.sinks.now();
    if (this.toFile) {
      try {
        this.sinks.appendFile(this.options.file!, formatLogLine(level, message, this.options.format, time));
        return;
      } catch (err) {
        this.fileBroken = true;
        this.sinks.stderr(formatStderrLine('warning', `cannot write log file ${this.options.file}: ${(err as Error).message}`));
      }
    }
    this.sinks.stderr(
      this.options.format === 'json' ? formatLogLine(level, message, 'json', time) : formatStderrLine(level, message),
    );
  }
}

/** Signal names and numbers as runc accepts them: "9", "KILL", "SIGKILL", "sigkill". */
import * as os from 'node:os';
import { ArgumentRangeError, ArgumentTypeError, ArgumentValueError } from './errors';

const SIGNALS = os.constants.signals as Record<string, number>;

/** "SIGTERM" -> "TERM". */
type ShortName<T> = T extends `SIG${infer S}` ? S : never;

/**
 * A signal as the library's kill() takes it: a name Node knows
 * ("SIGTERM"), the same without "SIG" ("TERM", as runc's kill takes it),
 * or a number. A name that is no signal ("SIGFOO") does not compile; at
 * run time (from JavaScript) it is an InvalidArgumentError.
 */
export type Signal = NodeJS.Signals | ShortName<NodeJS.Signals> | number;

/**
 * The number of a signal given as kill() takes it (see {@link Signal}),
 * also as text: "SIGTERM", "term", "15", "RTMIN+3". Throws
 * InvalidArgumentError for anything that is no signal (1 to 64).
 *
 * @param argument the argument's name, for the error's `argument` field
 */
export function parseSignal(signal: string | number, argument = 'signal'): number {
  if (typeof signal === 'number') {
    if (Number.isInteger(signal) && signal > 0 && signal <= 64) return signal;
    throw new ArgumentRangeError(argument, 'a signal number (an integer >= 1 and <= 64)', signal, `invalid signal: ${signal}`);
  }
  if (typeof signal !== 'string') throw new ArgumentTypeError(argument, 'a signal name or number', signal, `invalid signal: ${String(signal)}`);
  const text = signal.trim();
  if (/^\d+$/.test(text)) return parseSignal(Number(text), argument);
  const upper = text.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  const rt = /^SIGRTMIN(?:\+(\d+))?$/.exec(name) ?? /^SIGRTMAX(?:-(\d+))?$/.exec(name);
  if (rt) {
    const offset = Number(rt[1] ?? 0);
    const n = name.startsWith('SIGRTMIN') ? 34 + offset : 64 - offset;
    if (n >= 34 && n <= 64) return n;
  }
  const n = SIGNALS[name];
  if (n === undefined) throw new ArgumentValueError(argument, 'a signal name ("SIGTERM", "TERM") or number', signal, `invalid signal: ${signal}`);
  return n;
}

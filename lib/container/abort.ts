/**
 * Cancellation as Node's own APIs do it: an operation given an aborted
 * `signal` rejects with an AbortError (name "AbortError", code
 * "ABORT_ERR", cause: the signal's reason), the error fs, timers/promises
 * and child_process use, so callers handle kapsel's aborts with the same
 * check as Node's.
 */
import { ArgumentTypeError, KapselError } from '../errors';

/** Node's AbortError shape (name, code, cause), and a KapselError as every error of kapsel's. */
export class AbortError extends KapselError {
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super('ABORT_ERR', message, options);
  }
}

/** The AbortError for `signal`, its reason as the cause. */
export function abortError(signal: AbortSignal): AbortError {
  return new AbortError(undefined, { cause: signal.reason });
}

/**
 * `signal` checked to be an AbortSignal (a plain object with `aborted`
 * would never fire, and the caller would wait for nothing).
 */
export function checkSignal(signal: unknown, field = 'signal'): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) throw new ArgumentTypeError(`options.${field}`, 'an instance of AbortSignal', signal);
  return signal;
}

/** Rejects before anything is done when the signal is aborted already. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/**
 * `promise`, or an AbortError as soon as `signal` aborts. What `promise`
 * stands for goes on (waiting for an exit is only given up on: the
 * process is still reaped by whoever else waits).
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** The failure an operation reports: an AbortError when its signal fired, whatever the abort made fail. */
export function failureOf(err: unknown, signal: AbortSignal | undefined): unknown {
  return signal?.aborted && !(err instanceof AbortError) ? abortError(signal) : err;
}

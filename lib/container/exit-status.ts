/**
 * How a container's init or an exec'd process ended, as Container#wait and
 * ExecProcess#wait resolve and 'exit' delivers it.
 */
import type { WaitResult } from '../native/addon';

/** How a process ended: exactly one of the two is set for a status read by the parent; both null for a loaded container's (only the parent can read a status). */
export interface ExitStatus {
  /** The exit status when the process exited, else null. */
  exitCode: number | null;
  /** The signal that killed it ("SIGKILL"), else null. */
  signal: NodeJS.Signals | null;
}

/**
 * The addon's status, typed: it names signals as glibc's sigabbrev_np does
 * ("SIG" + "KILL"), the names NodeJS.Signals lists; a realtime signal,
 * which has no such name, comes as "SIG35" (and Node has no name for it either).
 */
export function exitStatusOf(w: WaitResult): ExitStatus {
  return { exitCode: w.exitCode, signal: w.signal as NodeJS.Signals | null };
}

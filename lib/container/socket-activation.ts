/**
 * systemd socket activation (sd_listen_fds(3)) through the runtime, as runc
 * and crun pass it: when the runtime was started with LISTEN_FDS=N meant
 * for it (LISTEN_PID is its pid), fds 3 .. 3+N-1 go to the container ahead
 * of the --preserve-fds ones, and the container's process gets
 * LISTEN_FDS=N (and LISTEN_FDNAMES) with LISTEN_PID=1: the process is pid 1
 * of its own pid namespace (plan/process.ts).
 */

export interface SocketActivation {
  /** How many fds, from fd 3 on. */
  count: number;
  /** LISTEN_FDNAMES as given, colon-separated. */
  names?: string;
}

/** The socket activation meant for process `pid` in `env`, or undefined. */
export function socketActivationFromEnv(env: NodeJS.ProcessEnv, pid: number): SocketActivation | undefined {
  const fds = env.LISTEN_FDS;
  if (!fds || !/^[1-9][0-9]*$/.test(fds)) return undefined;
  // Inherited from an ancestor that was activated, not meant for us.
  if (env.LISTEN_PID !== String(pid)) return undefined;
  return { count: Number(fds), names: env.LISTEN_FDNAMES };
}

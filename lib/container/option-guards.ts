/**
 * The shapes of the public operations' options (Container, ExecProcess),
 * checked with lib/args.ts before anything is opened or created, so that
 * a call from JavaScript with a wrong type gets an InvalidArgumentError
 * naming the field ("options.preserveFds") and leaves nothing behind.
 * stdio (stdio.ts), the container id (state/id.ts) and config.json
 * (config/validate.ts) keep their own, deeper checks; here only their
 * type where nothing else looks at it first.
 */
import { array, boolean, either, fd, func, instance, int, logger, object, optional, string, type Guard } from '../args';
import { ArgumentValueError } from '../errors';

/** A count of fds from 3 on: the rest of the fd numbers. */
const fdCount = int(0, 2 ** 31 - 4);
const abortSignal = optional(instance(AbortSignal));
/** The console socket: a path, or the fd of a connected socket. */
const consoleSocket = optional(either('of type string or number', [(v) => typeof v === 'string', string], [(v) => typeof v === 'number', fd]));
/** StdioOption: its values are checked by stdio.ts; here only that it is one of its shapes. */
const stdio = optional(either("'pipe', 'inherit', 'ignore' or an array of three", [(v) => typeof v === 'string', string], [Array.isArray, array()]));

export const CREATE_OPTIONS: Guard = object({
  id: string,
  bundle: string,
  root: optional(string),
  logger: optional(logger),
  stdio,
  signal: abortSignal,
  preserveFds: optional(fdCount),
  skipFds: optional(array(fd)),
  pidFile: optional(string),
  consoleSocket,
  listenFds: optional(object({ count: fdCount, names: optional(string) })),
  noPivot: optional(boolean),
  noNewKeyring: optional(boolean),
  systemdCgroup: optional(boolean),
});

export const LOAD_OPTIONS: Guard = optional(object({ root: optional(string), logger: optional(logger) }));

export const PLAN_OPTIONS: Guard = optional(
  object({
    bundle: optional(string),
    rootfs: optional(string),
    preserveFds: optional(fdCount),
    noPivot: optional(boolean),
    facts: optional(object()),
    seccompCompiler: optional(func),
    id: optional(string),
    systemdCgroup: optional(boolean),
  }),
);

/** start() and wait(): only a signal. */
export const SIGNAL_OPTIONS: Guard = optional(object({ signal: abortSignal }));

export const DELETE_OPTIONS: Guard = optional(object({ force: optional(boolean), signal: abortSignal }));

export const KILL_OPTIONS: Guard = optional(object({ all: optional(boolean) }));

/** exec's first argument: a command (args) or an OCI process object (validated as config.json's process). */
export const EXEC_WHAT: Guard = either(
  'an array of strings or a process object',
  [
    Array.isArray,
    (value, name) => {
      array(string)(value, name);
      if ((value as unknown[]).length === 0) throw new ArgumentValueError(name, 'a command with at least the program to run', value);
    },
  ],
  [(v) => typeof v === 'object' && v !== null, object()],
);

export const EXEC_OPTIONS: Guard = optional(
  object({
    stdio,
    signal: abortSignal,
    preserveFds: optional(fdCount),
    consoleSocket,
    pidFile: optional(string),
    ignorePaused: optional(boolean),
    cgroup: optional(object()),
    // The command form's changes to the container's process (exec-command.ts).
    cwd: optional(string),
    env: optional(array(string)),
    user: optional(object({ uid: int(0, 2 ** 32 - 1), gid: optional(int(0, 2 ** 32 - 1)) })),
    additionalGids: optional(array(int(0, 2 ** 32 - 1))),
    addCapabilities: optional(array(string)),
    noNewPrivileges: optional(boolean),
    apparmorProfile: optional(string),
    selinuxLabel: optional(string),
    terminal: optional(boolean),
  }),
);

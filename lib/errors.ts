/**
 * Typed errors. Every error kapsel throws is a KapselError with a stable
 * `code`, so that programs can branch on `err.code` and the CLI can map
 * errors to exit codes and messages that engines parse (see
 * ../shared/cli-contract.md: "does not exist", "container not running", ...).
 */
import { getSystemErrorMap } from 'node:util';

/**
 * The stable `code` of every error kapsel throws (a {@link KapselError}'s
 * `code`): programs branch on it, never on the message. Each code belongs
 * to one error class, named below and in that class's documentation.
 */
export type KapselErrorCode =
  | 'ABORT_ERR'
  | 'ERR_CONTAINER_EXISTS'
  | 'ERR_CONTAINER_NOT_FOUND'
  | 'ERR_INVALID_STATE'
  | 'ERR_INVALID_CONFIG'
  | 'ERR_INVALID_ID'
  | 'ERR_INVALID_ARGUMENT'
  /** An argument of a public function has the wrong type (ArgumentTypeError; Node's code for the same). */
  | 'ERR_INVALID_ARG_TYPE'
  /** An argument has the right type but a value that is not allowed (ArgumentValueError). */
  | 'ERR_INVALID_ARG_VALUE'
  /** A number argument is out of its range or not an integer (ArgumentRangeError). */
  | 'ERR_OUT_OF_RANGE'
  | 'ERR_BUNDLE'
  | 'ERR_HOOK_FAILED'
  /** A syscall failed (SyscallError): only for errors that carry an errno from one. */
  | 'ERR_SYSCALL'
  | 'ERR_NOT_SUPPORTED'
  | 'ERR_UNTRUSTED_PATH'
  /** The init helper said something the protocol does not allow, or nothing at all (ProtocolError). */
  | 'ERR_PROTOCOL'
  /** A cgroup could not be created, set, read or removed (CgroupError, lib/cgroups/files.ts). */
  | 'ERR_CGROUP'
  /** A command line kapsel's CLI cannot parse (UsageError, lib/cli/args.ts). */
  | 'ERR_USAGE'
  /** The compiled native part (the addon or the init helper) is missing or does not load (NativeMissingError). */
  | 'ERR_NATIVE_MISSING'
  /**
   * A "cannot happen": kapsel's own parts disagree (a value that validation
   * should have refused reached the plan). A bug to report, never bad input.
   */
  | 'ERR_INTERNAL';

/**
 * The base class of every error kapsel throws on purpose. `name` is the
 * subclass's name ("InvalidConfigError"); `cause`, when set, is the error
 * underneath (often a {@link SyscallError} or a Node `fs` error).
 *
 * @example
 * ```ts
 * import { Container, KapselError } from 'kapsel';
 * try {
 *   await Container.load('web');
 * } catch (err) {
 *   if (err instanceof KapselError && err.code === 'ERR_CONTAINER_NOT_FOUND') console.log('no such container');
 *   else throw err;
 * }
 * ```
 */
export class KapselError extends Error {
  /** What went wrong, stable across versions: branch on this, not on the message. */
  readonly code: KapselErrorCode;
  constructor(code: KapselErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** `ERR_CONTAINER_EXISTS`: create was given an id that a container in the same state root already has. */
export class ContainerExistsError extends KapselError {
  /** @param id the id that is taken */
  constructor(readonly id: string) {
    super('ERR_CONTAINER_EXISTS', `container with id "${id}" already exists`);
  }
}

/**
 * `ERR_CONTAINER_NOT_FOUND`: no container with this id in the state root.
 * The message ends in "does not exist": podman and CRI-O match that text.
 */
export class ContainerNotFoundError extends KapselError {
  /** @param id the id that was looked up */
  constructor(readonly id: string) {
    super('ERR_CONTAINER_NOT_FOUND', `container "${id}" does not exist`);
  }
}

/**
 * `ERR_INVALID_STATE`: the operation is not allowed in the container's
 * current status (start on a running container, delete without `force` on
 * a running one, pause on a stopped one, ...).
 */
export class InvalidStateError extends KapselError {
  /**
   * @param id the container's id
   * @param operation what was asked ("start", "delete", ...)
   * @param status the container's status at the time ("running", ...)
   * @param detail a message to use instead of the default one
   */
  constructor(
    readonly id: string,
    readonly operation: string,
    readonly status: string,
    detail?: string,
  ) {
    super('ERR_INVALID_STATE', detail ?? `cannot ${operation} container "${id}" in state "${status}"`);
  }
}

/** What errors call an exec's process object by default: it is not config.json. */
export const EXEC_PROCESS = 'exec process';

/**
 * `ERR_INVALID_CONFIG`: a config.json field (or a field of an exec's
 * process object) is missing or wrong; `jsonPath` names it
 * ("/process/args/0"), `problem` says what is wrong with it.
 */
export class InvalidConfigError extends KapselError {
  /**
   * @param jsonPath the JSON pointer of the field ("" for the whole document)
   * @param problem what is wrong with it
   * @param document what the JSON path is in: "config.json", or the
   *   process object of an exec ("exec process", "process (--process p.json)"),
   *   so that a message never names a file that was not used.
   */
  constructor(
    readonly jsonPath: string,
    readonly problem: string,
    readonly document = 'config.json',
  ) {
    super('ERR_INVALID_CONFIG', `invalid ${document}: ${jsonPath || '/'}: ${problem}`);
  }

  /** The same problem, in `document` instead. */
  in(document: string): InvalidConfigError {
    return new InvalidConfigError(this.jsonPath, this.problem, document);
  }
}

/**
 * The source of a bind mount in config.json does not exist on the host:
 * `jsonPath` names the entry ("/mounts/3/source"), `path` the source
 * (resolved against the bundle), never the target in the rootfs. The
 * failed syscall is the `cause` (a SyscallError).
 */
export class MountSourceError extends InvalidConfigError {
  /**
   * @param jsonPath the mount's source field ("/mounts/3/source")
   * @param path the source path on the host
   * @param errnoName why it cannot be used ("ENOENT")
   * @param cause the failed syscall
   */
  constructor(
    jsonPath: string,
    readonly path: string,
    readonly errnoName: string,
    cause?: unknown,
  ) {
    super(jsonPath, `bind mount source ${path}: ${describeErrno(errnoName)} (${errnoName})`);
    this.cause = cause;
  }
}

/**
 * `ERR_INVALID_ID`: a container id that kapsel refuses (empty, too long, a
 * path separator or another character outside `[A-Za-z0-9_.+-]`, "." or
 * ".."), because the id names a directory in the state root.
 */
export class InvalidIdError extends KapselError {
  /**
   * @param id the refused id
   * @param reason why it is refused
   */
  constructor(
    readonly id: string,
    reason: string,
  ) {
    super('ERR_INVALID_ID', `invalid container id ${JSON.stringify(id)}: ${reason}`);
  }
}

/**
 * `ERR_INVALID_ARGUMENT`: a bad argument of a library call (a `stdio`
 * entry, a signal, an fd) or a bad command-line value. The
 * subclasses below are the bad arguments of the public functions' own
 * checks (lib/args.ts), with Node's codes for them and `argument` naming
 * the argument or its field ("options.stdio[1]").
 */
export class InvalidArgumentError extends KapselError {
  /** The argument (or its field: "options.preserveFds") when the error is about one. */
  readonly argument?: string;
  constructor(message: string, options?: { code?: 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE' | 'ERR_OUT_OF_RANGE'; argument?: string }) {
    super(options?.code ?? 'ERR_INVALID_ARGUMENT', message);
    if (options?.argument !== undefined) this.argument = options.argument;
  }
}

/** What a bad value was, for a message: as Node says it ("Received type number (5)"). */
function describeReceived(value: unknown): string {
  if (value === undefined || value === null) return `Received ${value}`;
  if (typeof value === 'function') return `Received function ${value.name || '<anonymous>'}`;
  if (typeof value === 'object') {
    if (Array.isArray(value)) return 'Received an array';
    const name = (value as { constructor?: { name?: string } }).constructor?.name;
    return name ? `Received an instance of ${name}` : 'Received an object';
  }
  const shown = typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value) : typeof value === 'bigint' ? `${value}n` : String(value);
  return `Received type ${typeof value} (${shown})`;
}

/** Node's wording: `The "options.root" argument must be of type string. Received type number (5)`. */
function argumentMessage(argument: string, expected: string, received: unknown): string {
  return `The "${argument}" argument must be ${expected}. ${describeReceived(received)}`;
}

/**
 * An argument of the wrong type: code ERR_INVALID_ARG_TYPE. `message`
 * replaces Node's wording where the command line's is fixed (runc's
 * "invalid signal: X").
 */
export class ArgumentTypeError extends InvalidArgumentError {
  constructor(argument: string, expected: string, received: unknown, message?: string) {
    super(message ?? argumentMessage(argument, expected, received), { code: 'ERR_INVALID_ARG_TYPE', argument });
  }
}

/** An argument of the right type whose value is not allowed: code ERR_INVALID_ARG_VALUE. */
export class ArgumentValueError extends InvalidArgumentError {
  constructor(argument: string, expected: string, received: unknown, message?: string) {
    super(message ?? argumentMessage(argument, expected, received), { code: 'ERR_INVALID_ARG_VALUE', argument });
  }
}

/** A number out of its range, or not an integer where one is needed: code ERR_OUT_OF_RANGE. */
export class ArgumentRangeError extends InvalidArgumentError {
  constructor(argument: string, expected: string, received: unknown, message?: string) {
    super(message ?? argumentMessage(argument, expected, received), { code: 'ERR_OUT_OF_RANGE', argument });
  }
}

/** `ERR_BUNDLE`: the bundle or a file in it cannot be used (missing config.json, rootfs, ...). */
export class BundleError extends KapselError {
  /**
   * @param path the bundle, or the file in it, that cannot be used
   * @param message what is wrong
   * @param options the error underneath, as `cause`
   */
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('ERR_BUNDLE', message, options);
  }
}

/** How a hook ended, as HookFailedError carries it. */
export interface HookOutcome {
  /** Its exit status when it exited (non-zero), else null. */
  exitCode: number | null;
  /** The signal that killed it ("SIGKILL" also for a timeout), else null. */
  signal: NodeJS.Signals | null;
  /** It ran past its `timeout` and was killed. */
  timedOut: boolean;
  /**
   * The end of what it wrote to stderr (at most HOOK_STDERR_LIMIT bytes,
   * the last ones: the reason is usually at the end). For the hooks run
   * inside the container (createContainer, startContainer) the init
   * helper collects stdout and stderr together, the first 4 KiB.
   */
  stderr: string;
}

/** How much of a hook's stderr a HookFailedError keeps. */
export const HOOK_STDERR_LIMIT = 4096;

/**
 * `ERR_HOOK_FAILED`: a hook failed: `kind` is the hook list ("prestart"), `hook` the entry
 * (its path and args as configured), and the outcome says how it ended.
 * A hook that could not be started at all has exitCode and signal null.
 */
export class HookFailedError extends KapselError implements HookOutcome {
  /** The hook's path (hook.path). */
  readonly hookPath: string;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly stderr: string;
  /**
   * @param kind the hook list ("prestart", "createRuntime", "poststop", ...)
   * @param hook the entry as configured
   * @param reason why it failed, for the message
   * @param outcome how it ended
   */
  constructor(
    readonly kind: string,
    readonly hook: {
      /** The hook's executable, as configured. */
      path: string;
      /** Its argv, as configured. */
      args?: string[];
    },
    reason: string,
    outcome: Partial<HookOutcome> = {},
  ) {
    super('ERR_HOOK_FAILED', `${kind} hook ${hook.path} failed: ${reason}`);
    this.hookPath = hook.path;
    this.exitCode = outcome.exitCode ?? null;
    this.signal = outcome.signal ?? null;
    this.timedOut = outcome.timedOut ?? false;
    this.stderr = outcome.stderr ?? '';
  }
}

/**
 * `ERR_INTERNAL`: kapsel broke its own invariant: a bug, not the caller's input (which gets
 * one of the errors above). The message says which invariant.
 */
export class InternalError extends KapselError {
  /** @param message the invariant that broke */
  constructor(message: string) {
    super('ERR_INTERNAL', `internal error: ${message}`);
  }
}

/**
 * `ERR_NATIVE_MISSING`: kapsel's compiled native part (the N-API addon or the static init helper)
 * is neither built (build/Release) nor prebuilt for this platform
 * (prebuilds/<platform>-<arch>/), or it does not load here. `file` names
 * what is missing or failed; the message says how to build it and what
 * that needs, because the usual cause is an install with scripts off on a
 * platform without a prebuild.
 */
export class NativeMissingError extends KapselError {
  /**
   * @param file the missing or failing file
   * @param problem what is wrong with it ("is missing", "does not load: ...")
   * @param options the load error, as `cause`
   */
  constructor(
    readonly file: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super('ERR_NATIVE_MISSING', `kapsel's native part ${file} ${problem}`, options);
  }
}

/**
 * `ERR_PROTOCOL`: the container init (or an exec helper) sent a message the init protocol
 * (lib/plan/protocol.ts) does not allow there, or ended without the message
 * it owed. Lives here, not in protocol.ts, because the runtime throws it too.
 */
export class ProtocolError extends KapselError {
  /** @param message what was received, or missed */
  constructor(message: string) {
    super('ERR_PROTOCOL', `init protocol: ${message}`);
  }
}

/**
 * `ERR_NOT_SUPPORTED`: the config asks for something this kernel, this
 * host or kapsel cannot do (a namespace type the kernel lacks, a feature
 * kapsel does not implement); the message says what.
 */
export class NotSupportedError extends KapselError {
  /** @param message what is not supported */
  constructor(message: string) {
    super('ERR_NOT_SUPPORTED', message);
  }
}

/**
 * `ERR_UNTRUSTED_PATH`: a directory or file that kapsel would trust (the state root, a log file)
 * could be, or could have been, written by someone other than kapsel's
 * user: refused, as ssh refuses a ~/.ssh others can write. `path` names it
 * and `problem` says what is wrong ("owned by uid 1001, not by uid 1000").
 */
export class UntrustedPathError extends KapselError {
  /**
   * @param path the refused path
   * @param problem what is wrong with it
   * @param what what kapsel wanted it for ("state root", "log file")
   */
  constructor(
    readonly path: string,
    readonly problem: string,
    what: string,
  ) {
    super('ERR_UNTRUSTED_PATH', `refusing ${what} ${path}: ${problem}`);
  }
}

/**
 * `ERR_SYSCALL`: a syscall failed, in the runtime or inside the container init. Carries the
 * errno name and number, the syscall, the path, and the launch-plan step
 * (index and operation) when it happened while executing a plan.
 */
export class SyscallError extends KapselError {
  /** The errno's name ("ENOENT", "EPERM"). */
  readonly errnoName: string;
  /** The errno's number (positive), 0 when unknown. */
  readonly errno: number;
  /** The syscall or operation that failed ("mount", "pivot_root", "open"). */
  readonly syscall: string;
  /** The path it was given, when it took one. */
  readonly path?: string;
  /** The launch-plan step that failed, when it failed while a plan ran. */
  readonly step?: {
    /** The step's index in the plan's `steps`. */
    index: number;
    /** The step's `op` ("mount", "pivotRoot", ...). */
    op: string;
  };
  /** @param fields the fields above; `message` replaces the default message, `cause` is the error underneath */
  constructor(fields: {
    errnoName: string;
    errno: number;
    syscall: string;
    path?: string;
    step?: { index: number; op: string };
    message?: string;
    cause?: unknown;
  }) {
    const where = fields.step ? ` (plan step ${fields.step.index}: ${fields.step.op})` : '';
    const target = fields.path ? ` ${fields.path}` : '';
    const msg = fields.message ?? `${fields.syscall}${target}: ${describeErrno(fields.errnoName)}${where}`;
    super('ERR_SYSCALL', msg, { cause: fields.cause });
    this.errnoName = fields.errnoName;
    this.errno = fields.errno;
    this.syscall = fields.syscall;
    this.path = fields.path;
    this.step = fields.step;
  }

  /** Wraps an error thrown by the addon (or by node:fs). */
  static from(err: unknown, step?: { index: number; op: string }): SyscallError | unknown {
    if (err instanceof KapselError) return err;
    const e = err as { code?: unknown; errno?: unknown; syscall?: unknown; path?: unknown };
    if (e && typeof e.code === 'string' && typeof e.syscall === 'string') {
      return new SyscallError({
        errnoName: e.code,
        errno: typeof e.errno === 'number' ? Math.abs(e.errno) : 0,
        syscall: e.syscall,
        path: typeof e.path === 'string' ? e.path : undefined,
        step,
        cause: err,
      });
    }
    return err;
  }
}

/**
 * Where libuv's text (util.getSystemErrorMap) differs from strerror(3),
 * the strerror wording: it is what runc (Go's syscall.Errno) prints and
 * what engines and users compare kapsel's messages with. ENOEXEC is not in
 * libuv's table at all.
 */
const STRERROR_WORDING: Readonly<Record<string, string>> = {
  EEXIST: 'file exists',
  EISDIR: 'is a directory',
  EBUSY: 'device or resource busy',
  ENOEXEC: 'exec format error',
  ELOOP: 'too many levels of symbolic links',
  ENOMEM: 'cannot allocate memory',
  ENAMETOOLONG: 'file name too long',
};

let libuvText: Map<string, string> | undefined;

/**
 * Lower-case text for an errno name ("ENOENT" -> "no such file or
 * directory"), from Node's own table (util.getSystemErrorMap) with the
 * strerror wording above; the name itself when neither knows it. The
 * wording matters: engines match "no such file or directory", "permission
 * denied", "operation not permitted" (cli-contract.md).
 */
export function describeErrno(name: string): string {
  // A name that is no string is no errno: said as it is, never a crash (this module needs no guard module).
  if (typeof name !== 'string') throw new ArgumentTypeError('name', 'of type string', name);
  const wording = STRERROR_WORDING[name];
  if (wording !== undefined) return wording;
  libuvText ??= new Map([...getSystemErrorMap().values()].map(([errnoName, text]) => [errnoName, text]));
  return libuvText.get(name) ?? name;
}

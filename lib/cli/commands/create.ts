/** `kapsel create`: creates a container and exits, leaving it "created" (runc create). */
import { Container, type CreateOptions } from '../../container/container';
import { boolFlag, countFlag, stringFlag, type FlagSpec, type FlagValues } from '../args';
import { BUNDLE_FLAG, ID_ARG, type Command, type Context } from '../command';
import { unpassedFds } from '../passed-fds';
import { socketActivationFromEnv } from '../../container/socket-activation';
import { bundleDir } from './common';
import { InvalidArgumentError } from '../../errors';
import { TERMINAL_NEEDS_SOCKET, wantsTerminal } from '../terminal';
import { defaultSeccompCacheDir, useSeccompDiskCache } from '../../seccomp/disk-cache';

/** Flags create and run share. */
export const CREATE_FLAGS: readonly FlagSpec[] = [
  BUNDLE_FLAG,
  {
    name: 'console-socket',
    type: 'string',
    value: 'PATH',
    description: 'AF_UNIX socket to which the pseudoterminal master is sent (process.terminal)',
  },
  { name: 'pid-file', type: 'string', value: 'FILE', description: 'write the container init\'s host pid to FILE' },
  { name: 'no-pivot', type: 'boolean', description: 'do not use pivot_root to jail the process in the rootfs (chroot instead)' },
  { name: 'no-new-keyring', type: 'boolean', description: 'do not create a new session keyring for the container' },
  {
    name: 'preserve-fds',
    type: 'string',
    value: 'N',
    description: 'pass N additional file descriptors (3 .. 3+N-1) to the container',
  },
];

/**
 * Creates the container from the command line. Its stdio is the CLI's
 * own fds 0-2, as engines expect (they pass pipes or /dev/null).
 */
export function createFromFlags(ctx: Context, id: string, flags: FlagValues, consoleSocketFd?: number): Promise<Container> {
  // systemd socket activation of kapsel itself is passed on, as runc does.
  const listenFds = socketActivationFromEnv(process.env, process.pid);
  // Fds in the range the caller did not give us are skipped (with a debug
  // line, as crun), never filled with one of Node's own.
  const skipFds = unpassedFds((listenFds?.count ?? 0) + (countFlag(flags, 'preserve-fds') ?? 0));
  const options: CreateOptions = {
    listenFds,
    id,
    bundle: bundleDir(stringFlag(flags, 'bundle')),
    root: ctx.globals.root,
    stdio: [0, 1, 2],
    preserveFds: countFlag(flags, 'preserve-fds') ?? 0,
    skipFds,
    pidFile: stringFlag(flags, 'pid-file') || undefined,
    consoleSocket: consoleSocketFd ?? (stringFlag(flags, 'console-socket') || undefined),
    noPivot: boolFlag(flags, 'no-pivot'),
    noNewKeyring: boolFlag(flags, 'no-new-keyring'),
    systemdCgroup: ctx.globals.systemdCgroup,
    logger: ctx.log,
  };
  // The library would receive the terminal itself; a CLI that exits has nobody to hand it to (runc refuses too).
  if (options.consoleSocket === undefined && wantsTerminal(options.bundle)) throw new InvalidArgumentError(TERMINAL_NEEDS_SOCKET);
  // One process per container: compiled seccomp programs are kept on disk.
  useSeccompDiskCache(defaultSeccompCacheDir());
  ctx.log.debug(`create ${id}: bundle ${options.bundle}, root ${options.root}`);
  return Container.create(options);
}

export const createCommand: Command = {
  name: 'create',
  summary: 'create a container',
  argsUsage: ID_ARG,
  description:
    'Creates the container from the bundle and exits once it is "created"; "kapsel start" runs its process.\n' +
    'The standard input, output and error of this command become the container\'s.',
  flags: CREATE_FLAGS,
  args: { min: 1, max: 1 },
  async run(ctx, flags, [id]) {
    const container = await createFromFlags(ctx, id!, flags);
    // The engine supervises the container from here: exit without waiting.
    container.detach();
    return 0;
  },
};

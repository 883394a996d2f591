/**
 * `kapsel exec`: runs another process in a running container, with runc's
 * flags. The process is `--process FILE` (what engines send; the other
 * process flags are then ignored, as runc ignores them), or the
 * container's config.json process with the command line's arguments and
 * flags applied the way runc applies them. Without --detach it waits and
 * exits with the process's status (128 + signal when killed), relaying
 * the terminal itself for -t without --console-socket; with --detach it
 * exits once the process runs, leaving it to the caller's subreaper.
 */
import * as fs from 'node:fs';
import type { Process } from '../../config/types';
import { parseCgroupFlags } from '../../container/exec-cgroup';
import { execProcessFrom } from '../../container/exec-command';
import type { ExecProcess } from '../../container/exec-process';
import { EXEC_PROCESS, InvalidArgumentError, InvalidConfigError } from '../../errors';
import { boolFlag, countFlag, listFlag, stringFlag, UsageError, type FlagValues } from '../args';
import { ID_ARG, type Command, type Context } from '../command';
import { exitCodeOf } from '../exit';
import { assertPassedFds } from '../passed-fds';
import { ConsoleReceiver, relayTerminal } from '../terminal';
import { loadContainer } from './common';

const MAX_ID = 2 ** 31 - 1;

/** A uid or gid of -u/--additional-gids: decimal, 0 .. 2^31-1 (never a fallback to root). */
function parseId(text: string, what: string, flag: string): number {
  if (!/^\d+$/.test(text) || Number(text) > MAX_ID) {
    throw new UsageError(`invalid ${what} ${JSON.stringify(text)} in ${flag}: must be a number from 0 to ${MAX_ID}`);
  }
  return Number(text);
}

/** -u uid[:gid] as runc reads it. */
export function parseUser(text: string): { uid: number; gid?: number } {
  const colon = text.indexOf(':');
  const uid = parseId(colon < 0 ? text : text.slice(0, colon), 'uid', '--user');
  if (colon < 0) return { uid };
  return { uid, gid: parseId(text.slice(colon + 1), 'gid', '--user') };
}

/**
 * The process from the command line, on top of the container's config
 * process (runc's getProcess without --process): the arguments, --cwd,
 * --env appended, --tty, --user, --additional-gids appended, --cap added
 * to the bounding, effective and permitted sets (never inheritable or
 * ambient), --no-new-privs, --apparmor, --process-label.
 */
export function processFromFlags(base: Process, args: string[], flags: FlagValues): Process {
  if (args.length === 0) throw new UsageError('exec needs a command to run (or --process FILE)');
  const user = stringFlag(flags, 'user');
  return execProcessFrom(base, args, {
    cwd: stringFlag(flags, 'cwd'),
    apparmorProfile: stringFlag(flags, 'apparmor'),
    selinuxLabel: stringFlag(flags, 'process-label'),
    addCapabilities: listFlag(flags, 'cap'),
    env: listFlag(flags, 'env'),
    terminal: flags.tty !== undefined ? boolFlag(flags, 'tty') : false,
    noNewPrivileges: flags['no-new-privs'] !== undefined ? boolFlag(flags, 'no-new-privs') : undefined,
    user: user !== undefined ? parseUser(user) : undefined,
    additionalGids: listFlag(flags, 'additional-gids').map((g) => parseId(g, 'gid', '--additional-gids')),
  });
}

/** What errors call the process object of `--process FILE`: that file, not config.json. */
function processFileDocument(file: string): string {
  return `process (--process ${file})`;
}

/** The JSON of --process FILE (validated later, with the library's paths). */
function readProcessFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidArgumentError(`--process ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidConfigError('', `not JSON: ${(err as Error).message}`, processFileDocument(file));
  }
}

/** Forwards the CLI's signals to the process until the returned function is called (as runc does). */
function forwardSignals(ctx: Context, proc: ExecProcess): () => void {
  const signals: NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2'];
  const removers = signals.map((signal) => {
    const handler = (): void => {
      proc.kill(signal).catch((err: Error) => ctx.log.debug(`forwarding ${signal}: ${err.message}`));
    };
    process.on(signal, handler);
    return () => process.removeListener(signal, handler);
  });
  return () => removers.forEach((remove) => remove());
}

export const execCommand: Command = {
  name: 'exec',
  summary: 'execute a new process inside the container',
  argsUsage: `${ID_ARG} <command> [command options]`,
  description:
    'Runs a process in a running container, joining its namespaces and cgroups. Without --detach, waits for it and\n' +
    'exits with its exit code (128 + the signal number if a signal killed it).',
  flags: [
    { name: 'console-socket', type: 'string', value: 'PATH', description: 'AF_UNIX socket to which the pseudoterminal master is sent' },
    { name: 'cwd', type: 'string', value: 'DIR', description: 'current working directory in the container' },
    { name: 'env', aliases: ['e'], type: 'strings', value: 'KEY=VALUE', description: 'set an environment variable (repeatable)' },
    { name: 'tty', aliases: ['t'], type: 'boolean', description: 'allocate a pseudo-TTY' },
    { name: 'user', aliases: ['u'], type: 'string', value: 'UID[:GID]', description: 'user id and group id (numbers)' },
    { name: 'additional-gids', aliases: ['g'], type: 'strings', value: 'GID', description: 'an additional group id (repeatable)' },
    { name: 'process', aliases: ['p'], type: 'string', value: 'FILE', description: 'process.json: the process to run (other process flags are ignored)' },
    { name: 'detach', aliases: ['d'], type: 'boolean', description: 'detach from the process once it runs' },
    { name: 'pid-file', type: 'string', value: 'FILE', description: 'write the process\'s host pid to FILE' },
    { name: 'process-label', type: 'string', value: 'LABEL', description: 'SELinux label of the process (ignored where SELinux is disabled)' },
    { name: 'apparmor', type: 'string', value: 'PROFILE', description: 'AppArmor profile of the process (an error where AppArmor is disabled)' },
    { name: 'no-new-privs', type: 'boolean', description: 'set no_new_privs for the process' },
    { name: 'cap', aliases: ['c'], type: 'strings', value: 'CAP', description: 'add a capability to the bounding, effective and permitted sets (repeatable)' },
    { name: 'preserve-fds', type: 'string', value: 'N', description: 'pass N additional file descriptors (3 .. 3+N-1) to the process' },
    { name: 'cgroup', type: 'strings', value: '[CTRL[,CTRL]:]PATH', description: 'sub-cgroup of the container\'s to run the process in (repeatable)' },
    { name: 'ignore-paused', type: 'boolean', description: 'exec even if the container is paused' },
  ],
  args: { min: 1, max: Infinity },
  interspersed: false,
  async run(ctx, flags, [id, ...command]) {
    const detach = boolFlag(flags, 'detach');
    const preserveFds = countFlag(flags, 'preserve-fds') ?? 0;
    assertPassedFds(preserveFds);
    const cgroup = parseCgroupFlags(listFlag(flags, 'cgroup'));
    const container = await loadContainer(ctx, id!);
    const processFile = stringFlag(flags, 'process');
    let proc: Process;
    if (processFile) {
      proc = readProcessFile(processFile) as Process;
    } else {
      // The config's process as create recorded it (runc's base for exec), never config.json as it is now.
      proc = processFromFlags(container.configProcess(), command, flags);
    }
    const consoleSocket = stringFlag(flags, 'console-socket') || undefined;
    const wantsTty = (proc as { terminal?: unknown }).terminal === true;
    if (wantsTty && detach && !consoleSocket) {
      throw new InvalidArgumentError('cannot allocate a terminal for a detached process without --console-socket');
    }
    // A terminal without --console-socket: the terminal comes to us, as for `kapsel run`.
    const receiver = wantsTty && !consoleSocket ? new ConsoleReceiver() : undefined;
    let exec: ExecProcess;
    try {
      exec = await container.exec(proc, {
        stdio: [0, 1, 2],
        preserveFds,
        consoleSocket: receiver?.theirs ?? consoleSocket,
        pidFile: stringFlag(flags, 'pid-file') || undefined,
        ignorePaused: boolFlag(flags, 'ignore-paused'),
        cgroup,
      });
    } catch (err) {
      receiver?.close();
      // The library calls the object "exec process"; here it is the file.
      throw processFile && err instanceof InvalidConfigError && err.document === EXEC_PROCESS ? err.in(processFileDocument(processFile)) : err;
    }
    ctx.log.debug(`exec in ${id}: pid ${exec.pid}`);
    if (detach) {
      exec.detach();
      return 0;
    }
    const relay = receiver ? relayTerminal(receiver.receive()) : undefined;
    const stopForwarding = forwardSignals(ctx, exec);
    try {
      const status = await exec.wait();
      await relay?.finished;
      ctx.log.debug(`exec in ${id}: pid ${exec.pid} exited: ${JSON.stringify(status)}`);
      return exitCodeOf(status);
    } finally {
      stopForwarding();
    }
  },
};

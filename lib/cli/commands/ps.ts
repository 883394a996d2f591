/**
 * `kapsel ps [-f table|json] ID [-- PS OPTIONS]`, as runc: json prints the
 * container's pids; table runs ps(1) (default `ps -ef`) and keeps the
 * header and the lines whose PID column is one of the container's.
 */
import { spawnSync } from 'node:child_process';
import { InvalidArgumentError, SyscallError } from '../../errors';
import { choiceFlag } from '../args';
import { ID_ARG, type Command } from '../command';
import { loadContainer } from './common';

/** The lines of ps output whose PID column is in `pids` (with the header). */
export function filterPsOutput(output: string, pids: readonly number[]): string {
  const lines = output.split('\n');
  const header = lines[0] ?? '';
  const column = header.trim().split(/\s+/).indexOf('PID');
  if (column < 0) throw new InvalidArgumentError('ps: the output of ps has no PID column (the ps options must keep it)');
  const wanted = new Set(pids);
  const kept = lines.slice(1).filter((line) => line.trim() !== '' && wanted.has(Number(line.trim().split(/\s+/)[column])));
  return [header, ...kept].join('\n') + '\n';
}

export const psCommand: Command = {
  name: 'ps',
  summary: 'ps displays the processes running inside a container',
  argsUsage: `${ID_ARG} [ps options]`,
  flags: [{ name: 'format', aliases: ['f'], type: 'string', value: 'FORMAT', description: 'select one of: table or json (default: "table")' }],
  args: { min: 1, max: Infinity },
  async run(ctx, flags, [id, ...psArgs]) {
    const format = choiceFlag(flags, 'format', ['table', 'json'] as const, 'table');
    const pids = await (await loadContainer(ctx, id!)).processes();
    if (format === 'json') {
      if (psArgs.length > 0) throw new InvalidArgumentError('ps options cannot be used with --format json');
      ctx.out(`${JSON.stringify(pids)}\n`);
      return 0;
    }
    const res = spawnSync('ps', psArgs.length > 0 ? psArgs : ['-ef'], { encoding: 'utf8' });
    if (res.error || res.status !== 0) {
      // ps could not be run (a syscall failed), or it refused its arguments (the user's).
      if (res.error) throw SyscallError.from(res.error);
      throw new InvalidArgumentError(`ps: ${res.stderr.trim() || `exit status ${res.status}`}`);
    }
    ctx.out(filterPsOutput(res.stdout, pids));
    return 0;
  },
};

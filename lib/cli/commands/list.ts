/** `kapsel list [-q] [--format table|json]`: the containers under --root, as runc lists them. */
import { Container } from '../../container/container';
import { boolFlag, choiceFlag } from '../args';
import type { Command } from '../command';
import type { ContainerState } from '../../state/status';
import { formatTable } from '../table';

/** The table: runc's header and columns, aligned by tabwriter's rules. */
export function listTable(states: readonly ContainerState[]): string {
  const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']];
  for (const s of states) rows.push([s.id, String(s.pid), s.status, s.bundle, s.created, s.owner]);
  return formatTable(rows);
}

/** The JSON form: one line, and `null` for no containers (runc encodes a nil slice). */
export function listJson(states: readonly ContainerState[]): string {
  return `${states.length === 0 ? 'null' : JSON.stringify(states)}\n`;
}

export const listCommand: Command = {
  name: 'list',
  summary: 'list the containers under the root directory',
  argsUsage: '',
  flags: [
    { name: 'format', aliases: ['f'], type: 'string', value: 'table|json', description: 'output format (default: "table")' },
    { name: 'quiet', aliases: ['q'], type: 'boolean', description: 'display only container ids' },
  ],
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    const format = choiceFlag(flags, 'format', ['table', 'json'] as const, 'table');
    const states = await Container.list({ root: ctx.globals.root, logger: ctx.log });
    if (boolFlag(flags, 'quiet')) ctx.out(states.map((s) => `${s.id}\n`).join(''));
    else ctx.out(format === 'json' ? listJson(states) : listTable(states));
    return 0;
  },
};

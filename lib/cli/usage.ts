/** Help texts (`kapsel --help`, `kapsel <command> --help`), laid out like urfave/cli's. */
import type { FlagSpec } from './args';
import type { Command } from './command';

/** "--bundle DIR, -b DIR" */
function flagSynopsis(flag: FlagSpec): string {
  return [flag.name, ...(flag.aliases ?? [])]
    .map((name) => `${name.length === 1 ? '-' : '--'}${name}${flag.type !== 'boolean' ? ` ${flag.value ?? 'value'}` : ''}`)
    .join(', ');
}

function flagLines(flags: readonly FlagSpec[]): string[] {
  const synopses = flags.map(flagSynopsis);
  const column = Math.max(0, ...synopses.map((s) => s.length)) + 2;
  return flags.map((flag, i) => `   ${synopses[i]!.padEnd(column)}${flag.description}`);
}

/** Help for one command. */
export function commandUsage(command: Command): string {
  const lines = ['NAME:', `   kapsel ${command.name} - ${command.summary}`, '', 'USAGE:'];
  const options = command.flags.length > 0 ? ' [command options]' : '';
  lines.push(`   kapsel ${command.name}${options}${command.argsUsage ? ` ${command.argsUsage}` : ''}`);
  if (command.description) lines.push('', 'DESCRIPTION:', ...command.description.split('\n').map((l) => (l ? `   ${l}` : '')));
  lines.push('', 'OPTIONS:', ...flagLines([...command.flags, { name: 'help', aliases: ['h'], type: 'boolean', description: 'show help' }]));
  return `${lines.join('\n')}\n`;
}

/** Help for the program: commands and global options. */
export function globalUsage(commands: readonly Command[], globalFlags: readonly FlagSpec[], version: string): string {
  const column = Math.max(...commands.map((c) => c.name.length)) + 3;
  const lines = [
    'NAME:',
    '   kapsel - an OCI container runtime for Node.js (runc-compatible command line)',
    '',
    'USAGE:',
    '   kapsel [global options] command [command options] [arguments...]',
    '',
    'VERSION:',
    `   ${version}`,
    '',
    'COMMANDS:',
    ...commands.map((c) => `   ${c.name.padEnd(column)}${c.unsupported ? '(not supported yet) ' : ''}${c.summary}`),
    '',
    'GLOBAL OPTIONS:',
    ...flagLines(globalFlags),
  ];
  return `${lines.join('\n')}\n`;
}

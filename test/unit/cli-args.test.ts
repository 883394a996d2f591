import { test } from 'node:test';
import assert from 'node:assert/strict';
import { choiceFlag, countFlag, parseArgs, parseBool, UsageError, type FlagSpec } from '../../lib/cli/args';
import { GLOBAL_FLAGS, globalOptions } from '../../lib/cli/globals';
import { CREATE_FLAGS } from '../../lib/cli/commands/create';
import { killCommand } from '../../lib/cli/commands/kill';
import { parseSignal } from '../../lib/signals';

const FLAGS: FlagSpec[] = [
  { name: 'bundle', aliases: ['b'], type: 'string', description: '' },
  { name: 'force', aliases: ['f'], type: 'boolean', description: '' },
  { name: 'no-subreaper', type: 'boolean', description: '' },
];
const cmd = (argv: string[]) => parseArgs(argv, FLAGS, { interspersed: true });

test('string flags: --flag value, --flag=value, -flag value, -flag=value, short alias', () => {
  for (const argv of [
    ['--bundle', '/b', 'id'],
    ['--bundle=/b', 'id'],
    ['-bundle', '/b', 'id'],
    ['-bundle=/b', 'id'],
    ['-b', '/b', 'id'],
    ['--b=/b', 'id'],
  ]) {
    assert.deepEqual(cmd(argv), { flags: { bundle: '/b' }, positionals: ['id'] }, argv.join(' '));
  }
});

test('a value may start with a dash or be empty, as in Go', () => {
  assert.equal(cmd(['--bundle', '-weird']).flags.bundle, '-weird');
  assert.equal(cmd(['--bundle=']).flags.bundle, '');
  assert.equal(cmd(['--bundle=a=b']).flags.bundle, 'a=b');
});

test('boolean flags: bare, =true/=false in strconv.ParseBool forms, Go-style single dash', () => {
  assert.equal(cmd(['--force']).flags.force, true);
  assert.equal(cmd(['-f']).flags.force, true);
  assert.equal(cmd(['--force=false']).flags.force, false);
  assert.equal(cmd(['--force=1']).flags.force, true);
  assert.equal(cmd(['-force=F']).flags.force, false);
  assert.equal(cmd(['-no-subreaper']).flags['no-subreaper'], true);
  // A boolean never takes the next argument: it stays positional.
  assert.deepEqual(cmd(['--force', 'false']).positionals, ['false']);
  assert.throws(() => cmd(['--force=maybe']), /invalid boolean value "maybe" for flag --force/);
});

test('flags may follow positionals for commands; -- ends the flags', () => {
  assert.deepEqual(cmd(['id', '--force']), { flags: { force: true }, positionals: ['id'] });
  assert.deepEqual(cmd(['--', '--force', 'x']), { flags: {}, positionals: ['--force', 'x'] });
  assert.deepEqual(cmd(['-']).positionals, ['-']);
});

test('unknown flags and missing values are usage errors naming the flag as typed', () => {
  assert.throws(() => cmd(['--nope']), (err: unknown) => err instanceof UsageError && /--nope/.test(err.message));
  assert.throws(() => cmd(['-nope=1']), /flag provided but not defined: -nope$/);
  assert.throws(() => cmd(['--bundle']), /flag needs an argument: --bundle/);
  assert.throws(() => cmd(['---bundle', 'x']), /bad flag syntax: ---bundle/);
});

test('global flags stop at the subcommand; its flags are left for it', () => {
  const parsed = parseArgs(
    ['--root', '/r', '--log-format=json', '-log', '/l.json', '--debug', 'kill', '--all', 'id', '9'],
    GLOBAL_FLAGS,
    { interspersed: false },
  );
  assert.deepEqual(parsed.positionals, ['kill', '--all', 'id', '9']);
  assert.deepEqual(parsed.flags, { root: '/r', 'log-format': 'json', log: '/l.json', debug: true });
  const globals = globalOptions(parsed.flags);
  assert.equal(globals.root, '/r');
  assert.equal(globals.logFormat, 'json');
  assert.equal(globals.log, '/l.json');
  assert.equal(globals.debug, true);
  assert.equal(globals.rootless, 'auto');
  // A command flag before the subcommand is not a global flag.
  assert.throws(() => parseArgs(['--all', 'kill'], GLOBAL_FLAGS, { interspersed: false }), /--all/);
});

test('global options: --systemd-cgroup, --rootless values, --criu accepted, bad --log-format', () => {
  const parse = (argv: string[]) => globalOptions(parseArgs(argv, GLOBAL_FLAGS, { interspersed: false }).flags);
  assert.equal(parse(['--systemd-cgroup']).systemdCgroup, true);
  assert.equal(parse(['--rootless', 'true']).rootless, 'true');
  assert.equal(parse(['--rootless=false']).rootless, 'false');
  assert.equal(parse(['--criu', '/usr/sbin/criu']).systemdCgroup, false);
  assert.throws(() => parse(['--rootless', 'sometimes']), /--rootless/);
  assert.throws(() => parse(['--log-format', 'xml']), /invalid value "xml" for flag --log-format/);
  assert.ok(parse([]).root.startsWith('/'), 'default root is absolute');
  assert.equal(parse(['--root', 'rel']).root, `${process.cwd()}/rel`);
});

test('create flags as conmon and the containerd shim send them', () => {
  const parsed = parseArgs(
    ['--bundle', '/b', '--pid-file=/p', '--console-socket', '/s', '--preserve-fds', '2', '--no-pivot', '--no-new-keyring', 'id'],
    CREATE_FLAGS,
    { interspersed: true },
  );
  assert.deepEqual(parsed.positionals, ['id']);
  assert.equal(parsed.flags['pid-file'], '/p');
  assert.equal(countFlag(parsed.flags, 'preserve-fds'), 2);
  assert.equal(parsed.flags['no-pivot'], true);
  assert.equal(parsed.flags['no-new-keyring'], true);
  assert.throws(() => countFlag({ 'preserve-fds': '-1' }, 'preserve-fds'), /non-negative integer/);
  assert.throws(() => countFlag({ 'preserve-fds': 'x' }, 'preserve-fds'), /non-negative integer/);
  assert.equal(countFlag({}, 'preserve-fds'), undefined);
});

test('kill: --all and -a, signal as number, bare name and SIG name', () => {
  for (const argv of [['--all', 'id', '9'], ['-a', 'id', '9'], ['id', '9', '--all'], ['-all=true', 'id', '9']]) {
    const parsed = parseArgs(argv, killCommand.flags, { interspersed: true });
    assert.equal(parsed.flags.all, true, argv.join(' '));
    assert.deepEqual(parsed.positionals, ['id', '9']);
  }
  assert.equal(parseSignal('9'), 9);
  assert.equal(parseSignal('KILL'), 9);
  assert.equal(parseSignal('SIGKILL'), 9);
  assert.equal(parseSignal('TERM'), 15);
  assert.equal(parseSignal('15'), 15);
  assert.throws(() => parseSignal('NOPE'), /invalid signal/);
});

test('parseBool and choiceFlag', () => {
  assert.equal(parseBool('TRUE'), true);
  assert.equal(parseBool('0'), false);
  assert.equal(parseBool('yes'), undefined);
  assert.equal(choiceFlag({}, 'format', ['table', 'json'], 'table'), 'table');
  assert.equal(choiceFlag({ format: 'json' }, 'format', ['table', 'json'], 'table'), 'json');
  assert.throws(() => choiceFlag({ format: 'yaml' }, 'format', ['table', 'json'], 'table'), /must be one of table, json/);
});

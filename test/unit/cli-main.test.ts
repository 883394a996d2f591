import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../lib/cli/main';
import { defaultSpec } from '../../lib/config/default-spec';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-cli-main-'));
const root = path.join(tmp, 'root');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs main() in-process, capturing stdout, stderr and log files. */
async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, {
    out: (t) => (out += t),
    logSinks: { stderr: (t) => (err += t), appendFile: (f, t) => fs.appendFileSync(f, t), now: () => new Date() },
  });
  return { code, out, err };
}

test('--version and -v print the package and spec versions', async () => {
  const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-v', '-version']) {
    const r = await cli(flag);
    assert.equal(r.code, 0);
    assert.match(r.out, new RegExp(`^kapsel version ${pkg.version.replace(/\./g, '\\.')}\nspec: 1\\.3\\.0\n`));
  }
});

test('help: no arguments, --help, help COMMAND, COMMAND --help and -h', async () => {
  for (const argv of [[], ['--help'], ['-h']]) {
    const r = await cli(...argv);
    assert.equal(r.code, 0);
    assert.match(r.out, /COMMANDS:[\s\S]*create[\s\S]*GLOBAL OPTIONS:[\s\S]*--root/);
  }
  for (const argv of [['help', 'create'], ['create', '--help'], ['create', '-h'], ['--root', root, 'kill', '-help']]) {
    const r = await cli(...argv);
    assert.equal(r.code, 0, argv.join(' '));
    assert.match(r.out, /USAGE:\n   kapsel (create|kill) /);
    assert.equal(r.err, '');
  }
});

test('unknown command and unknown flag: exit 1 naming them', async () => {
  let r = await cli('frobnicate');
  assert.equal(r.code, 1);
  assert.match(r.err, /unknown command "frobnicate"/);
  r = await cli('--root', root, 'list', '--frob');
  assert.equal(r.code, 1);
  assert.match(r.err, /flag provided but not defined: --frob/);
  r = await cli('--frob', 'list');
  assert.equal(r.code, 1);
  assert.match(r.err, /--frob/);
});

test('unimplemented commands fail, even with --help (checkpoint --help must not exit 0)', async () => {
  for (const name of ['checkpoint', 'restore']) {
    const r = await cli(name, 'x');
    assert.equal(r.code, 1, name);
    assert.equal(r.err, `kapsel: ${name}: not supported yet\n`);
  }
  const r = await cli('checkpoint', '--help');
  assert.notEqual(r.code, 0);
});

test('argument counts are checked with runc\'s wording', async () => {
  let r = await cli('--root', root, 'start');
  assert.equal(r.code, 1);
  assert.match(r.err, /"start" requires exactly 1 argument\(s\)/);
  r = await cli('--root', root, 'kill');
  assert.match(r.err, /"kill" requires a minimum of 1 argument\(s\)/);
  r = await cli('--root', root, 'kill', 'a', 'b', 'c');
  assert.match(r.err, /"kill" requires a maximum of 2 argument\(s\)/);
});

test('spec writes runc\'s tab-indented config.json and refuses to overwrite it', async () => {
  const bundle = fs.mkdtempSync(path.join(tmp, 'spec-'));
  let r = await cli('spec', '--bundle', bundle);
  assert.equal(r.code, 0);
  assert.equal(r.out, '');
  const text = fs.readFileSync(path.join(bundle, 'config.json'), 'utf8');
  assert.equal(text, JSON.stringify(defaultSpec({ rootless: false }), null, '\t'));
  r = await cli('spec', '-b', bundle);
  assert.equal(r.code, 1);
  assert.equal(r.err, 'kapsel: File config.json exists. Remove it first\n');
  assert.equal(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8'), text);

  const rootless = fs.mkdtempSync(path.join(tmp, 'spec-rootless-'));
  r = await cli('spec', '--rootless', `--bundle=${rootless}`);
  assert.equal(r.code, 0);
  const spec = JSON.parse(fs.readFileSync(path.join(rootless, 'config.json'), 'utf8'));
  assert.ok(spec.linux.namespaces.some((n: { type: string }) => n.type === 'user'));
  assert.deepEqual(spec.linux.uidMappings, [{ containerID: 0, hostID: process.geteuid!(), size: 1 }]);

  r = await cli('spec', '--bundle', path.join(tmp, 'missing-dir'));
  assert.equal(r.code, 1);
  assert.match(r.err, /no such file or directory/);
});

test('features prints the Features JSON with 4-space indentation', async () => {
  const r = await cli('features');
  assert.equal(r.code, 0);
  const f = JSON.parse(r.out);
  assert.equal(f.ociVersionMax, '1.3.0');
  assert.match(r.out, /^\{\n {4}"ociVersionMin": "1\.0\.0",\n/);
});

test('list on an empty root: header, nothing with -q, null in JSON', async () => {
  let r = await cli('--root', root, 'list');
  assert.equal(r.code, 0);
  assert.equal(r.out, 'ID          PID         STATUS      BUNDLE      CREATED     OWNER\n');
  r = await cli('--root', root, 'list', '-q');
  assert.equal(r.out, '');
  r = await cli('--root', root, 'list', '--format', 'json');
  assert.equal(r.out, 'null\n');
  r = await cli('--root', root, 'list', '-f', 'yaml');
  assert.equal(r.code, 1);
});

test('a missing container: state/kill/delete fail with "does not exist", delete --force succeeds', async () => {
  for (const argv of [['state', 'ghost'], ['kill', 'ghost'], ['kill', 'ghost', 'KILL'], ['delete', 'ghost'], ['start', 'ghost']]) {
    const r = await cli('--root', root, ...argv);
    assert.equal(r.code, 1, argv.join(' '));
    assert.match(r.err, /does not exist/);
  }
  for (const argv of [['delete', '--force', 'ghost'], ['delete', '-f', 'ghost'], ['delete', 'ghost', '--force']]) {
    const r = await cli('--root', root, ...argv);
    assert.equal(r.code, 0, argv.join(' '));
    assert.equal(r.out + r.err, '');
  }
});

test('invalid ids and signals are rejected', async () => {
  for (const id of ['a/b', '..', '.']) {
    const r = await cli('--root', root, 'state', id);
    assert.equal(r.code, 1);
    assert.match(r.err, /invalid container id/);
  }
  const r = await cli('--root', root, 'kill', 'ghost', 'SIGNOPE');
  assert.equal(r.code, 1);
  assert.match(r.err, /invalid signal/);
});

test('--log FILE --log-format json: exactly one JSON error line on failure, nothing on success', async () => {
  const log = path.join(tmp, 'log.json');
  let r = await cli('--root', root, '--log', log, '--log-format=json', 'state', 'ghost');
  assert.equal(r.code, 1);
  const entry = JSON.parse(fs.readFileSync(log, 'utf8'));
  assert.equal(entry.level, 'error');
  assert.match(entry.msg, /does not exist/);
  assert.ok(!Number.isNaN(Date.parse(entry.time)));
  fs.rmSync(log);
  r = await cli('--root', root, '--log', log, '--log-format=json', 'list');
  assert.equal(r.code, 0);
  // Created at start, as runc does, and left empty.
  assert.equal(fs.readFileSync(log, 'utf8'), '');
});

test('--log with a path that cannot be opened fails the command (exit 1) and says why on stderr', async () => {
  const r = await cli('--root', root, '--log', 'invalid:/path', '--log-format=json', 'list');
  assert.equal(r.code, 1);
  assert.match(r.err, /cannot open log file invalid:\/path/);
  assert.equal(r.out, '');
});

test('plan prints the launch plan of a bundle as text or JSON; a missing bundle fails', async () => {
  const bundle = fs.mkdtempSync(path.join(tmp, 'plan-'));
  fs.mkdirSync(path.join(bundle, 'rootfs'));
  const spec = defaultSpec({ rootless: false });
  spec.process!.args = ['/hello'];
  spec.process!.terminal = false;
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec));
  let r = await cli('plan', '--bundle', bundle);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^new namespaces: /);
  assert.match(r.out, /steps:\n/);
  r = await cli('plan', '-b', bundle, '--format', 'json');
  assert.equal(r.code, 0, r.err);
  const plan = JSON.parse(r.out);
  assert.ok(Array.isArray(plan.steps) && plan.steps.length > 0);
  r = await cli('plan', '-b', path.join(tmp, 'no-such-bundle'));
  assert.equal(r.code, 1);
  assert.match(r.err, /no such file or directory/);
});

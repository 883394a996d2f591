// `kapsel validate`: the real bin/kapsel on a bundle, a file and stdin,
// text and --json, its exit statuses and usage errors. Needs no root: each
// case runs as the user running the tests and, when that is root, also as
// the unprivileged kapsel-test user (test/helpers/user.ts).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultSpec } from '../../lib/config/default-spec';
import { REPO_ROOT } from '../helpers/bundle';
import { runAs, TEST_USER_NAME, userReadableRepo } from '../helpers/user';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-cli-validate-'));
// kapsel-test reads what the cases write here.
fs.chmodSync(tmp, 0o755);
const repo = process.getuid!() === 0 ? userReadableRepo() : undefined;
after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
  repo?.release();
});

/** Who runs bin/kapsel: this process's user, and kapsel-test when that is root. */
const RUNNERS: Array<{ who: string; run(args: string[], options?: { input?: string; cwd?: string }): Result }> = [
  {
    who: `uid ${process.getuid!()}`,
    run(args, options = {}) {
      const res = spawnSync(path.join(REPO_ROOT, 'bin', 'kapsel'), args, { encoding: 'utf8', cwd: options.cwd ?? tmp, input: options.input ?? '', timeout: 60_000 });
      if (res.error) throw res.error;
      return { status: res.status, stdout: res.stdout, stderr: res.stderr };
    },
  },
  ...(repo
    ? [
        {
          who: TEST_USER_NAME,
          run(args: string[], options: { input?: string; cwd?: string } = {}): Result {
            const bin = path.join(repo.dir, 'bin', 'kapsel');
            const res = runAs(TEST_USER_NAME, ['sh', '-c', 'cd "$0" && exec "$@"', options.cwd ?? tmp, bin, ...args], {}, 60_000, options.input ?? '');
            return { status: res.status, stdout: res.stdout, stderr: res.stderr };
          },
        },
      ]
    : []),
];

function base(): Json {
  const s: Json = structuredClone(defaultSpec({ rootless: false, cgroupNamespace: false }));
  s.process.terminal = false;
  return s;
}

let files = 0;
/** A file in a directory of its own (no rootfs next to it), readable by everyone. */
function writeConfig(value: unknown, name = 'config.json'): string {
  const dir = path.join(tmp, `case-${files++}`);
  fs.mkdirSync(dir, { mode: 0o755 });
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2), { mode: 0o644 });
  return file;
}

/** A config with three independent errors. */
function broken(): Json {
  const s = base();
  s.process.args = [];
  s.process.capabilities.bounding.push('CAP_NOPE');
  s.mounts.push({ destination: '/x', type: 'bind', source: '/tmp', options: ['rbind', 'tmpcopyup'] });
  return s;
}
const BROKEN_PATHS = ['/process/args', `/process/capabilities/bounding/${base().process.capabilities.bounding.length}`, `/mounts/${base().mounts.length}/options`];

for (const runner of RUNNERS) {
  const as = ` (as ${runner.who})`;

  test(`a valid bundle in the current directory: exit 0, "valid", the rootfs's checks listed as skipped${as}`, () => {
    const dir = path.dirname(writeConfig(base()));
    const res = runner.run(['validate'], { cwd: dir });
    assert.equal(res.status, 0, res.stderr + res.stdout);
    assert.match(res.stdout, /config\.json: valid \(0 errors, 0 warnings\)\n$/);
    assert.match(res.stdout, /skipped: rootfs: rootfs \S+\/rootfs: no such file or directory/);
    assert.equal(res.stderr, '');
    // --bundle names the same directory from elsewhere.
    assert.equal(runner.run(['validate', '--bundle', dir]).status, 0);
  });

  test(`a FILE with several errors: each on its own line with its JSON path, exit 1${as}`, () => {
    const file = writeConfig(broken(), 'generated.json');
    const res = runner.run(['validate', file]);
    assert.equal(res.status, 1, res.stderr + res.stdout);
    for (const at of BROKEN_PATHS) assert.match(res.stdout, new RegExp(`^${file.replace(/[.]/g, '\\.')}: error: ${at}: `, 'm'), res.stdout);
    assert.match(res.stdout, /: invalid \(3 errors, 0 warnings\)\n$/);
  });

  test(`"-" reads standard input; --json prints the report for machines${as}`, () => {
    const res = runner.run(['validate', '--json', '-'], { input: JSON.stringify(broken()) });
    assert.equal(res.status, 1, res.stderr);
    const report = JSON.parse(res.stdout) as Json;
    assert.equal(report.file, '<stdin>');
    assert.equal(report.valid, false);
    assert.deepEqual(report.errors.map((e: Json) => e.path), BROKEN_PATHS);
    for (const e of report.errors) assert.equal(e.code, 'ERR_INVALID_CONFIG');
    assert.deepEqual(report.warnings, []);
    // Standard input has no directory: no rootfs to look at, and the report says so.
    const valid = JSON.parse(runner.run(['validate', '--json', '-'], { input: JSON.stringify(base()) }).stdout) as Json;
    assert.equal(valid.valid, true);
    assert.match(valid.skipped.find((k: Json) => k.check === 'rootfs').reason, /no bundle or rootfs given/);
  });

  test(`warnings alone keep exit 0: a key in another case, a deprecated prestart hook${as}`, () => {
    const s = base();
    s.hooks = { postStop: [{ path: '/bin/true' }], prestart: [{ path: '/bin/true' }] };
    const file = writeConfig(s);
    const res = runner.run(['validate', file]);
    assert.equal(res.status, 0, res.stdout);
    assert.match(res.stdout, /warning: \/hooks\/postStop: read as "poststop"/);
    assert.match(res.stdout, /warning: \/hooks\/prestart: prestart hooks are deprecated/);
    assert.match(res.stdout, /valid \(0 errors, 2 warnings\)/);
    const json = JSON.parse(runner.run(['validate', '--json', file]).stdout) as Json;
    assert.deepEqual(json.warnings.map((w: Json) => [w.path, w.code]), [['/hooks/postStop', 'key-case'], ['/hooks/prestart', 'deprecated']]);
  });

  test(`text that is not JSON is one error at "/", with where the syntax breaks${as}`, () => {
    const res = runner.run(['validate', writeConfig('{"ociVersion": "1.0.2",\n  oops}')]);
    assert.equal(res.status, 1);
    assert.match(res.stdout, /error: \/: invalid JSON: .*line 2/);
  });

  test(`usage errors and unreadable files fail as the CLI fails elsewhere: a message on stderr, exit 1${as}`, () => {
    const file = writeConfig(base());
    const cases: Array<[string[], RegExp]> = [
      [['validate', '--bundle', path.dirname(file), file], /validate takes --bundle DIR or FILE, not both/],
      [['validate', file, file], /"validate" requires a maximum of 1 argument\(s\)/],
      [['validate', '--nope'], /flag provided but not defined: --nope/],
      [['validate', path.join(tmp, 'missing.json')], /open \S+missing\.json: no such file or directory/],
      [['validate', '--bundle', path.join(tmp, 'no-bundle')], /no such file or directory/],
    ];
    for (const [args, message] of cases) {
      const res = runner.run(args);
      assert.equal(res.status, 1, `${args.join(' ')}: ${res.stdout}`);
      assert.equal(res.stdout, '');
      assert.match(res.stderr, message);
    }
  });

  test(`help lists validate with its flags${as}`, () => {
    assert.match(runner.run(['--help']).stdout, /^ {3}validate +check a config\.json/m);
    const help = runner.run(['validate', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /kapsel validate \[command options\] \[FILE \| -\]/);
    assert.match(help.stdout, /--json/);
    assert.match(help.stdout, /--bundle DIR, -b DIR/);
  });
}

test('a field this host cannot apply for the user running validate is a warning (an id-mapped mount: refused to a rootless runtime)', () => {
  const s = base();
  s.linux.namespaces.push({ type: 'user' });
  s.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  s.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  s.mounts.push({ destination: '/data', type: 'bind', source: '/tmp', options: ['rbind', 'idmap'] });
  const file = writeConfig(s);
  for (const runner of RUNNERS) {
    const res = runner.run(['validate', '--json', file]);
    assert.equal(res.status, 0, `${runner.who}: ${res.stderr}`);
    const report = JSON.parse(res.stdout) as Json;
    const refused = report.warnings.filter((w: Json) => w.code === 'ERR_NOT_SUPPORTED');
    if (runner.who === TEST_USER_NAME || process.getuid!() !== 0) {
      assert.deepEqual(refused.map((w: Json) => w.path), [`/mounts/${s.mounts.length - 1}/options`], runner.who);
      assert.match(refused[0].message, /unprivileged \(rootless\) runtime/);
    } else {
      assert.deepEqual(refused, [], 'root may make id-mapped mounts');
    }
  }
});

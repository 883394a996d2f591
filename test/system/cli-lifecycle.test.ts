/**
 * The runc-compatible command line end to end, through the real bin/kapsel
 * as an engine runs it: a static hello-world bundle made with `kapsel spec`,
 * the create/start/state/list/delete workflow with hooks, run (foreground
 * and detached), kill in every signal form, error cases engines parse, the
 * JSON log, and calls with an empty environment. Needs root.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BIN = path.resolve(__dirname, '..', '..', '..', 'bin', 'kapsel');
const skip = process.getuid!() !== 0 ? 'needs root (real namespaces and mounts)' : false;

let tmp = '';
let root = '';
/** Every id a test created, deleted with --force in after(). */
const ids = new Set<string>();

const SOURCES: Record<string, string> = {
  'hello-world': '#include <stdio.h>\nint main(void) { puts("Hello World"); return 0; }\n',
  'exit-with': '#include <stdlib.h>\nint main(int argc, char **argv) { return argc > 1 ? atoi(argv[1]) : 0; }\n',
  // Runs until killed: pid 1 of its namespace ignores signals it has no handler for, except SIGKILL.
  'sleeper': '#include <unistd.h>\nint main(void) { for (;;) pause(); }\n',
};

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs bin/kapsel with --root; `env` replaces the environment when given. */
function kapsel(args: string[], options: { env?: NodeJS.ProcessEnv; global?: string[] } = {}): Result {
  const res = spawnSync(BIN, [...(options.global ?? []), '--root', root, ...args], {
    encoding: 'utf8',
    env: options.env ?? process.env,
    timeout: 60_000,
  });
  if (res.error) throw res.error;
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/**
 * Runs bin/kapsel with stdout and stderr in files. For create and run -d:
 * their stdio becomes the container's, so pipes would stay open (and
 * spawnSync waiting) as long as the container lives.
 */
function kapselToFiles(args: string[], name: string): { status: number | null; out: string; err: string } {
  const out = path.join(tmp, `${name}.out`);
  const err = path.join(tmp, `${name}.err`);
  const outFd = fs.openSync(out, 'w');
  const errFd = fs.openSync(err, 'w');
  try {
    const res = spawnSync(BIN, ['--root', root, ...args], { stdio: ['ignore', outFd, errFd], timeout: 60_000 });
    if (res.error) throw res.error;
    return { status: res.status, out, err };
  } finally {
    fs.closeSync(outFd);
    fs.closeSync(errFd);
  }
}

function state(id: string): { status: string; pid: number } & Record<string, unknown> {
  const res = kapsel(['state', id]);
  assert.equal(res.status, 0, `state ${id}: ${res.stderr}`);
  return JSON.parse(res.stdout);
}

/** Polls `state` until the container has `status`; a container not created yet counts as "missing". */
async function waitForStatus(id: string, status: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = kapsel(['state', id]);
    const current = res.status === 0 ? (JSON.parse(res.stdout) as { status: string }).status : 'missing';
    if (current === status) return;
    if (Date.now() > deadline) assert.fail(`container ${id} is ${current}, expected ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface Bundle {
  dir: string;
  createHook: string;
  poststopHook: string;
}

/** A bundle from `kapsel spec`, running `args`, with createContainer and poststop hooks touching per-bundle files. */
function makeBundle(name: string, args: string[]): Bundle {
  const dir = path.join(tmp, name);
  fs.mkdirSync(path.join(dir, 'rootfs'), { recursive: true });
  for (const program of Object.keys(SOURCES)) {
    fs.copyFileSync(path.join(tmp, 'bin', program), path.join(dir, 'rootfs', program));
    fs.chmodSync(path.join(dir, 'rootfs', program), 0o755);
  }
  const res = spawnSync(BIN, ['spec', '--bundle', dir], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.stdout, '');
  const touch = ['/usr/bin/touch', '/bin/touch'].find((p) => fs.existsSync(p))!;
  const bundle = { dir, createHook: path.join(dir, 'createContainerHook'), poststopHook: path.join(dir, 'postStopHook') };
  const file = path.join(dir, 'config.json');
  const spec = JSON.parse(fs.readFileSync(file, 'utf8'));
  spec.process.args = args;
  spec.process.terminal = false;
  spec.hooks = {
    createContainer: [{ path: touch, args: ['touch', bundle.createHook] }],
    poststop: [{ path: touch, args: ['touch', bundle.poststopHook] }],
  };
  fs.writeFileSync(file, JSON.stringify(spec, null, '\t'));
  return bundle;
}

/** Parses the list table into rows of cells (cells never contain spaces here). */
function listRows(): string[][] {
  const res = kapsel(['list']);
  assert.equal(res.status, 0, res.stderr);
  const lines = res.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^ID {2,}PID {9,}STATUS {6,}BUNDLE {6,}CREATED {5,}OWNER$/);
  return lines.slice(1).map((l) => l.trim().split(/\s+/));
}

function newId(prefix: string): string {
  const id = `${prefix}-${process.pid}`;
  ids.add(id);
  return id;
}

describe('kapsel CLI lifecycle', { skip }, () => {
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-cli-test-'));
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-cli-root-'));
    fs.mkdirSync(path.join(tmp, 'bin'));
    for (const [name, source] of Object.entries(SOURCES)) {
      const c = path.join(tmp, `${name}.c`);
      fs.writeFileSync(c, source);
      const res = spawnSync('gcc', ['-static', '-O2', '-o', path.join(tmp, 'bin', name), c], { encoding: 'utf8' });
      assert.equal(res.status, 0, `gcc -static ${name}.c failed (apt-get install gcc libc6-dev): ${res.error ?? res.stderr}`);
    }
  });

  after(() => {
    if (!tmp) return;
    for (const id of ids) kapsel(['delete', '--force', id]);
    const left = fs.existsSync(root) ? fs.readdirSync(root) : [];
    const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(tmp) || l.includes(root));
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(root, { recursive: true, force: true });
    assert.deepEqual(left, [], 'state directories left under --root');
    assert.deepEqual(mounts, [], 'mounts left behind');
  });

  test('create, list, state, start, state, delete (the seed workflow)', async () => {
    const bundle = makeBundle('hello', ['/hello-world']);
    const id = newId('hello');
    const pidFile = path.join(tmp, 'hello.pid');

    const created = kapselToFiles(['create', '--bundle', bundle.dir, '--pid-file', pidFile, id], 'hello-create');
    assert.equal(created.status, 0, fs.readFileSync(created.err, 'utf8'));
    assert.equal(fs.readFileSync(created.err, 'utf8'), '');
    assert.equal(fs.readFileSync(created.out, 'utf8'), '', 'create prints nothing');

    const pidText = fs.readFileSync(pidFile, 'utf8');
    assert.match(pidText, /^[1-9]\d*$/, 'pid file: the pid without a newline');
    const pid = Number(pidText);

    const rows = listRows();
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0]!.slice(0, 4), [id, String(pid), 'created', bundle.dir]);
    assert.equal(kapsel(['list', '-q']).stdout, `${id}\n`);

    const s = state(id);
    assert.equal(s.status, 'created');
    assert.equal(s.pid, pid);
    assert.equal(s.id, id);
    assert.equal(s.bundle, bundle.dir);
    assert.ok(fs.existsSync(`/proc/${pid}`));
    assert.ok(fs.existsSync(bundle.createHook), 'createContainer hook ran at create');
    assert.ok(!fs.existsSync(bundle.poststopHook), 'poststop hook has not run yet');

    const started = kapsel(['start', id]);
    assert.equal(started.status, 0, started.stderr);
    assert.equal(started.stdout, '', 'the container writes to create\'s stdout, not start\'s');
    await waitForStatus(id, 'stopped');
    assert.equal(state(id).pid, 0);
    assert.equal(fs.readFileSync(created.out, 'utf8'), 'Hello World\n');
    assert.deepEqual(listRows()[0]!.slice(0, 3), [id, '0', 'stopped']);

    const deleted = kapsel(['delete', id]);
    assert.equal(deleted.status, 0, deleted.stderr);
    assert.equal(deleted.stdout + deleted.stderr, '');
    assert.ok(fs.existsSync(bundle.poststopHook), 'poststop hook ran at delete');
    assert.deepEqual(listRows(), []);
    assert.equal(kapsel(['list', '--format', 'json']).stdout, 'null\n');
  });

  test('run in the foreground: the container\'s output and exit code, then it is deleted', () => {
    const hello = makeBundle('run-hello', ['/hello-world']);
    const id = newId('run-hello');
    let res = spawnSync(BIN, ['--root', root, 'run', '-b', hello.dir, id], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stdout, 'Hello World\n');
    assert.ok(fs.existsSync(hello.poststopHook), 'run deletes the container: poststop ran');
    assert.match(kapsel(['state', id]).stderr, /does not exist/);

    const three = makeBundle('run-exit', ['/exit-with', '3']);
    const id3 = newId('run-exit');
    res = spawnSync(BIN, ['--root', root, 'run', '--bundle', three.dir, id3], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(res.status, 3, res.stderr);
    assert.equal(kapsel(['state', id3]).status, 1);
  });

  test('a container\'s life through the CLI loads none of the costly built-ins: create, start, exec, delete, run', () => {
    // Each CLI call is a fresh Node: a built-in outside Node's start-up
    // snapshot (the streams, net, crypto, perf_hooks, child_process) costs
    // every call of an engine milliseconds. A preload notes what each call
    // loaded; with no hooks in the config, none of them is needed.
    const costly = /^NativeModule (stream|net|crypto|perf_hooks|child_process|internal\/(streams|perf|crypto)\/)/;
    const record = path.join(tmp, 'lean-modules.jsonl');
    const preload = path.join(tmp, 'lean-preload.js');
    fs.writeFileSync(
      preload,
      `const before = new Set(process.moduleLoadList);
      process.on('exit', () => {
        const loaded = process.moduleLoadList.filter((m) => !before.has(m) && ${costly}.test(m));
        require('node:fs').appendFileSync(${JSON.stringify(record)}, JSON.stringify({ argv: process.argv.slice(2), loaded }) + '\\n');
      });`,
    );
    const env = { ...process.env, NODE_OPTIONS: `--require ${preload}` };
    const lean = (name: string, args: string[]): string => {
      const bundle = makeBundle(name, args);
      const file = path.join(bundle.dir, 'config.json');
      const spec = JSON.parse(fs.readFileSync(file, 'utf8'));
      delete spec.hooks;
      fs.writeFileSync(file, JSON.stringify(spec));
      return bundle.dir;
    };
    const call = (args: string[]): void => {
      // Files, not pipes: a created container keeps the caller's stdio.
      const out = fs.openSync(path.join(tmp, 'lean.out'), 'w');
      try {
        const res = spawnSync(BIN, ['--root', root, ...args], { env, stdio: ['ignore', out, out], timeout: 60_000 });
        assert.equal(res.status, 0, `${args.join(' ')}: ${fs.readFileSync(path.join(tmp, 'lean.out'), 'utf8')}`);
      } finally {
        fs.closeSync(out);
      }
    };
    const sleeper = lean('lean-sleeper', ['/sleeper']);
    const id = newId('lean');
    call(['create', '--bundle', sleeper, id]);
    call(['start', id]);
    call(['exec', id, '/hello-world']);
    call(['delete', '--force', id]);
    call(['run', '--bundle', lean('lean-hello', ['/hello-world']), newId('lean-run')]);
    const calls = fs
      .readFileSync(record, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { argv: string[]; loaded: string[] });
    assert.deepEqual(
      calls.map((c) => c.argv[2]),
      ['create', 'start', 'exec', 'delete', 'run'],
    );
    for (const c of calls) assert.deepEqual(c.loaded, [], c.argv.join(' '));
  });

  test('run in the foreground exits 128+9 when the container is killed with SIGKILL', async () => {
    const bundle = makeBundle('run-killed', ['/sleeper']);
    const id = newId('run-killed');
    const child = spawn(BIN, ['--root', root, 'run', '-b', bundle.dir, id], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitForStatus(id, 'running');
      assert.equal(kapsel(['kill', id, 'KILL']).status, 0);
      assert.equal(await exited, 137);
    } finally {
      child.kill('SIGKILL');
    }
    assert.match(kapsel(['state', id]).stderr, /does not exist/);
  });

  test('run -d leaves the container running; kill with KILL, 9, SIGKILL and --all 9 stops it', async () => {
    const bundle = makeBundle('detached', ['/sleeper']);
    for (const [n, signal] of [['KILL'], ['9'], ['SIGKILL'], ['-a', '9'], ['--all', 'SIGKILL']].entries()) {
      const id = newId(`detached-${n}`);
      const res = kapselToFiles(['run', '-d', '--bundle', bundle.dir, id], `detached-${n}`);
      assert.equal(res.status, 0, fs.readFileSync(res.err, 'utf8'));
      assert.equal(state(id).status, 'running');
      const args = signal.length === 1 ? ['kill', id, signal[0]!] : ['kill', signal[0]!, id, signal[1]!];
      const killed = kapsel(args);
      assert.equal(killed.status, 0, `${args.join(' ')}: ${killed.stderr}`);
      await waitForStatus(id, 'stopped');
      const again = kapsel(['kill', id, 'KILL']);
      assert.equal(again.status, 1);
      assert.match(again.stderr, /container not running/);
      assert.equal(kapsel(['delete', id]).status, 0);
    }
  });

  test('delete --force of a running container, and of a missing one, exits 0', () => {
    const bundle = makeBundle('forced', ['/sleeper']);
    const id = newId('forced');
    assert.equal(kapselToFiles(['run', '-d', '-b', bundle.dir, id], 'forced').status, 0);
    const refused = kapsel(['delete', id]);
    assert.equal(refused.status, 1, 'plain delete of a running container fails');
    assert.equal(state(id).status, 'running');
    const forced = kapsel(['delete', '--force', id]);
    assert.equal(forced.status, 0, forced.stderr);
    assert.ok(fs.existsSync(bundle.poststopHook));
    const missing = kapsel(['delete', '--force', id]);
    assert.equal(missing.status, 0);
    assert.equal(missing.stdout + missing.stderr, '');
  });

  test('state, kill and delete of a missing container exit 1 with "does not exist"', () => {
    for (const args of [['state', 'nothing-here'], ['kill', 'nothing-here'], ['kill', 'nothing-here', '9'], ['delete', 'nothing-here']]) {
      const res = kapsel(args);
      assert.equal(res.status, 1, args.join(' '));
      assert.match(res.stderr, /does not exist/);
    }
  });

  test('create of an existing id fails and leaves the existing container alone; bad ids fail', () => {
    const bundle = makeBundle('dup', ['/hello-world']);
    const id = newId('dup');
    assert.equal(kapselToFiles(['create', '-b', bundle.dir, id], 'dup-1').status, 0);
    const pid = state(id).pid;
    const second = kapselToFiles(['create', '-b', bundle.dir, id], 'dup-2');
    assert.equal(second.status, 1);
    assert.match(fs.readFileSync(second.err, 'utf8'), /already exists/);
    assert.deepEqual([state(id).status, state(id).pid], ['created', pid]);
    assert.equal(kapsel(['delete', '--force', id]).status, 0);

    for (const bad of ['a/b', '..']) {
      const res = kapselToFiles(['create', '-b', bundle.dir, bad], 'bad-id');
      assert.equal(res.status, 1, bad);
      assert.match(fs.readFileSync(res.err, 'utf8'), /invalid container id/);
    }
    assert.deepEqual(fs.readdirSync(root), []);
  });

  test('--log FILE --log-format json: exactly one JSON error line on failure', () => {
    const log = path.join(tmp, 'log.json');
    const res = kapsel(['create', '--bundle', path.join(tmp, 'no-such-bundle'), newId('nobundle')], {
      global: ['--log', log, '--log-format=json'],
    });
    assert.equal(res.status, 1);
    const text = fs.readFileSync(log, 'utf8');
    assert.equal(text.trimEnd().split('\n').length, 1, text);
    const entry = JSON.parse(text);
    assert.equal(entry.level, 'error');
    assert.match(entry.msg, /no such file or directory/);
    assert.ok(!Number.isNaN(Date.parse(entry.time)));
  });

  test('state, kill and delete work with an empty environment (no PATH, no HOME)', async () => {
    const bundle = makeBundle('noenv', ['/sleeper']);
    const id = newId('noenv');
    assert.equal(kapselToFiles(['create', '-b', bundle.dir, id], 'noenv').status, 0);
    const env = {};
    let res = kapsel(['state', id], { env });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(JSON.parse(res.stdout).status, 'created');
    res = kapsel(['kill', id, 'KILL'], { env });
    assert.equal(res.status, 0, res.stderr);
    await waitForStatus(id, 'stopped');
    res = kapsel(['delete', id], { env });
    assert.equal(res.status, 0, res.stderr);
    assert.ok(fs.existsSync(bundle.poststopHook));
    res = kapsel(['delete', '--force', id], { env });
    assert.equal(res.status, 0, res.stderr);
  });

  test('leaves no state directory and no mount behind', () => {
    assert.deepEqual(fs.readdirSync(root), [], 'state directories under --root');
    const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(tmp));
    assert.deepEqual(mounts, []);
  });
});

// stdio like child_process.spawn (issue 20, item 1): 'pipe' gives streams
// that carry a container's output byte for byte with back-pressure intact,
// and its input; 'ignore' is /dev/null, seen from inside; a stream with an
// fd is passed as that fd; a terminal config without a console socket gives
// c.terminal, a Duplex on the pty master whose resize() the process sees.
// A wrong value is a typed error that leaves nothing, never a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Container, collectOutput } from '../../lib';
import { native } from '../../lib/native/addon';
import { childProcesses } from '../helpers/leaks';
import type { ProbeReport } from '../helpers/run';
import { uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';

const suite = systemSuite();
const { skip } = suite;

function probeBundle(args: string[], edit?: (rootfs: string) => void) {
  return suite.bundle({
    edit: (s, paths) => {
      s.process!.args = args;
      edit?.(paths.rootfs);
    },
  });
}

/** What the process's task is blocked in (the kernel's wait channel). */
function waitChannel(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/wchan`, 'utf8');
  } catch {
    return '';
  }
}

test("'pipe': several MB of stdout arrive exactly, and the container waits while nobody reads", { skip }, async () => {
  const data = crypto.randomBytes(8 * 1024 * 1024);
  const b = probeBundle(['/probe', 'cat', '/big'], (rootfs) => fs.writeFileSync(path.join(rootfs, 'big'), data));
  const c = await Container.create({ id: uniqueId(), bundle: b.dir, root: suite.root, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    assert.ok(c.stdout && c.stderr, 'stdout and stderr are streams');
    assert.equal(c.stdin, null);
    c.stdout.pause();
    await c.start();
    // Nobody reads: the process must end up blocked writing to its stdout
    // (the socket is full), not run to its end with everything buffered here.
    while (!/unix_stream|sock_alloc|wait_for|sk_stream/.test(waitChannel(c.pid))) {
      assert.equal(c.state().status, 'running', 'the process did not finish while its output was unread');
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(c.state().status, 'running');
    assert.ok(c.stdout.readableLength < data.length / 4, `buffered here: ${c.stdout.readableLength}`);
    const [out, err] = await Promise.all([collectOutput(c.stdout), collectOutput(c.stderr)]);
    assert.deepEqual(await c.wait(), { exitCode: 0, signal: null });
    assert.equal(err.length, 0, err.toString());
    assert.equal(out.length, data.length);
    assert.ok(out.equals(data), 'the same bytes');
  } finally {
    await c.delete({ force: true });
  }
});

test("'pipe' as a string: stdin written here reaches cat, its stdout ends with the container", { skip }, async () => {
  const b = probeBundle(['/probe', 'cat', '-']);
  const c = await Container.create({ id: uniqueId(), bundle: b.dir, root: suite.root, stdio: 'pipe' });
  try {
    await c.start();
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i}\n`).join('');
    const out = collectOutput(c.stdout!);
    c.stdin!.end(lines);
    assert.equal((await out).toString(), lines);
    assert.deepEqual(await c.wait(), { exitCode: 0, signal: null });
  } finally {
    await c.delete({ force: true });
  }
});

test("'ignore' is /dev/null inside; an opened fs stream is passed as its fd", { skip }, async () => {
  const dir = tempDir('stdio');
  const file = path.join(dir, 'out.json');
  const stream = fs.createWriteStream(file);
  await new Promise((resolve) => stream.once('open', resolve));
  const b = probeBundle(['/probe', 'report']);
  try {
    const c = await Container.create({ id: uniqueId(), bundle: b.dir, root: suite.root, stdio: ['ignore', stream, 'ignore'] });
    try {
      assert.equal(c.stdout, null);
      await c.start();
      assert.deepEqual(await c.wait(), { exitCode: 0, signal: null });
    } finally {
      await c.delete({ force: true });
    }
    const report = JSON.parse(fs.readFileSync(file, 'utf8')) as ProbeReport;
    assert.equal(report.fds['0'], '/dev/null');
    assert.equal(report.fds['2'], '/dev/null');
    assert.match(report.fds['1'], /out\.json$/);
  } finally {
    stream.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('exec: piped stdout and stdin, as for create', { skip }, async () => {
  const b = probeBundle(['/probe', 'sleep', '30']);
  const c = await Container.create({ id: uniqueId(), bundle: b.dir, root: suite.root, stdio: 'ignore' });
  try {
    await c.start();
    const p = await c.exec({ args: ['/probe', 'cat', '-'], cwd: '/' }, { stdio: ['pipe', 'pipe', 'inherit'] });
    assert.equal(p.stderr, null);
    const out = collectOutput(p.stdout!);
    p.stdin!.end('through exec\n');
    assert.equal((await out).toString(), 'through exec\n');
    assert.deepEqual(await p.wait(), { exitCode: 0, signal: null });
  } finally {
    await c.delete({ force: true });
  }
});

test('wrong stdio values: a typed error naming the entry, nothing left, no crash', { skip }, async () => {
  const b = probeBundle(['/probe', 'report']);
  const wrong: unknown[] = [
    ['ignore', 'pip', 'pipe'],
    'pipes',
    [99999, 1, 2],
    [-1, 1, 2],
    [1.5, 1, 2],
    [2 ** 32, 1, 2],
    [4000, 1, 2],
    [{}, 1, 2],
    [0, 1, () => 2],
    ['pipe', 'pipe', 'pipe', 'pipe'],
    { 0: 'pipe' },
    [0, Symbol('x'), 2],
    [0, 1, 2n],
  ];
  for (const stdio of wrong) {
    await assert.rejects(
      Container.create({ id: uniqueId(), bundle: b.dir, root: suite.root, stdio: stdio as 'pipe' }),
      (err: Error & { code?: string }) => {
        // A wrong type, a value not allowed, or an fd number out of range (lib/errors.ts), each naming options.stdio.
        assert.ok(['ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_VALUE', 'ERR_OUT_OF_RANGE'].includes(err.code!), `${String(err)} for ${describe(stdio)}`);
        assert.match(err.message, /stdio/);
        return true;
      },
    );
    assert.deepEqual(fs.readdirSync(suite.root), [], 'nothing left');
  }
  // With the stream not open yet (its fd is null until 'open').
  const unopenedDir = tempDir('stdio-unopened');
  const unopened = fs.createWriteStream(path.join(unopenedDir, 'f'));
  await assert.rejects(Container.create({ id: uniqueId(), bundle: b.dir, root: suite.root, stdio: [0, unopened, 2] }), { code: 'ERR_INVALID_ARG_VALUE', argument: 'options.stdio[1]' });
  await new Promise((resolve) => unopened.once('open', resolve));
  unopened.destroy();
  fs.rmSync(unopenedDir, { recursive: true, force: true });
  assert.deepEqual(childProcesses(), []);

  // exec checks its stdio the same way, before anything starts.
  const sleeper = probeBundle(['/probe', 'sleep', '30']);
  const c = await Container.create({ id: uniqueId(), bundle: sleeper.dir, root: suite.root, stdio: 'ignore' });
  try {
    await c.start();
    const before = await c.processes();
    await assert.rejects(c.exec({ args: ['/probe', 'hello'], cwd: '/' }, { stdio: ['pipe', 'nope', 'pipe'] as never }), { code: 'ERR_INVALID_ARG_VALUE', argument: 'options.stdio[1]' });
    assert.deepEqual(await c.processes(), before);
  } finally {
    await c.delete({ force: true });
  }

  // The addon's spawn itself refuses what would wrap to another fd.
  for (const fds of [['pipe'], [2 ** 32], [1.5], [-2], [Number.NaN]]) {
    await assert.rejects(async () => native().spawnAsync({ file: '/bin/true', argv: ['true'], env: [], fds: fds as number[], cloneFlags: 0, join: [] }), (err: Error) => err instanceof TypeError || err instanceof RangeError);
  }
});

function describe(value: unknown): string {
  return Array.isArray(value) ? `[${value.map(describe).join(', ')}]` : typeof value === 'string' ? JSON.stringify(value) : typeof value;
}

/** Reads `terminal` until `pattern` shows up in what it gave so far. */
async function readUntil(terminal: NodeJS.ReadableStream, seen: { text: string }, pattern: RegExp): Promise<void> {
  while (!pattern.test(seen.text)) {
    const chunk = await new Promise<Buffer | null>((resolve) => {
      const onData = (d: Buffer): void => {
        terminal.off('end', onEnd);
        resolve(d);
      };
      const onEnd = (): void => {
        terminal.off('data', onData);
        resolve(null);
      };
      terminal.once('data', onData);
      terminal.once('end', onEnd);
    });
    if (chunk === null) throw new Error(`the terminal ended before ${pattern}: ${JSON.stringify(seen.text)}`);
    seen.text += chunk.toString();
  }
}

test('a terminal without a console socket: c.terminal echoes, and resize() is what the process sees', { skip }, async () => {
  const b = suite.bundle({
    edit: (s) => {
      s.process!.terminal = true;
      s.process!.consoleSize = { height: 33, width: 111 };
      s.process!.args = ['/probe', 'tty-lines'];
    },
  });
  const c = await Container.create({ id: uniqueId(), bundle: b.dir, root: suite.root });
  try {
    const terminal = c.terminal!;
    assert.ok(terminal, 'c.terminal is there');
    await c.start();
    const seen = { text: '' };
    terminal.write('one\n');
    await readUntil(terminal, seen, /size 33 111 one/);
    // The line discipline echoed the input: the bytes went through a terminal.
    assert.match(seen.text, /^one\r\n/);
    terminal.resize(120, 50);
    terminal.write('two\n');
    await readUntil(terminal, seen, /size 50 120 two/);
    terminal.write('\x04'); // end of input (VEOF)
    assert.deepEqual(await c.wait(), { exitCode: 0, signal: null });
    await new Promise((resolve) => (terminal.readableEnded ? resolve(undefined) : terminal.once('close', resolve).resume()));
  } finally {
    await c.delete({ force: true });
    c.terminal?.destroy();
  }
});

test('the CLI still refuses a terminal config without --console-socket', { skip }, () => {
  const b = suite.bundle({ edit: (s) => (s.process!.terminal = true) });
  const res = require('node:child_process').spawnSync(path.resolve(__dirname, '..', '..', '..', 'bin', 'kapsel'), ['--root', suite.root, 'create', '-b', b.dir, uniqueId()], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  assert.notEqual(res.status, 0, res.stdout + res.stderr);
  assert.match(res.stderr, /console socket is needed/);
  assert.deepEqual(fs.readdirSync(suite.root), []);
});

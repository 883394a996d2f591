import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CliLog, formatLogLine, formatStderrLine, type LogOptions, type LogSinks } from '../../lib/cli/log';

const TIME = new Date('2024-05-01T10:00:00.123Z');

function capture(options: LogOptions) {
  const stderr: string[] = [];
  const files = new Map<string, string>();
  const sinks: LogSinks = {
    stderr: (text) => stderr.push(text),
    appendFile: (file, text) => files.set(file, (files.get(file) ?? '') + text),
    now: () => TIME,
  };
  return { log: new CliLog(options, sinks), stderr, files };
}

test('JSON lines have logrus keys in order: level, msg, time (RFC 3339)', () => {
  const line = formatLogLine('error', 'container "x" does not exist', 'json', TIME);
  assert.equal(line, '{"level":"error","msg":"container \\"x\\" does not exist","time":"2024-05-01T10:00:00.123Z"}\n');
  assert.deepEqual(Object.keys(JSON.parse(line)), ['level', 'msg', 'time']);
});

test('text lines in a file are logrus text lines; stderr lines are readable', () => {
  assert.equal(formatLogLine('warning', 'a "b"', 'text', TIME), 'time="2024-05-01T10:00:00.123Z" level=warning msg="a \\"b\\""\n');
  assert.equal(formatStderrLine('error', 'boom'), 'kapsel: boom\n');
  assert.equal(formatStderrLine('warning', 'hook failed'), 'kapsel: warning: hook failed\n');
});

test('--log FILE --log-format json: a failure writes exactly one JSON error line to the file', () => {
  const { log, stderr, files } = capture({ file: '/l.json', format: 'json', debug: false });
  log.debug('not shown without --debug');
  log.error('container "x" does not exist');
  const lines = files.get('/l.json')!.split('\n').filter(Boolean);
  assert.equal(lines.length, 1);
  // podman parses the whole file as one JSON object.
  assert.deepEqual(JSON.parse(files.get('/l.json')!), {
    level: 'error',
    msg: 'container "x" does not exist',
    time: '2024-05-01T10:00:00.123Z',
  });
  // runc also prints the error on stderr when it logs to a file.
  assert.deepEqual(stderr, ['kapsel: container "x" does not exist\n']);
});

test('warnings and --debug lines go to the same log with their levels', () => {
  const { log, files } = capture({ file: '/l.json', format: 'json', debug: true });
  log.debug('d');
  log.warn('w');
  const levels = files.get('/l.json')!.trim().split('\n').map((l) => JSON.parse(l).level);
  assert.deepEqual(levels, ['debug', 'warning']);
});

test('without --log: text to stderr, or JSON lines to stderr with --log-format json', () => {
  const text = capture({ format: 'text', debug: false });
  text.log.error('boom');
  text.log.warn('careful');
  assert.deepEqual(text.stderr, ['kapsel: boom\n', 'kapsel: warning: careful\n']);
  const json = capture({ format: 'json', debug: false });
  json.log.error('boom');
  assert.equal(json.stderr.length, 1);
  assert.equal(JSON.parse(json.stderr[0]!).msg, 'boom');
});

test('an unwritable log file falls back to stderr without losing the error', () => {
  const stderr: string[] = [];
  const log = new CliLog(
    { file: '/nonexistent/dir/log.json', format: 'json', debug: false },
    {
      stderr: (t) => stderr.push(t),
      appendFile: () => {
        throw new Error('ENOENT');
      },
      now: () => TIME,
    },
  );
  log.error('boom');
  assert.equal(stderr.length, 2);
  assert.match(stderr[0]!, /cannot write log file/);
  assert.equal(JSON.parse(stderr[1]!).msg, 'boom');
});

test('a log file that cannot be opened fails at start, and says so on stderr', () => {
  const stderr: string[] = [];
  const log = new CliLog(
    { file: 'invalid:/path', format: 'json', debug: false },
    {
      stderr: (t) => stderr.push(t),
      appendFile: () => {
        throw new Error("ENOENT: no such file or directory, open 'invalid:/path'");
      },
      now: () => TIME,
    },
  );
  assert.throws(() => log.openFile(), { code: 'ERR_INVALID_ARGUMENT', message: /cannot open log file invalid:\/path: ENOENT/ });
  log.error('cannot open log file');
  assert.equal(stderr.length, 1);
  assert.equal(JSON.parse(stderr[0]!).msg, 'cannot open log file');
});

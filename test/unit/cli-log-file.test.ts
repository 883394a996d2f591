// What --log appends to (lib/cli/log-file.ts): runc's create-or-append for
// a file of our own; a symlink, a file with other links, a fifo or a
// directory refused on the opened fd, naming the path and why. Another
// user's file and planted links are in test/system/file-plants.test.ts.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { appendToLogFile } from '../../lib/cli/log-file';
import { UntrustedPathError } from '../../lib/errors';
import { native } from '../../lib/native/addon';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-log-file-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function refused(file: string, problem: RegExp): void {
  assert.throws(
    () => appendToLogFile(file, 'line\n'),
    (err: unknown) => err instanceof UntrustedPathError && err.code === 'ERR_UNTRUSTED_PATH' && err.path === file && problem.test(err.message),
  );
}

test('a missing log file is made 0644; an existing one of ours is appended to, never truncated', () => {
  const file = path.join(tmp, 'new.log');
  const old = process.umask(0);
  try {
    appendToLogFile(file, 'one\n');
  } finally {
    process.umask(old);
  }
  assert.equal(fs.statSync(file).mode & 0o7777, 0o644);
  appendToLogFile(file, 'two\n');
  assert.equal(fs.readFileSync(file, 'utf8'), 'one\ntwo\n');
  appendToLogFile('/dev/null', 'a character device is fine\n');
});

test('a symlink, a hard-linked file, a fifo and a directory are refused; the file behind them is untouched', () => {
  const target = path.join(tmp, 'target');
  fs.writeFileSync(target, 'kept\n');
  const link = path.join(tmp, 'link.log');
  fs.symlinkSync(target, link);
  refused(link, /it is a symbolic link/);
  const hard = path.join(tmp, 'hard.log');
  fs.linkSync(target, hard);
  refused(hard, /it has 2 links/);
  assert.equal(fs.readFileSync(target, 'utf8'), 'kept\n');
  // A fifo with no reader must neither stall the call nor be written.
  const fifo = path.join(tmp, 'fifo.log');
  native().mkfifo(fifo, 0o600);
  const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    refused(fifo, /it is not a regular file/);
  } finally {
    fs.closeSync(reader);
  }
  assert.throws(() => appendToLogFile(tmp, 'x'), { code: 'EISDIR' });
});

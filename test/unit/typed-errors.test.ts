/**
 * Every error lib/ throws is a KapselError with a stable code (lib/errors.ts):
 * a program branches on `err.code`, never on a message. The sources are
 * read, so an error on a path no other test reaches counts too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../../lib/cli/args';
import { CgroupError } from '../../lib/cgroups/files';
import { describeErrno, InternalError, KapselError, ProtocolError } from '../../lib/errors';
import { decodeMessage } from '../../lib/plan/protocol';
import { encodeRecord, flattenFields } from '../../lib/plan/record';
import { LIB, libSources } from '../helpers/lib-sources';


/**
 * Where lib/ may make a plain Error, and why: failureError builds the error
 * fs would have thrown, as a value whose message a CgroupError quotes; it
 * is never thrown itself.
 */
const ALLOWED = new Set(['cgroups/file-batch.ts']);

test('lib/ makes no plain Error, TypeError or RangeError, and its error classes extend KapselError', () => {
  const found: string[] = [];
  for (const file of libSources()) {
    const rel = path.relative(LIB, file);
    fs.readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const plain = /\bnew (?:Error|TypeError|RangeError|SyntaxError)\(/.test(line) && !ALLOWED.has(rel);
        const subclass = /\bclass \w+ extends (?:Error|TypeError|RangeError)\b/.test(line) && !/class KapselError extends Error/.test(line);
        if (plain || subclass) found.push(`${rel}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(found, []);
});

test('the errors that were plain are KapselErrors with their own codes', () => {
  const cases: Array<[KapselError, string]> = [
    [new ProtocolError('x'), 'ERR_PROTOCOL'],
    [new CgroupError('cgroup: x', '/sys/fs/cgroup/x', 'EINVAL'), 'ERR_CGROUP'],
    [new UsageError('flag provided but not defined: -x'), 'ERR_USAGE'],
    [new InternalError('x'), 'ERR_INTERNAL'],
  ];
  for (const [err, code] of cases) {
    assert.ok(err instanceof KapselError, err.name);
    assert.equal(err.code, code, err.name);
  }
  // Thrown by the code, not only constructed: bad bytes from the init, a NUL the validator should have refused.
  assert.throws(() => decodeMessage(Buffer.from([1, 0, 0])), { name: 'ProtocolError', code: 'ERR_PROTOCOL', message: 'init protocol: record: truncated' });
  assert.throws(() => encodeRecord(flattenFields(['a\0b'])), { name: 'InternalError', code: 'ERR_INTERNAL' });
});

test('describeErrno: Node\'s table for every errno it knows, strerror\'s wording where runc\'s differs', () => {
  // The texts engines match (cli-contract.md) and libuv shares with strerror.
  assert.equal(describeErrno('ENOENT'), 'no such file or directory');
  assert.equal(describeErrno('EACCES'), 'permission denied');
  assert.equal(describeErrno('EPERM'), 'operation not permitted');
  // libuv says "illegal operation on a directory", "file already exists": runc says these.
  assert.equal(describeErrno('EISDIR'), 'is a directory');
  assert.equal(describeErrno('EEXIST'), 'file exists');
  assert.equal(describeErrno('ENOEXEC'), 'exec format error');
  // Names the old hand table lacked come from Node's.
  assert.equal(describeErrno('ENODEV'), 'no such device');
  assert.equal(describeErrno('EXDEV'), 'cross-device link not permitted');
  assert.equal(describeErrno('ENOTEMPTY'), 'directory not empty');
  assert.equal(describeErrno('EWHATEVER'), 'EWHATEVER');
});

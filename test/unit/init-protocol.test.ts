// The runtime <-> init message union (lib/plan/protocol.ts): every message
// survives its encoding, malformed records are refused, and the init's
// failure messages become the typed errors create and start throw, worded
// in TypeScript.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import { HookFailedError, SyscallError } from '../../lib/errors';
import { decodeMessage, decodeMessageAt, encodeMessage, FAILURE_REASONS, ProtocolError, type FailureReason as InitFailureReason, type InitMessage } from '../../lib/plan/protocol';
import { encodeRecord } from '../../lib/plan/record';
import { failureToError } from '../../lib/container/init-channel';

const messages: InitMessage[] = [
  { type: 'go', creatingState: '{"status":"creating"}', createdState: '{"status":"created"}' },
  { type: 'go' },
  { type: 'go', createdState: '' },
  { type: 'ok' },
  { type: 'abort' },
  { type: 'sync', name: 'runtime-hooks' },
  { type: 'ready' },
  { type: 'error', step: 12, op: 'mount', reason: 'syscall', syscall: 'fsopen', errno: 19, path: '/b/rootfs/weird', message: 'type no-such-fs' },
  { type: 'error', step: -1, op: 'start', reason: 'plan', syscall: 'plan', errno: 22, path: '', message: '' },
  {
    type: 'hook-failed',
    step: 7,
    kind: 'createContainer',
    path: '/bin/hook',
    reason: 'exit',
    exitStatus: 3,
    signal: 0,
    timeoutSeconds: 0,
    output: 'boom\n',
  },
];

test('every message decodes to what was encoded', () => {
  for (const m of messages) assert.deepEqual(decodeMessage(encodeMessage(m)), m);
});

test('messages on a stream delimit themselves', () => {
  const data = Buffer.concat(messages.map(encodeMessage));
  let pos = 0;
  const out: InitMessage[] = [];
  while (pos < data.length) {
    const { message, next } = decodeMessageAt(data, pos);
    out.push(message);
    pos = next;
  }
  assert.deepEqual(out, messages);
});

test('malformed messages are refused with ProtocolError', () => {
  const raw = (...fields: string[]): Buffer => encodeRecord(fields.map((f) => Buffer.from(f)));
  assert.throws(() => decodeMessage(raw('hello')), ProtocolError);
  assert.throws(() => decodeMessage(raw('sync')), ProtocolError);
  assert.throws(() => decodeMessage(raw('sync', 'elsewhere')), ProtocolError);
  assert.throws(() => decodeMessage(raw('ready', 'extra')), ProtocolError);
  assert.throws(() => decodeMessage(raw('go', '2', 'a', 'b', '0')), ProtocolError);
  assert.throws(() => decodeMessage(raw('error', 'x', 'op', 'sys', '1', '', '')), ProtocolError);
  assert.throws(() => decodeMessage(encodeMessage({ type: 'ok' }).subarray(0, 6)), ProtocolError);
  assert.throws(() => decodeMessage(Buffer.concat([encodeMessage({ type: 'ok' }), Buffer.from([0])])), ProtocolError);
});

test('a hook failure is worded from its fields', () => {
  const base = { type: 'hook-failed', step: 4, kind: 'startContainer', path: '/probe', exitStatus: -1, signal: 0, timeoutSeconds: 0, output: '' } as const;
  const cases: Array<[InitMessage & { type: 'hook-failed' }, string]> = [
    [{ ...base, reason: 'exit', exitStatus: 4, output: 'no\n' }, 'startContainer hook /probe failed: exit status 4: no'],
    [{ ...base, reason: 'signal', signal: os.constants.signals.SIGKILL }, 'startContainer hook /probe failed: killed by SIGKILL'],
    [{ ...base, reason: 'timeout', timeoutSeconds: 2, output: 'slow' }, 'startContainer hook /probe failed: timed out after 2s: slow'],
  ];
  for (const [m, text] of cases) {
    const err = failureToError(m);
    assert.ok(err instanceof HookFailedError);
    assert.equal(err.message, text);
    assert.equal(err.kind, 'startContainer');
    assert.equal(err.hookPath, '/probe');
    assert.deepEqual(err.hook, { path: '/probe' });
    assert.equal(err.exitCode, m.reason === 'exit' ? 4 : null);
    assert.equal(err.signal, m.reason === 'exit' ? null : 'SIGKILL');
    assert.equal(err.timedOut, m.reason === 'timeout');
    assert.equal(err.stderr, m.output.trim());
  }
});

test('a step failure becomes a SyscallError with the step', () => {
  const err = failureToError({ type: 'error', step: 12, op: 'mount', reason: 'syscall', syscall: 'fsopen', errno: 19, path: '/r/weird', message: 'type x' });
  assert.ok(err instanceof SyscallError);
  assert.equal(err.errnoName, 'ENODEV');
  assert.equal(err.syscall, 'fsopen');
  assert.equal(err.path, '/r/weird');
  assert.deepEqual(err.step, { index: 12, op: 'mount' });
  // ENODEV's text comes from Node's errno table (describeErrno); the old hand table lacked it.
  assert.equal(err.message, 'fsopen type x (/r/weird): no such device (ENODEV) (plan step 12: mount)');
});

test('a step failure message names syscall, errno name and path (issue 8: not "PR_CAP_AMBIENT_RAISE 13")', () => {
  const err = failureToError({ type: 'error', step: 40, op: 'ambient', reason: 'syscall', syscall: 'prctl', errno: 1, path: '', message: 'PR_CAP_AMBIENT_RAISE 13' });
  assert.equal(err.message, 'prctl PR_CAP_AMBIENT_RAISE 13: operation not permitted (EPERM) (plan step 40: ambient)');
  const exec = failureToError({ type: 'error', step: 9, op: 'exec', reason: 'exec-not-found', syscall: 'exec', errno: 2, path: 'x', message: '' });
  assert.equal(exec.message, 'exec: "x": executable file not found in $PATH (plan step 9: exec)');
});

test('the runtime words a reason code the init sends: config field names and CLI phrases are TypeScript\'s', () => {
  const failure = (reason: InitFailureReason, fields: Partial<Extract<InitMessage, { type: 'error' }>> = {}): Error =>
    failureToError({ type: 'error', step: 3, op: 'x', reason, syscall: 'x', errno: 1, path: '', message: '', ...fields });
  assert.equal(
    failure('exec-failed', { op: 'exec', syscall: 'exec', errno: 13, path: '/bin/app', message: 'app' }).message,
    'exec: "app": permission denied (/bin/app) (plan step 3: exec)',
  );
  assert.match(failure('setgroups-denied', { syscall: 'setgroups' }).message, /process\.user\.additionalGids cannot be set: setgroups is denied in the container's user namespace/);
  assert.match(failure('host-namespace', { syscall: 'setns', path: '/proc/self/ns/net', message: 'net' }).message, /\/linux\/namespaces: the net namespace joined by path is the host's .*sysctl/);
  assert.match(failure('procfs-on-symlink', { syscall: 'mount', errno: 40, path: '/elsewhere', message: 'sysfs' }).message, /sysfs must be mounted on an ordinary directory, and \/elsewhere is reached through a symlink/);
  assert.match(failure('proc-mount', { syscall: 'mount', path: '/proc/kcore' }).message, /\/proc\/kcore cannot be mounted because it is inside \/proc/);
  assert.match(failure('no-procfs', { syscall: 'open', errno: 2, path: '/proc/thread-self', message: '/process/apparmorProfile' }).message, /open \/process\/apparmorProfile: without a procfs/);
  // Every reason has its words (the switch is exhaustive), none is empty.
  for (const reason of FAILURE_REASONS) assert.notEqual(failure(reason, { message: 'detail' }).message, '');
});

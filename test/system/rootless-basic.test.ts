/**
 * Rootless: an unprivileged user (kapsel-test) drives the library through
 * test/helpers/rootless-runner.ts; the container gets a user namespace
 * mapping that user to root. Checked from inside with the probe.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeBundle, type Bundle } from '../helpers/bundle';
import { assertNoLeaks } from '../helpers/leaks';
import { rootlessSuite } from '../helpers/rootless-suite';
import { findMount, type RunResult } from '../helpers/run';
import { TMP_PREFIX } from '../helpers/tmp';
import { runAsUser, type UserRun } from '../helpers/user';
import type { Spec } from '../../lib/config/types';

const suite = rootlessSuite();
const { skip } = suite;

interface RunnerOutput extends RunResult {
  children: string[];
}

/** Processes of `uid` still alive (a container escaping its delete). */
function processesOf(uid: number): string[] {
  return fs.readdirSync('/proc').filter((p) => {
    if (!/^\d+$/.test(p)) return false;
    try {
      return fs.statSync(`/proc/${p}`).uid === uid;
    } catch {
      return false;
    }
  });
}

/** Runs a rootless bundle (made by root, owned by the user) as the user. */
async function runRootless(edit: (spec: Spec) => void): Promise<{ run: UserRun; out: RunnerOutput; bundle: Bundle }> {
  const bundle = makeBundle({ rootless: true, owner: suite.owner, edit });
  try {
    const run = runAsUser(suite.runner, [bundle.dir]);
    const line = run.stdout.trim().split('\n').pop() ?? '';
    let out: RunnerOutput & { error?: string };
    try {
      out = JSON.parse(line) as RunnerOutput & { error?: string };
    } catch {
      throw new Error(`runner printed no JSON (status ${run.status}):\n${run.stdout}\n${run.stderr}`);
    }
    if (out.error !== undefined) throw new Error(`runner failed: ${out.error}\n${run.stderr}`);
    assert.equal(run.status, 0, run.stderr);
    // Everything the container had is gone once the runner returns.
    assert.deepEqual(out.children, [], 'container processes left in the runner');
    assert.deepEqual(processesOf(suite.owner.uid), [], `processes of ${suite.owner.uid} left behind`);
    // The state root stays, empty; nothing else in the runtime dir.
    assert.deepEqual(run.runtimeDirLeftovers.filter((p) => p !== 'kapsel'), [], 'state left in XDG_RUNTIME_DIR');
    return { run, out, bundle };
  } finally {
    bundle.cleanup();
  }
}

test('hello-world runs rootless and exits 0', { skip }, async () => {
  const { out } = await runRootless((spec) => {
    spec.process!.args = ['/hello-world'];
  });
  assert.deepEqual(out.exit, { exitCode: 0, signal: null });
  assert.equal(out.stdout, 'Hello World\n');
});

test('the probe is root in a new user namespace, with the hostname set', { skip }, async () => {
  const host = fs.readlinkSync('/proc/self/ns/user');
  const { out, run } = await runRootless((spec) => {
    spec.hostname = 'rootless-probe';
  });
  assert.deepEqual(out.exit, { exitCode: 0, signal: null }, out.stderr);
  const report = out.report!;
  assert.deepEqual([report.uid, report.euid, report.gid, report.egid], [0, 0, 0, 0]);
  // Container root is the test user on the host, and nothing else is mapped.
  assert.deepEqual(report.uid_map.trim().split(/\s+/), ['0', String(suite.owner.uid), '1']);
  assert.deepEqual(report.gid_map.trim().split(/\s+/), ['0', String(suite.owner.gid), '1']);
  assert.notEqual(report.namespaces.user, host);
  assert.equal(report.hostname, 'rootless-probe');
  assert.equal(report.pid, 1);
  // No state root was given: the library chose $XDG_RUNTIME_DIR/kapsel.
  assert.equal(out.root, path.join(run.runtimeDir, 'kapsel'));
});

test('rootless devices, /sys and read-only root', { skip }, async () => {
  const devices = ['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty'];
  const { out } = await runRootless((spec) => {
    spec.process!.args = ['/probe', 'report', ...devices];
  });
  const report = out.report!;
  // mknod is refused in a user namespace: the host's nodes are bound in.
  for (const dev of devices) {
    const st = report.stat[dev];
    assert.ok(!('error' in st) && st.type === 'char', `${dev}: ${JSON.stringify(st)}`);
  }
  // sysfs cannot be mounted without owning the network namespace: the
  // rootless spec binds the host's /sys, read-only.
  assert.ok(findMount(report, '/sys')?.options.includes('ro'), report.mounts.join('\n'));
  assert.ok(findMount(report, '/')?.options.includes('ro'), report.mounts.join('\n'));

  const write = await runRootless((spec) => {
    spec.process!.args = ['/probe', 'write', '/x'];
  });
  assert.equal(write.out.report?.ok, false);
  assert.equal(write.out.report?.errno, 'EROFS');
});

test('seccomp rootless: no privilege is needed with noNewPrivileges', { skip }, async () => {
  const { out } = await runRootless((spec) => {
    assert.equal(spec.process!.noNewPrivileges, true);
    spec.process!.args = ['/probe', 'syscall', 'getppid'];
    spec.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] };
  });
  assert.deepEqual(out.exit, { exitCode: 0, signal: null }, out.stderr);
  assert.deepEqual(JSON.parse(out.stdout), { ret: -1, errno: 'EACCES', errnum: 13 });
});

test('nothing leaks', { skip }, () => {
  assertNoLeaks(suite.snapshot, TMP_PREFIX);
});

/**
 * A container in a user namespace, running as a non-root user, reopens its
 * own stdout (/proc/self/fd/1, /dev/stdout) for writing, as programs that
 * log to /dev/stdout do, and what it writes arrives: the runtime gave the
 * pipes and files it was handed to the host ids of the process's user
 * (lib/container/stdio-owner.ts). Devices (/dev/null, terminals) keep
 * their owners.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Spec } from '../../lib/config/types';
import { REPO_ROOT, TEST_USER } from '../helpers/bundle';
import { runProbe, uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';

const suite = systemSuite();
const { skip } = suite;
const BIN = path.join(REPO_ROOT, 'bin', 'kapsel');
const HOST_BASE = 100000;

/** A user namespace mapping 0.. to HOST_BASE.., the image its root's, the process TEST_USER. */
function userNamespaceBundle() {
  return suite.bundle({
    edit: (spec: Spec, { rootfs }) => {
      spec.linux!.namespaces!.push({ type: 'user' });
      spec.linux!.uidMappings = [{ containerID: 0, hostID: HOST_BASE, size: 65536 }];
      spec.linux!.gidMappings = [{ containerID: 0, hostID: HOST_BASE, size: 65536 }];
      spec.process!.user = { uid: TEST_USER.uid, gid: TEST_USER.gid };
      execFileSync('chown', ['-R', `${HOST_BASE}:${HOST_BASE}`, rootfs]);
    },
  });
}

test('library: stdout in a file of root\'s is reopened through /proc/self/fd/1 and /dev/stdout by a non-root user of a user namespace', { skip }, async () => {
  const bundle = userNamespaceBundle();
  for (const link of ['/proc/self/fd/1', '/dev/stdout']) {
    const res = await runProbe(bundle, { root: suite.root, args: ['/probe', 'reopen', link, `through ${link}`] });
    assert.equal(res.exit.exitCode, 0, res.stderr);
    // The line written through the new open arrives, ahead of the report.
    assert.equal(res.stdout, `through ${link}\n{"ok":true}\n`, link);
  }
  // stdin was /dev/null (createTestContainer): a device keeps its owner.
  const devNull = fs.statSync('/dev/null');
  assert.deepEqual([devNull.uid, devNull.gid], [0, 0]);
});

test('CLI: stdout a pipe of root\'s, reopened through /dev/stdout by a non-root user of a user namespace', { skip }, () => {
  const bundle = userNamespaceBundle();
  // A real pipe (Node would hand the CLI a socketpair, which no open(2) reopens).
  const script = `set -o pipefail; "$0" --root "$1" run --bundle "$2" "$3" < /dev/null | cat`;
  bundle.config.process!.args = ['/probe', 'reopen', '/dev/stdout', 'through the pipe'];
  bundle.write();
  const res = spawnSync('bash', ['-c', script, BIN, suite.root, bundle.dir, uniqueId()], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.stdout, 'through the pipe\n{"ok":true}\n');
});

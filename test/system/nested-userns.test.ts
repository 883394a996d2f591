/**
 * Rootless podman runs the runtime as uid 0 of a user namespace of its own,
 * with a config that has no user namespace: mknod is refused there, so the
 * devices must be bind-mounted, and setgroups follows the namespace's
 * setting. Here `unshare --user --map-root-user` plays podman's part.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from '../helpers/bundle';
import { uniqueId, type ProbeReport } from '../helpers/run';
import { systemSuite } from '../helpers/suite';

const suite = systemSuite();
const { skip } = suite;
const BIN = path.join(REPO_ROOT, 'bin', 'kapsel');

test('uid 0 of a user namespace runs a config without a user namespace (rootless podman)', { skip }, () => {
  const bundle = suite.bundle({
    edit: (s) => {
      s.process!.args = ['/probe', 'report', '/dev/null', '/dev/zero'];
      // Only uid/gid 0 are mapped in the namespace unshare makes: no gid 5.
      for (const m of s.mounts ?? []) {
        if (m.type === 'devpts') m.options = (m.options ?? []).filter((o) => !o.startsWith('gid='));
      }
    },
  });
  const res = spawnSync('unshare', ['--user', '--map-root-user', '--mount', BIN, '--root', suite.root, 'run', '--bundle', bundle.dir, uniqueId()], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(res.status, 0, res.stderr);
  const report = JSON.parse(res.stdout) as ProbeReport;
  assert.equal(report.uid, 0);
  for (const [file, minor] of [['/dev/null', 3], ['/dev/zero', 5]] as const) {
    const st = report.stat[file];
    assert.ok(st && !('error' in st), `${file}: ${JSON.stringify(st)}`);
    assert.equal(st.type, 'char');
    assert.equal(st.major, 1);
    assert.equal(st.minor, minor);
  }
  // The devices are bind mounts of the host's nodes, not mknod'ed.
  assert.ok(report.mounts.some((line) => line.split(' ')[4] === '/dev/null'), 'a mount at /dev/null');
});

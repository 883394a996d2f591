/**
 * A container whose config mounts no /proc: the init still masks and
 * re-mounts read-only through fds (the new mount API needs no /proc to act
 * on an fd), and still reopens the exec fifo (through the procfs it opened
 * at start), so nothing falls back to a plain, re-resolved path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeBundle } from '../helpers/bundle';
import { probeReport, runProbe, type ProbeStat } from '../helpers/run';
import { systemSuite } from '../helpers/suite';

const suite = systemSuite();
const { skip } = suite;

function statOf(stat: ProbeStat | undefined): Exclude<ProbeStat, { error: string }> {
  assert.ok(stat && !('error' in stat), `stat failed: ${JSON.stringify(stat)}`);
  return stat as Exclude<ProbeStat, { error: string }>;
}

test('without a /proc mount, masked and read-only paths are still applied', { skip }, async () => {
  const bundle = makeBundle({
    edit: (spec, { rootfs }) => {
      spec.mounts = (spec.mounts ?? []).filter((m) => m.destination !== '/proc');
      fs.mkdirSync(path.join(rootfs, 'secret-dir'));
      fs.writeFileSync(path.join(rootfs, 'secret-dir', 'key'), 'hidden');
      fs.writeFileSync(path.join(rootfs, 'secret-file'), 'hidden');
      fs.mkdirSync(path.join(rootfs, 'ro-dir'));
      spec.linux!.maskedPaths = ['/secret-dir', '/secret-file', '/proc/kcore'];
      spec.linux!.readonlyPaths = ['/ro-dir', '/proc/sys'];
    },
  });
  try {
    const report = await probeReport(bundle, ['/secret-dir', '/secret-dir/key', '/secret-file', '/proc/self'], { root: suite.root });
    assert.deepEqual(report.mounts, [], 'no /proc: the probe cannot even list its mounts');
    assert.deepEqual(report.stat['/proc/self'], { error: 'ENOENT' });
    const dir = statOf(report.stat['/secret-dir']);
    assert.equal(dir.type, 'dir');
    assert.equal(dir.entries, 0);
    assert.deepEqual(report.stat['/secret-dir/key'], { error: 'ENOENT' });
    const file = statOf(report.stat['/secret-file']);
    assert.deepEqual({ type: file.type, major: file.major, minor: file.minor }, { type: 'char', major: 1, minor: 3 });

    const write = await runProbe(bundle, { root: suite.root, args: ['/probe', 'write', '/ro-dir/x'] });
    assert.equal(write.exit.exitCode, 0, write.stderr);
    assert.equal(write.report?.errno, 'EROFS');
    assert.equal(fs.existsSync(path.join(bundle.rootfs, 'ro-dir', 'x')), false);
  } finally {
    bundle.cleanup();
  }
});

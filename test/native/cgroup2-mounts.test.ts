// The cgroup mount a pure cgroup2 host gets (plan/cgroup-mounts.ts), run
// by the real init on this host's cgroup2 hierarchy (the unified one of a
// hybrid host: its core files are real), in a mount namespace of its own:
// without a cgroup namespace the container's cgroup is bound (mountinfo
// root: its path), with one a fresh cgroup2 mount made inside it (root
// "/"); either way no sibling cgroup is visible and the mount is
// read-only. (Its own system test file would count the launcher's sealed
// copy as a leaked fd: the addon keeps one per executable.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectLayout } from '../../lib/cgroups/layout';
import * as C from '../../lib/native/constants';
import { cgroupMountSteps } from '../../lib/plan/cgroup-mounts';
import type { Step } from '../../lib/plan/steps';
import { FIXTURES_BIN } from '../helpers/bundle';
import { runPlan } from '../helpers/init-plan';
import { ID_PREFIX, parseMountInfo } from '../helpers/run';
import { tempDir } from '../helpers/tmp';

const layout = detectLayout();
const skip = process.getuid!() !== 0 ? 'needs root' : !layout.unified ? 'no cgroup2 hierarchy mounted' : false;

interface Tree {
  dirs: string[];
  links: Record<string, string>;
  files: number;
}

test('cgroup2 (on the real unified hierarchy): the container\'s cgroup bound, or a fresh cgroup2 mount inside the namespace rooted at it', { skip }, async () => {
  const unified = layout.unified!.mountPoint;
  const top = path.join(unified, `${ID_PREFIX}${process.pid}-v2view`);
  const own = path.join(top, 'c');
  const sibling = path.join(top, 'sibling');
  fs.mkdirSync(own, { recursive: true });
  fs.mkdirSync(sibling);
  const rootfs = tempDir('cgview-root');
  const probe = path.join(FIXTURES_BIN, 'cgprobe');
  try {
    for (const cgroupNamespace of [false, true]) {
      const steps: Step[] = [
        { op: 'root', path: rootfs },
        ...cgroupMountSteps({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro'] }, '/sys/fs/cgroup', {
          cgroupNamespace,
          cgroup2: true,
          view: { hierarchies: [], unified: own },
          unifiedLimits: false,
        }),
        {
          op: 'exec',
          args: ['/bin/sh', '-c', `"${probe}" tree "${rootfs}/sys/fs/cgroup"; grep " ${rootfs}/sys/fs/cgroup " /proc/self/mountinfo; "${probe}" put 1 "${rootfs}/sys/fs/cgroup/cgroup.procs"`],
          env: [],
          searchPath: '/bin:/usr/bin',
        },
      ];
      // In a mount namespace of its own (and, for the namespace case, in `own` first: the namespace is rooted where the init is).
      const enter = cgroupNamespace ? `echo $$ > "${own}/cgroup.procs" && ` : '';
      const res = await runPlan(cgroupNamespace ? [{ op: 'unshare', flags: C.CLONE_NEWCGROUP }, ...steps] : steps, {
        file: '/usr/bin/unshare',
        argv: ['unshare', '--mount', '--propagation', 'private', '/bin/sh', '-c', `${enter}exec "$0" "$@"`],
      });
      assert.equal(res.exitCode, 0, res.stderr);
      const [treeLine, mountLine, putLine] = res.stderr.trim().split('\n');
      const seen = JSON.parse(treeLine) as Tree;
      assert.deepEqual(seen.dirs, [], 'no sibling cgroup');
      assert.ok(seen.files > 0, 'the cgroup\'s core files');
      const m = parseMountInfo(mountLine);
      assert.equal(m.fstype, 'cgroup2');
      assert.equal(m.root, cgroupNamespace ? '/' : `/${path.relative(unified, own)}`);
      assert.ok(m.options.includes('ro'));
      assert.deepEqual(Object.values(JSON.parse(putLine) as Record<string, string>), ['EROFS']);
    }
  } finally {
    fs.rmSync(rootfs, { recursive: true, force: true });
    fs.rmdirSync(own);
    fs.rmdirSync(sibling);
    fs.rmdirSync(top);
  }
});

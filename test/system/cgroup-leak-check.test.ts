// The suite's cgroup leak check (test/helpers/leaks.ts): it finds a cgroup
// named after one of this process's test containers at any depth of any
// hierarchy, and a cgroup an earlier process with the same pid left behind
// (killed before it deleted its containers: pids are reused) is removed
// when a file starts, instead of being taken by this run's container of
// the same name and then outliving its delete (createCgroups takes an
// existing empty cgroup as someone else's, and delete leaves it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Container } from '../../lib';
import { detectLayout, ownCgroups, resolveCgroupTarget } from '../../lib/cgroups';
import { cgroupLeftovers, removeStaleCgroups } from '../helpers/leaks';
import { ID_PREFIX, uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';

const suite = systemSuite();
const { skip } = suite;

/** The directories create makes for container `id` of bundle `dir`, one per hierarchy. */
function containerCgroups(id: string, dir: string): string[] {
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as { linux?: { cgroupsPath?: string } };
  const target = resolveCgroupTarget(spec.linux?.cgroupsPath, id, detectLayout(), ownCgroups());
  return [...new Set([...Object.values(target.v1), ...(target.unified ? [target.unified] : [])])];
}

function removeTree(dir: string): void {
  for (const child of fs.readdirSync(dir, { withFileTypes: true })) if (child.isDirectory()) removeTree(path.join(dir, child.name));
  fs.rmdirSync(dir);
}

test('a cgroup named after a test container is found deeper than four levels', { skip }, () => {
  // Where this process's own cgroup is in the first hierarchy create uses, five levels further down.
  const base = containerCgroups('probe', suite.bundle().dir)[0];
  const top = path.join(path.dirname(base), `kapsel-leakcheck-${process.pid}`);
  const leaked = path.join(top, 'a', 'b', 'c', 'd', `${ID_PREFIX}${process.pid}-deep`);
  fs.mkdirSync(leaked, { recursive: true });
  try {
    assert.ok(leaked.split('/').length - '/sys/fs/cgroup'.split('/').length > 4, leaked);
    assert.deepEqual(cgroupLeftovers(), [leaked]);
  } finally {
    removeTree(top);
  }
  assert.deepEqual(cgroupLeftovers(), []);
});

test("an earlier process's leftover cgroup with this pid is removed at the start, not taken and left by this run's container", { skip }, async () => {
  const b = suite.bundle();
  // A container of an earlier process that had this pid, killed before its delete: its empty cgroups.
  const id = uniqueId();
  const stale = containerCgroups(id, b.dir);
  for (const dir of stale) fs.mkdirSync(dir, { recursive: true });
  // Left there, create takes them (existing and empty) as someone else's, and delete leaves them.
  const taken = await Container.create({ id, bundle: b.dir, root: suite.root, stdio: 'ignore' });
  await taken.delete({ force: true });
  assert.deepEqual(stale.filter((dir) => !fs.existsSync(dir)), [], 'the taken cgroups outlive the delete');
  assert.deepEqual(cgroupLeftovers().sort(), [...stale].sort());

  // What a test file's start does (snapshotSystem): the empty ones go.
  assert.deepEqual(removeStaleCgroups(), []);
  assert.deepEqual(cgroupLeftovers(), []);
  // The same name now is this run's own: made by create, removed by delete.
  const again = await Container.create({ id, bundle: b.dir, root: suite.root, stdio: 'ignore' });
  assert.deepEqual(stale.filter((dir) => !fs.existsSync(dir)), [], 'made by create');
  await again.delete({ force: true });
  assert.deepEqual(cgroupLeftovers(), []);
});

// What create and delete do to cgroup files, now in batches on libuv's
// pool, against fake v1 hierarchies (plain directories in a temp dir): the
// writes and warnings in the order of the settings, a failure naming the
// file and stopping the writes after it, and destroy removing exactly what
// create made. (The cpuset values a new chain of directories inherits need
// the kernel's files: test/system/cgroups-ownership.test.ts.)
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createCgroups, openCgroups } from '../../lib/cgroups';
import { applyWrites, removeCgroupTrees } from '../../lib/cgroups/files';
import type { CgroupLayout } from '../../lib/cgroups/layout';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-cgroup-files-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const v1Layout = { kind: 'v1', v1: {} } as unknown as CgroupLayout;
const read = (p: string): string => fs.readFileSync(p, 'utf8');

/** Makes empty `files` in `dir`, as the kernel makes a cgroup's control files. */
function touch(dir: string, ...files: string[]): void {
  for (const file of files) fs.writeFileSync(path.join(dir, file), '');
}

let serial = 0;
/** Fake v1 hierarchies (one directory each) under a fresh root. */
function hierarchies(...controllers: string[]): Record<string, string> {
  const base = path.join(tmp, `h-${++serial}`);
  const out: Record<string, string> = {};
  for (const c of controllers) fs.mkdirSync((out[c] = path.join(base, c)), { recursive: true });
  return out;
}

test('writes and warnings come in the order of the settings; a refused write names the file and stops the rest', async () => {
  const h = hierarchies('pids', 'memory');
  // The files a kernel would have made with the cgroups (a write never creates one).
  touch(h.pids, 'pids.max');
  touch(h.memory, 'memory.kmem.limit_in_bytes', 'memory.limit_in_bytes', 'memory.swappiness', 'memory.soft_limit_in_bytes');
  const warnings: string[] = [];
  await applyWrites(
    (c) => h[c],
    [
      { controller: 'pids', file: 'pids.max', value: '7' },
      { controller: 'hugetlb', file: 'hugetlb.2MB.limit_in_bytes', value: '1' },
      { controller: 'memory', file: 'memory.kmem.tcp.limit_in_bytes', value: '1', ifMissing: 'no tcp kmem here' },
      { controller: 'memory', file: 'memory.kmem.limit_in_bytes', value: '2', ifMissing: 'no kmem here' },
      { controller: 'memory', file: 'memory.limit_in_bytes', value: '3' },
    ],
    (m) => warnings.push(m),
  );
  assert.deepEqual(warnings, ['cgroup controller "hugetlb" is not mounted on this host: hugetlb.2MB.limit_in_bytes is not set', 'no tcp kmem here']);
  assert.equal(read(path.join(h.pids, 'pids.max')), '7');
  assert.equal(read(path.join(h.memory, 'memory.kmem.limit_in_bytes')), '2', 'an optional file that exists is written');
  assert.equal(fs.existsSync(path.join(h.memory, 'memory.kmem.tcp.limit_in_bytes')), false, 'an optional file is never made');
  assert.equal(read(path.join(h.memory, 'memory.limit_in_bytes')), '3');

  const gone = path.join(h.pids, 'gone');
  await assert.rejects(
    applyWrites(
      (c) => (c === 'pids' ? gone : h[c]),
      [
        { controller: 'memory', file: 'memory.swappiness', value: '1' },
        { controller: 'pids', file: 'pids.max', value: '8' },
        { controller: 'memory', file: 'memory.soft_limit_in_bytes', value: '2' },
      ],
      () => undefined,
    ),
    {
      code: 'ERR_CGROUP',
      path: path.join(gone, 'pids.max'),
      errno: 'ENOENT',
      message: `cgroup: write "8" to ${path.join(gone, 'pids.max')}: ENOENT: no such file or directory, open '${path.join(gone, 'pids.max')}'`,
    },
  );
  assert.equal(read(path.join(h.memory, 'memory.swappiness')), '1');
  assert.equal(read(path.join(h.memory, 'memory.soft_limit_in_bytes')), '', 'nothing after the failure is written');
});

test('a mkdir that fails names the directory and leaves nothing made', async () => {
  const h = hierarchies('pids', 'memory');
  // A file where a directory of the path should be: mkdir below it fails with ENOTDIR.
  fs.writeFileSync(path.join(h.memory, 'x'), '');
  const target = { v1: { pids: path.join(h.pids, 'c'), memory: path.join(h.memory, 'x', 'c') } };
  await assert.rejects(createCgroups(target, v1Layout), { code: 'ERR_CGROUP', path: target.v1.memory, errno: 'ENOTDIR', message: new RegExp(`^cgroup: mkdir ${target.v1.memory}: ENOTDIR`) });
  assert.equal(fs.existsSync(target.v1.pids), false, 'what was made before the failure is removed');
});

test('destroy removes what create made with its sub-cgroups, and only what the container made below a cgroup it did not make', async () => {
  const h = hierarchies('pids', 'memory');
  const existing = path.join(h.memory, 'kept');
  fs.mkdirSync(existing);
  const target = { v1: { pids: path.join(h.pids, 'p', 'c'), memory: existing } };
  const record = await createCgroups(target, v1Layout);
  assert.deepEqual(record.created, [path.join(h.pids, 'p'), target.v1.pids]);
  fs.mkdirSync(path.join(target.v1.pids, 'sub', 'deeper'), { recursive: true });
  fs.mkdirSync(path.join(existing, 'made-inside', 'deeper'), { recursive: true });
  await openCgroups(record).destroy();
  assert.equal(fs.existsSync(path.join(h.pids, 'p')), false, 'the parent create made goes too');
  assert.deepEqual(fs.readdirSync(existing), [], 'a cgroup create did not make stays, emptied');
  await openCgroups(record).destroy(); // gone already: nothing to do, no error
});

test('removing trees: deepest first; a directory that cannot go is named', async () => {
  const root = path.join(tmp, `trees-${++serial}`);
  fs.mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
  fs.writeFileSync(path.join(root, 'a', 'file'), '');
  await assert.rejects(removeCgroupTrees([[path.join(root, 'a'), path.join(root, 'a', 'b')]]), {
    code: 'ERR_CGROUP',
    path: path.join(root, 'a'),
    errno: 'ENOTEMPTY',
    message: new RegExp(`^cgroup: rmdir ${path.join(root, 'a')}: ENOTEMPTY: directory not empty, rmdir`),
  });
  assert.equal(fs.existsSync(path.join(root, 'a', 'b')), false, 'the child went first');
});

// The CLI's disk cache of compiled seccomp programs (lib/seccomp/disk-cache.ts),
// end to end through bin/kapsel: an entry is written whole and private, a
// later create uses it (shown by planting the program of another profile
// under its name: the container then gets that one), and an entry in a
// directory others may write is never trusted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Seccomp } from '../../lib/config/types';
import { compileSeccomp, clearSeccompCache } from '../../lib/seccomp/compile';
import { defaultSeccompCacheDir } from '../../lib/seccomp/disk-cache';
import { REPO_ROOT } from '../helpers/bundle';
import { uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';

const suite = systemSuite();
const skip = suite.skip || (process.arch !== 'x64' ? 'syscall numbers here are x86_64' : false);
const BIN = path.join(REPO_ROOT, 'bin', 'kapsel');

const denyGetppid = (errnoRet: number): Seccomp => ({
  defaultAction: 'SCMP_ACT_ALLOW',
  syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ERRNO', errnoRet }],
});

test('kapsel create keeps compiled programs on disk, uses them, and trusts only its own private directory', { skip }, () => {
  const cacheDir = tempDir('seccomp-cache');
  const entries = path.join(cacheDir, 'seccomp');
  const bundle = suite.bundle({
    edit: (s) => {
      s.linux!.seccomp = denyGetppid(1);
      s.process!.args = ['/probe', 'syscall', 'getppid'];
    },
  });
  const getppid = (): { errno?: string } => {
    const res = spawnSync(BIN, ['--root', suite.root, 'run', '--bundle', bundle.dir, uniqueId()], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, KAPSEL_CACHE_DIR: cacheDir },
      input: '',
    });
    assert.equal(res.status, 0, res.stderr);
    return JSON.parse(res.stdout) as { errno?: string };
  };
  try {
    assert.equal(getppid().errno, 'EPERM');
    const names = fs.readdirSync(entries);
    assert.equal(names.length, 1, 'one entry, no temporary file left');
    assert.match(names[0]!, /^[0-9a-f]{64}$/);
    assert.equal(fs.statSync(entries).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.join(entries, names[0]!)).mode & 0o777, 0o600);

    // The program of another profile under this profile's name: a create
    // that reads the entry instead of compiling installs that one.
    clearSeccompCache();
    const other = compileSeccomp(denyGetppid(13));
    const entry = path.join(entries, names[0]!);
    const stored = JSON.parse(fs.readFileSync(entry, 'utf8')) as { program: string; summary: { instructions: number } };
    assert.equal(other.summary.instructions, stored.summary.instructions);
    fs.writeFileSync(entry, JSON.stringify({ ...stored, program: other.program.toString('base64') }));
    assert.equal(getppid().errno, 'EACCES', 'the create used the entry on disk');

    // A directory others may write: its entries are not trusted (and not replaced).
    fs.chmodSync(entries, 0o770);
    assert.equal(getppid().errno, 'EPERM', 'compiled afresh');
    // A damaged entry in a private directory is a miss, then replaced.
    fs.chmodSync(entries, 0o700);
    fs.writeFileSync(entry, '{"program":"AAAA');
    assert.equal(getppid().errno, 'EPERM');
    assert.doesNotThrow(() => JSON.parse(fs.readFileSync(entry, 'utf8')), 'rewritten whole');
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
    bundle.cleanup();
  }
  assert.deepEqual(fs.readdirSync(suite.root), []);
});

test('the cache directory is beside the default state root: /run for real root, XDG_RUNTIME_DIR when rootless, KAPSEL_CACHE_DIR to choose', () => {
  assert.equal(defaultSeccompCacheDir({}, false), '/run/kapsel-cache');
  assert.equal(defaultSeccompCacheDir({ XDG_RUNTIME_DIR: '/run/user/1000' }, false), '/run/kapsel-cache');
  // Rootless podman: uid 0 of a user namespace, with the user's runtime directory.
  assert.equal(defaultSeccompCacheDir({ XDG_RUNTIME_DIR: '/run/user/1000' }, true), '/run/user/1000/kapsel-cache');
  assert.equal(defaultSeccompCacheDir({}, true), undefined, 'no runtime directory: no cache');
  assert.equal(defaultSeccompCacheDir({ KAPSEL_CACHE_DIR: '' }, false), undefined);
  assert.equal(defaultSeccompCacheDir({ KAPSEL_CACHE_DIR: '/var/cache/k' }, true), '/var/cache/k');
});

/**
 * Issue 17 item 3: the runtime as uid 0 of a user namespace (how rootless
 * podman calls it: its own namespace maps 0 to the user, setgroups
 * allowed, newuidmap's way) counts as rootless for cgroups. Cgroups it
 * cannot create are skipped with one warning, as runc's rootless cgroup
 * manager does; ones it can write are used.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectLayout } from '../../lib/cgroups/layout';
import { makeBundle, type Bundle } from '../helpers/bundle';
import { assertNoLeaks } from '../helpers/leaks';
import { rootlessSuite } from '../helpers/rootless-suite';
import { uniqueId } from '../helpers/run';
import { TMP_PREFIX, tempDir } from '../helpers/tmp';

const suite = rootlessSuite();
const { skip } = suite;

interface Outcome {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `kapsel ARGS` from the user-readable copy as uid 0 of a new user
 * namespace mapping 0 to `host` (maps written from outside, by root, so
 * setgroups stays allowed: rootless podman's newuidmap way).
 */
async function kapselInUserNamespace(host: { uid: number; gid: number }, args: string[]): Promise<Outcome> {
  const kapsel = path.join(path.dirname(path.dirname(path.dirname(path.dirname(suite.runner)))), 'bin', 'kapsel');
  const child = spawn(
    'unshare',
    ['--user', '--keep-caps', '--', 'sh', '-c', 'read go && exec setpriv --reuid=0 --regid=0 --clear-groups "$@"', 'sh', kapsel, ...args],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ours = fs.readlinkSync('/proc/self/ns/user');
  for (let i = 0; i < 500 && fs.readlinkSync(`/proc/${child.pid}/ns/user`) === ours; i++) await new Promise((r) => setTimeout(r, 10));
  fs.writeFileSync(`/proc/${child.pid}/uid_map`, `0 ${host.uid} 1\n`);
  fs.writeFileSync(`/proc/${child.pid}/gid_map`, `0 ${host.gid} 1\n`);
  child.stdin.end('go\n');
  return { status: await exited, stdout, stderr };
}

/** A bundle as rootless podman sends it: no user namespace of its own (the runtime is in one), a memory limit and a cgroupsPath. */
function podmanLikeBundle(owner: { uid: number; gid: number }, cgroupsPath: string): Bundle {
  return makeBundle({
    rootless: true,
    owner,
    edit: (spec) => {
      spec.linux!.namespaces = spec.linux!.namespaces!.filter((n) => n.type !== 'user');
      delete spec.linux!.uidMappings;
      delete spec.linux!.gidMappings;
      spec.linux!.cgroupsPath = cgroupsPath;
      spec.linux!.resources = { memory: { limit: 64 * 1024 * 1024 } };
      spec.process!.args = ['/probe', 'cat', '/proc/self/cgroup'];
    },
  });
}

function stateRoot(owner: { uid: number; gid: number }): string {
  const dir = tempDir('userns-root');
  fs.chownSync(dir, owner.uid, owner.gid);
  return dir;
}

const layout = detectLayout();
const memoryDir = (id: string): string | undefined =>
  layout.kind === 'v2' ? undefined : layout.v1.memory && path.join(layout.v1.memory.mountPoint, id);

/**
 * `kapsel run` of a podman-like bundle as uid 0 of a namespace mapping it
 * to `owner`; its outcome, the container's id; the cgroup it may have made
 * is gone afterwards (run deletes).
 */
async function runPodmanLike(owner: { uid: number; gid: number }): Promise<Outcome & { id: string }> {
  const id = uniqueId();
  const bundle = podmanLikeBundle(owner, `/${id}`);
  const root = stateRoot(owner);
  try {
    const run = await kapselInUserNamespace(owner, ['--root', root, 'run', '--bundle', bundle.dir, id]);
    assert.equal(run.status, 0, run.stderr);
    const mem = memoryDir(id);
    if (mem) assert.equal(fs.existsSync(mem), false, 'no cgroup left');
    return { ...run, id };
  } finally {
    bundle.cleanup();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

test('uid 0 of a user namespace that owns no cgroup: the container runs without one, with one warning', { skip }, async () => {
  const run = await runPodmanLike(suite.owner);
  assert.equal(run.stderr.match(/rootless \(uid 0 of a user namespace\)/g)?.length, 1, run.stderr);
  // From inside: no cgroup of the container's own (the runtime's).
  assert.ok(!run.stdout.includes(run.id), run.stdout);
});

test('uid 0 of a user namespace that can write the hierarchies: the cgroups are made and the container is in them', { skip }, async () => {
  // Root's own ids mapped: the hierarchies' owner is uid 0 there.
  const run = await runPodmanLike({ uid: 0, gid: 0 });
  assert.doesNotMatch(run.stderr, /without cgroup limits/);
  // From inside: the container's own cgroup (a v1 memory line, or the
  // cgroup2 line of a pure v2 host, names it).
  const line = layout.kind === 'v2' ? `0::/${run.id}` : `memory:/${run.id}`;
  assert.ok(run.stdout.split('\n').some((l) => l.endsWith(line)), run.stdout);
});

test('nothing leaks', { skip }, () => {
  assertNoLeaks(suite.snapshot, TMP_PREFIX);
});

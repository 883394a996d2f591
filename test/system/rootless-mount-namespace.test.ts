/**
 * Issue 9, items 4 and 5, rootless: the unprivileged user joins a user and
 * a mount namespace it made itself (by path), and a config without a mount
 * namespace is refused precisely (its devices would be bind mounts in the
 * user's, that is the host's, mount table). The host's mount table is the
 * same after as before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import type { Spec } from '../../lib/config/types';
import { makeBundle } from '../helpers/bundle';
import { rootlessSuite } from '../helpers/rootless-suite';
import type { RunResult } from '../helpers/run';
import { runAsUser } from '../helpers/user';
import { hostMounts, namespaceHolder, type NamespaceHolder } from '../helpers/namespace-holder';

const suite = rootlessSuite();
const { skip } = suite;

/** Runs the rootless runner on a bundle made with `edit`: its JSON line. */
function runRootless(edit: (spec: Spec) => void): RunResult & { error?: string; code?: string } {
  const bundle = makeBundle({ rootless: true, owner: suite.owner, edit });
  try {
    const run = runAsUser(suite.runner, [bundle.dir]);
    const line = run.stdout.trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(line) as RunResult & { error?: string };
    } catch {
      throw new Error(`runner printed no JSON (status ${run.status}):\n${run.stdout}\n${run.stderr}`);
    }
  } finally {
    bundle.cleanup();
  }
}

/**
 * `unshare --user --mount sleep` as the test user, its maps then written
 * by root (as newuidmap writes rootless podman's): a user namespace mapping
 * root to the user, with setgroups allowed, and a mount namespace it owns.
 */
function userNamespaceHolder(): Promise<NamespaceHolder> {
  const { uid, gid } = suite.owner;
  const command = ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--init-groups', '--inh-caps=-all', '--', 'unshare', '--user', '--mount', 'sleep', '600'];
  return namespaceHolder(command, 'mnt', (pid) => {
    fs.writeFileSync(`/proc/${pid}/uid_map`, `0 ${uid} 1\n`);
    fs.writeFileSync(`/proc/${pid}/gid_map`, `0 ${gid} 1\n`);
  });
}

test('rootless: a user and mount namespace of the user\'s, joined by path; the rootfs set up there', { skip }, async () => {
  const holder = await userNamespaceHolder();
  try {
    const before = hostMounts();
    const out = runRootless((spec) => {
      spec.linux!.namespaces = spec.linux!.namespaces!.map((ns) =>
        ns.type === 'user' || ns.type === 'mount' ? { ...ns, path: `/proc/${holder.pid}/ns/${ns.type === 'user' ? 'user' : 'mnt'}` } : ns,
      );
      // A joined user namespace brings its own mappings.
      delete spec.linux!.uidMappings;
      delete spec.linux!.gidMappings;
      spec.process!.args = ['/probe', 'report', '/probe', '/dev/null'];
    });
    assert.equal(out.error, undefined, out.error);
    assert.deepEqual(out.exit, { exitCode: 0, signal: null }, out.stderr);
    const report = out.report!;
    assert.equal(report.namespaces.mnt, holder.ns, 'the joined mount namespace');
    assert.equal(report.namespaces.user, fs.readlinkSync(`/proc/${holder.pid}/ns/user`));
    assert.equal((report.stat['/probe'] as { type: string }).type, 'file');
    assert.equal((report.stat['/dev/null'] as { type: string }).type, 'char');
    assert.ok(report.mounts.some((l) => l.split(' ')[4] === '/proc'), report.mounts.join('\n'));
    assert.deepEqual(hostMounts(), before, 'the host\'s mount table');
  } finally {
    await holder.stop();
  }
});

test('rootless without a mount namespace: refused naming /linux/namespaces (devices would be bind mounts)', { skip }, () => {
  const before = hostMounts();
  const out = runRootless((spec) => {
    spec.linux!.namespaces = spec.linux!.namespaces!.filter((ns) => ns.type !== 'mount');
    spec.mounts = [];
    spec.linux!.maskedPaths = [];
    spec.linux!.readonlyPaths = [];
    spec.root!.readonly = false;
  });
  assert.equal(out.code, 'ERR_NOT_SUPPORTED');
  assert.match(out.error ?? '', /config\.json \/linux\/namespaces: devices in a user namespace/);
  assert.deepEqual(hostMounts(), before);
});

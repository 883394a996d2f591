/**
 * A user namespace joined by path whose setgroups is denied (one made by
 * `unshare --map-root-user`, as a pod's infra process or a rootless
 * engine makes it). The runtime cannot see that setting when it compiles
 * the plan; the init finds it at run time, as runc does: the groups are
 * not cleared there (the kernel would refuse), additional groups are an
 * error naming the field. The groups the runtime itself had must never
 * reach the container: the spawner drops them before it joins.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { probeReport, runProbe, uniqueId } from '../helpers/run';
import { namespaceHolder, type NamespaceHolder } from '../helpers/namespace-holder';
import { systemSuite } from '../helpers/suite';

const suite = systemSuite();
const { skip } = suite;

/** A process in a user namespace of its own (root mapped to root) with setgroups denied. */
function userNamespaceHolder(): Promise<NamespaceHolder> {
  return namespaceHolder(['unshare', '--user', '--map-root-user', 'sleep', '600'], 'user', (pid) => {
    assert.equal(fs.readFileSync(`/proc/${pid}/setgroups`, 'utf8').trim(), 'deny');
  });
}

function joinUserNamespace(path: string) {
  return (spec: import('../../lib/config/types').Spec): void => {
    const namespaces = spec.linux!.namespaces!.filter((ns) => ns.type !== 'user');
    spec.linux!.namespaces = [{ type: 'user', path }, ...namespaces];
    delete spec.linux!.uidMappings;
    delete spec.linux!.gidMappings;
    // Only uid and gid 0 are mapped there: devpts cannot take gid=5 (as in `spec --rootless`).
    for (const m of spec.mounts ?? []) m.options = m.options?.filter((o) => o !== 'gid=5');
  };
}

test('a joined user namespace that denies setgroups: the container runs in it with no groups', { skip }, async () => {
  const holder = await userNamespaceHolder();
  try {
    const bundle = suite.bundle({ edit: joinUserNamespace(`/proc/${holder.pid}/ns/user`) });
    const report = await probeReport(bundle);
    assert.equal(report.namespaces.user, holder.ns, 'the joined user namespace');
    assert.deepEqual(report.groups, [], 'no group of the runtime reaches the container');
  } finally {
    await holder.stop();
  }
});

test('a joined user namespace that denies setgroups: additionalGids fail create, naming the field, nothing left', { skip }, async () => {
  const holder = await userNamespaceHolder();
  try {
    const bundle = suite.bundle({
      edit: (spec) => {
        joinUserNamespace(`/proc/${holder.pid}/ns/user`)(spec);
        spec.process!.user = { uid: 0, gid: 0, additionalGids: [0] };
      },
    });
    const res = runProbe(bundle, { id: uniqueId() });
    await assert.rejects(res, /additionalGids cannot be set: setgroups is denied/);
    assert.deepEqual(fs.readdirSync(suite.root), []);
  } finally {
    await holder.stop();
  }
});

// Issue 9 item 6: LSM labels as runc treats them. On a host without
// SELinux, selinuxLabel and mountLabel are ignored with a debug line and the
// container runs; an AppArmor profile on a host without AppArmor is
// runc's "apparmor: config provided but apparmor not supported".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Container } from '../../lib';
import { gatherHostFacts } from '../../lib/plan/facts';
import { uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';

const suite = systemSuite();
const lsm = gatherHostFacts({}, '/').lsm!;
const skip = suite.skip || (lsm.selinux || lsm.apparmor ? 'the host has SELinux or AppArmor enabled' : false);

test('SELinux labels on a host without SELinux: ignored with a debug line each, the container runs', { skip }, async () => {
  const bundle = suite.bundle({
    edit: (s) => {
      s.process!.selinuxLabel = 'system_u:system_r:container_t:s0:c1,c2';
      s.linux!.mountLabel = 'system_u:object_r:container_file_t:s0:c1,c2';
      s.process!.args = ['/probe', 'exit', '0'];
    },
  });
  const debug: string[] = [];
  const warn: string[] = [];
  const c = await Container.create({
    id: uniqueId(), bundle: bundle.dir, root: suite.root, stdio: [0, 1, 2],
    logger: { warn: (m) => warn.push(m), debug: (m) => debug.push(m) },
  });
  try {
    await c.start();
    assert.deepEqual(await c.wait(), { exitCode: 0, signal: null });
  } finally {
    await c.delete({ force: true });
  }
  assert.deepEqual(warn, []);
  assert.equal(debug.filter((m) => /SELinux is not enabled on this host, the label .* is ignored/.test(m)).length, 2);
  assert.ok(debug.some((m) => m.startsWith('/process/selinuxLabel:')));
  assert.ok(debug.some((m) => m.startsWith('/linux/mountLabel:')));
});

test('an AppArmor profile on a host without AppArmor is refused, as runc refuses it', { skip }, async () => {
  const bundle = suite.bundle({ edit: (s) => (s.process!.apparmorProfile = 'docker-default') });
  await assert.rejects(Container.create({ id: uniqueId(), bundle: bundle.dir, root: suite.root }), (err: Error & { code?: string; jsonPath?: string }) => {
    assert.equal(err.code, 'ERR_INVALID_CONFIG');
    assert.equal(err.jsonPath, '/process/apparmorProfile');
    assert.match(err.message, /apparmor: config provided but apparmor not supported/);
    return true;
  });
  assert.deepEqual(fs.readdirSync(suite.root), []);
});

/**
 * The container process (config "process"), checked from inside: the
 * probe's view of its argv, environment, credentials, capabilities,
 * limits and open descriptors.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeBundle, TEST_USER } from '../helpers/bundle';
import { createTestContainer, probeReport, runProbe } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import type { Process } from '../../lib/config/types';
import { capHex } from '../helpers/capabilities';

const suite = systemSuite();
const { skip } = suite;

let root: string;
before(() => {
  root = suite.root;
});

/** Runs the probe report with `change` applied to config.process. */
async function reportWith(change: (proc: Process) => void, paths: string[] = []) {
  const bundle = makeBundle({ edit: (spec) => change(spec.process!) });
  try {
    return await probeReport(bundle, paths, { root });
  } finally {
    bundle.cleanup();
  }
}

/** A capability set as /proc/self/status prints it (16 hex digits). */
test('args, env and cwd (created when missing)', { skip }, async () => {
  const env = ['PATH=/bin', 'FOO=bar', 'WITH_SPACES=a b  c', 'EMPTY=', 'HOME=/custom'];
  const report = await reportWith((proc) => {
    proc.args = ['/probe', 'report', 'extra arg'];
    proc.env = env;
    proc.cwd = '/work/dir';
  });
  assert.deepEqual(report.argv, ['/probe', 'report', 'extra arg']);
  // Exactly the configured environment: nothing inherited from the runtime.
  assert.deepEqual(report.env, env);
  assert.equal(report.cwd, '/work/dir');
});

test('the exit code and a killing signal are reported', { skip }, async () => {
  const bundle = makeBundle();
  try {
    const res = await runProbe(bundle, { root, args: ['/probe', 'exit', '7'] });
    assert.deepEqual(res.exit, { exitCode: 7, signal: null });
    const run = await createTestContainer(bundle, { root, args: ['/probe', 'sleep', '30'] });
    try {
      await run.container.start();
      await run.container.kill('SIGKILL');
      assert.deepEqual(await run.container.wait(), { exitCode: null, signal: 'SIGKILL' });
    } finally {
      await run.destroy();
    }
  } finally {
    bundle.cleanup();
  }
});

test('HOME comes from the container /etc/passwd when the env lacks it', { skip }, async () => {
  const asRoot = await reportWith((proc) => {
    proc.env = ['PATH=/bin'];
  });
  assert.ok(asRoot.env.includes('HOME=/root'), asRoot.env.join(' '));
  const asUser = await reportWith((proc) => {
    proc.env = ['PATH=/bin'];
    proc.user = { uid: TEST_USER.uid, gid: TEST_USER.gid };
  });
  assert.ok(asUser.env.includes(`HOME=${TEST_USER.home}`), asUser.env.join(' '));
  // A uid without a passwd entry gets "/".
  const unknown = await reportWith((proc) => {
    proc.env = ['PATH=/bin'];
    proc.user = { uid: 4242, gid: 4242 };
  });
  assert.ok(unknown.env.includes('HOME=/'), unknown.env.join(' '));
});

test('user: uid, gid and additional groups (real, effective and saved)', { skip }, async () => {
  const report = await reportWith((proc) => {
    proc.user = { uid: 1000, gid: 1001, additionalGids: [5, 1234] };
  });
  assert.deepEqual([report.uid, report.euid, report.suid], [1000, 1000, 1000]);
  assert.deepEqual([report.gid, report.egid, report.sgid], [1001, 1001, 1001]);
  assert.deepEqual([...report.groups].sort((a, b) => a - b), [5, 1234]);
});

test('root with no additionalGids has no supplementary groups', { skip }, async () => {
  const report = await reportWith(() => undefined);
  assert.deepEqual([report.uid, report.gid], [0, 0]);
  // The runtime's own groups must not leak in.
  assert.deepEqual(report.groups, []);
});

test('umask: from process.user.umask, 0022 by default', { skip }, async () => {
  const custom = await reportWith((proc) => {
    proc.user = { uid: 0, gid: 0, umask: 0o077 };
  });
  assert.equal(custom.status.Umask, '0077');
  const byDefault = await reportWith(() => undefined);
  assert.equal(byDefault.status.Umask, '0022');
});

test('capabilities: all five sets, as a non-root user with an ambient capability', { skip }, async () => {
  const report = await reportWith((proc) => {
    proc.user = { uid: 1000, gid: 1000 };
    proc.capabilities = {
      bounding: ['CAP_CHOWN', 'CAP_KILL'],
      permitted: ['CAP_CHOWN', 'CAP_KILL'],
      effective: ['CAP_CHOWN', 'CAP_KILL'],
      inheritable: ['CAP_CHOWN', 'CAP_KILL'],
      ambient: ['CAP_KILL'],
    };
  });
  assert.equal(report.uid, 1000);
  assert.equal(report.status.CapBnd, capHex(['CAP_CHOWN', 'CAP_KILL']));
  assert.equal(report.status.CapInh, capHex(['CAP_CHOWN', 'CAP_KILL']));
  assert.equal(report.status.CapAmb, capHex(['CAP_KILL']));
  // execve as a non-root user without file capabilities: permitted and
  // effective become the ambient set.
  assert.equal(report.status.CapPrm, capHex(['CAP_KILL']));
  assert.equal(report.status.CapEff, capHex(['CAP_KILL']));
});

test('capabilities: the default set for root', { skip }, async () => {
  const report = await reportWith(() => undefined);
  const defaults = capHex(['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE']);
  assert.equal(report.status.CapBnd, defaults);
  assert.equal(report.status.CapPrm, defaults);
  assert.equal(report.status.CapEff, defaults);
  assert.equal(report.status.CapInh, capHex([]));
  assert.equal(report.status.CapAmb, capHex([]));
});

test('rlimits (at or below the current hard limits: no CAP_SYS_RESOURCE here)', { skip }, async () => {
  const report = await reportWith((proc) => {
    proc.rlimits = [
      { type: 'RLIMIT_NOFILE', soft: 256, hard: 512 },
      { type: 'RLIMIT_CORE', soft: 0, hard: 0 },
    ];
  });
  assert.deepEqual(report.rlimits.RLIMIT_NOFILE, { soft: '256', hard: '512' });
  assert.deepEqual(report.rlimits.RLIMIT_CORE, { soft: '0', hard: '0' });
});

test('noNewPrivileges: NoNewPrivs 1 when true, 0 when false', { skip }, async () => {
  const on = await reportWith((proc) => {
    proc.noNewPrivileges = true;
  });
  assert.equal(on.status.NoNewPrivs, '1');
  const off = await reportWith((proc) => {
    proc.noNewPrivileges = false;
  });
  assert.equal(off.status.NoNewPrivs, '0');
});

test('oomScoreAdj', { skip }, async () => {
  const report = await reportWith((proc) => {
    proc.oomScoreAdj = 100;
  });
  assert.equal(report.oom_score_adj, 100);
});

test('only fds 0, 1 and 2 are open in the container', { skip }, async () => {
  const report = await reportWith(() => undefined);
  assert.deepEqual(Object.keys(report.fds).sort(), ['0', '1', '2'], JSON.stringify(report.fds));
  assert.equal(report.fds['0'], '/dev/null');
});


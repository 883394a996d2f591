// Issue 9: configs runc and crun run, run the same way here.
// Item 7: a new network namespace has its loopback up.
// Item 15: the container's init has a session of its own (setsid).
// Item 19: `runc spec`'s and `crun spec`'s capabilities (the defaults in
// ambient but not in inheritable) run; those ambient capabilities are
// skipped (runc's way), and ones also in inheritable are raised.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CAPABILITIES } from '../../lib/native/constants';
import { probeReport, runProbe } from '../helpers/run';
import { systemSuite } from '../helpers/suite';

const suite = systemSuite();
const { skip } = suite;
const DEFAULTS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

function bit(name: string): bigint {
  return 1n << BigInt(CAPABILITIES[name]);
}

test('the container gets a session and process group of its own', { skip }, async () => {
  const withPidns = await probeReport(suite.bundle());
  assert.equal(withPidns.pid, 1);
  assert.equal(withPidns.tty.sid, 1, 'session id = pid 1 in its pid namespace (0 = the caller\'s session)');
  const sharedPidns = await probeReport(
    suite.bundle({ edit: (s) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid')) }),
  );
  assert.notEqual(sharedPidns.pid, 1);
  assert.equal(sharedPidns.tty.sid, sharedPidns.pid);
  assert.notEqual(sharedPidns.tty.sid, process.pid);
});

test('runc\'s and crun\'s default capabilities (ambient without inheritable) run; ambient is raised only where the kernel allows', { skip }, async () => {
  const report = await probeReport(
    suite.bundle({
      edit: (s) => {
        s.process!.user = { uid: 1000, gid: 1000 };
        s.process!.capabilities = { bounding: DEFAULTS, effective: DEFAULTS, permitted: DEFAULTS, ambient: DEFAULTS };
      },
    }),
  );
  assert.equal(BigInt(`0x${report.status.CapAmb}`), 0n);
  assert.equal(BigInt(`0x${report.status.CapPrm}`), 0n, 'uid 1000 without ambient keeps nothing across exec');
  const raised = await probeReport(
    suite.bundle({
      edit: (s) => {
        s.process!.user = { uid: 1000, gid: 1000 };
        s.process!.capabilities = {
          bounding: DEFAULTS,
          effective: DEFAULTS,
          permitted: DEFAULTS,
          inheritable: ['CAP_NET_BIND_SERVICE'],
          ambient: DEFAULTS,
        };
      },
    }),
  );
  assert.equal(BigInt(`0x${raised.status.CapAmb}`), bit('CAP_NET_BIND_SERVICE'));
  assert.equal(BigInt(`0x${raised.status.CapEff}`), bit('CAP_NET_BIND_SERVICE'));
});

test('a new network namespace has lo up (IFF_UP), as runc and crun leave it', { skip }, async () => {
  const bundle = suite.bundle();
  assert.ok(bundle.config.linux!.namespaces!.some((n) => n.type === 'network' && !n.path));
  // The container's own sysfs shows its own network namespace's devices.
  const res = await runProbe(bundle, { args: ['/probe', 'cat', '/sys/class/net/lo/flags'] });
  assert.equal(res.exit.exitCode, 0, res.stderr);
  const IFF_UP = 0x1;
  const IFF_LOOPBACK = 0x8;
  const flags = Number.parseInt(res.stdout.trim(), 16);
  assert.equal(flags & IFF_LOOPBACK, IFF_LOOPBACK, `lo flags ${res.stdout}`);
  assert.equal(flags & IFF_UP, IFF_UP, `lo flags ${res.stdout}`);
});

/**
 * Namespaces, checked from inside the container: the probe reads
 * /proc/self/ns/* and compares with this (host) process.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { makeBundle } from '../helpers/bundle';
import { createTestContainer, probeReport } from '../helpers/run';
import { systemSuite } from '../helpers/suite';

const suite = systemSuite();
const { skip } = suite;
const TYPES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'];

function hostNamespaces(): Record<string, string> {
  return Object.fromEntries(TYPES.map((t) => [t, fs.readlinkSync(`/proc/self/ns/${t}`)]));
}

let root: string;
before(() => {
  root = suite.root;
});

test('new pid, uts, ipc, net, mnt and cgroup namespaces; the others are shared', { skip }, async () => {
  const bundle = makeBundle({
    edit: (spec) => {
      spec.hostname = 'kapsel-probe';
      spec.domainname = 'example.test';
      // defaultSpec adds a cgroup namespace only on pure cgroup v2 hosts.
      if (!spec.linux!.namespaces!.some((ns) => ns.type === 'cgroup')) spec.linux!.namespaces!.push({ type: 'cgroup' });
    },
  });
  try {
    const report = await probeReport(bundle, [], { root });
    const host = hostNamespaces();
    // First process of a new pid namespace; its parent is outside it.
    assert.equal(report.pid, 1);
    assert.equal(report.ppid, 0);
    assert.equal(report.hostname, 'kapsel-probe');
    assert.equal(report.domainname, 'example.test');
    for (const type of ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'uts']) {
      assert.notEqual(report.namespaces[type], host[type], `${type} namespace should be new`);
    }
    // Not in the config: inherited from the runtime.
    assert.equal(report.namespaces.user, host.user);
    assert.equal(report.namespaces.time, host.time);
  } finally {
    bundle.cleanup();
  }
});

test('a namespace omitted from the config is shared with the host', { skip }, async () => {
  const bundle = makeBundle({
    edit: (spec) => {
      spec.linux!.namespaces = spec.linux!.namespaces!.filter((ns) => ns.type !== 'network' && ns.type !== 'ipc');
    },
  });
  try {
    const report = await probeReport(bundle, [], { root });
    const host = hostNamespaces();
    assert.equal(report.namespaces.net, host.net);
    assert.equal(report.namespaces.ipc, host.ipc);
    assert.notEqual(report.namespaces.pid, host.pid);
  } finally {
    bundle.cleanup();
  }
});

test('a namespace given by path is joined', { skip }, async () => {
  const first = makeBundle();
  const second = makeBundle();
  const sleeper = await createTestContainer(first, { root, args: ['/probe', 'sleep', '30'] });
  try {
    await sleeper.container.start();
    const pid = sleeper.container.pid;
    assert.ok(pid > 0);
    const firstNet = fs.readlinkSync(`/proc/${pid}/ns/net`);
    const firstIpc = fs.readlinkSync(`/proc/${pid}/ns/ipc`);
    second.config.linux!.namespaces = second.config.linux!.namespaces!.map((ns) =>
      ns.type === 'network' || ns.type === 'ipc' ? { type: ns.type, path: `/proc/${pid}/ns/${ns.type === 'network' ? 'net' : 'ipc'}` } : ns,
    );
    second.write();
    const report = await probeReport(second, [], { root });
    assert.equal(report.namespaces.net, firstNet);
    assert.equal(report.namespaces.ipc, firstIpc);
    assert.notEqual(report.namespaces.net, hostNamespaces().net);
    // The rest is still new, and not the first container's.
    assert.notEqual(report.namespaces.pid, fs.readlinkSync(`/proc/${pid}/ns/pid`));
    assert.equal(report.pid, 1);
  } finally {
    await sleeper.destroy();
    first.cleanup();
    second.cleanup();
  }
});


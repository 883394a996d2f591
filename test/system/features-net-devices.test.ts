/**
 * linux.netDevices: a veth interface the test creates (ip link; this
 * kernel has no dummy driver; its peer stays on the host) is moved
 * into the container's network namespace, renamed, up, with its permanent
 * address — checked from inside by the probe. The kernel destroys a
 * virtual device with the namespace, and the runtime does not move it back
 * (config-linux.md: it MUST NOT). Failures name the field and leave nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { Container } from '../../lib';
import type { Spec } from '../../lib/config/types';
import { childProcesses } from '../helpers/leaks';
import { runProbe, uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';

const suite = systemSuite();
const hasIp = spawnSync('ip', ['-V']).status === 0;
const skip = suite.skip || (hasIp ? false : 'needs iproute2 (ip) to create the veth interface');

function ip(...args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

/** A veth pair `name` / `name`p, `name` with a permanent address; removed at the end if it still exists. */
function withVeth<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const add = ip('link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`);
  assert.equal(add.status, 0, add.stderr);
  assert.equal(ip('addr', 'add', '10.213.7.1/24', 'dev', name).status, 0);
  return fn().finally(() => {
    if (ip('link', 'show', 'dev', name).status === 0) ip('link', 'del', name);
    if (ip('link', 'show', 'dev', `${name}p`).status === 0) ip('link', 'del', `${name}p`);
  });
}

async function expectCreateFailure(edit: (spec: Spec) => void, message: RegExp): Promise<void> {
  const bundle = suite.bundle({ edit });
  await assert.rejects(Container.create({ id: uniqueId(), bundle: bundle.dir, root: suite.root }), message);
  assert.deepEqual(fs.readdirSync(suite.root), []);
  assert.deepEqual(childProcesses(), []);
}

test('a host interface is moved in, renamed, up, with its address; gone with the namespace', { skip }, async () => {
  const dev = `ktd${process.pid}`.slice(0, 15);
  await withVeth(dev, async () => {
    const bundle = suite.bundle({ edit: (s) => (s.linux!.netDevices = { [dev]: { name: 'eth9' } }) });
    const res = await runProbe(bundle, { root: suite.root, args: ['/probe', 'netdev', 'eth9'] });
    assert.equal(res.exit.exitCode, 0, res.stdout + res.stderr);
    assert.deepEqual(JSON.parse(res.stdout), { up: true, ipv4: '10.213.7.1' });
    // A virtual device dies with the container's network namespace, its
    // peer with it: the kernel frees a namespace asynchronously (its
    // cleanup work queue), so wait for that, boundedly.
    for (let i = 0; i < 400 && ip('link', 'show', 'dev', `${dev}p`).status === 0; i++) await new Promise((r) => setTimeout(r, 25));
    assert.notEqual(ip('link', 'show', 'dev', dev).status, 0, 'the moved end is not back on the host');
    assert.notEqual(ip('link', 'show', 'dev', `${dev}p`).status, 0, 'the peer went with it');
  });
});

test('without a new name the host name is kept', { skip }, async () => {
  const dev = `ktk${process.pid}`.slice(0, 15);
  await withVeth(dev, async () => {
    const bundle = suite.bundle({ edit: (s) => (s.linux!.netDevices = { [dev]: {} }) });
    const res = await runProbe(bundle, { root: suite.root, args: ['/probe', 'netdev', dev] });
    assert.deepEqual(JSON.parse(res.stdout), { up: true, ipv4: '10.213.7.1' });
  });
});

test('a "%d" name template: the kernel picks the number', { skip }, async () => {
  const dev = `ktt${process.pid}`.slice(0, 15);
  await withVeth(dev, async () => {
    const bundle = suite.bundle({ edit: (s) => (s.linux!.netDevices = { [dev]: { name: 'net%d' } }) });
    const res = await runProbe(bundle, { root: suite.root, args: ['/probe', 'netdev', 'net0'] });
    assert.deepEqual(JSON.parse(res.stdout), { up: true, ipv4: '10.213.7.1' });
  });
});

test('a missing interface, a name taken inside, no network namespace: errors naming the field', { skip }, async () => {
  await expectCreateFailure((s) => (s.linux!.netDevices = { ktnosuchdev0: {} }), /\/linux\/netDevices\/ktnosuchdev0: cannot move "ktnosuchdev0"/);
  const dev = `ktl${process.pid}`.slice(0, 15);
  await withVeth(dev, async () => {
    // "lo" exists in every network namespace.
    await expectCreateFailure((s) => (s.linux!.netDevices = { [dev]: { name: 'lo' } }), new RegExp(`/linux/netDevices/${dev}: cannot move .*EEXIST|exists`));
    assert.equal(ip('link', 'show', 'dev', dev).status, 0, 'a refused device stays on the host');
  });
  await expectCreateFailure(
    (s) => ((s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'network')), (s.linux!.netDevices = { eth0: {} })),
    /\/linux\/netDevices: moving network devices needs a network namespace/,
  );
  await expectCreateFailure((s) => (s.linux!.netDevices = { eth0: { name: 'a/b' } }), /\/linux\/netDevices\/eth0\/name: "a\/b" holds a "\/"/);
});

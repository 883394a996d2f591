/**
 * linux.netDevices: a veth interface the test creates (ip link; this
 * kernel has no dummy driver; its peer stays on the host) is moved
 * into the container's network namespace, renamed, up, with its permanent
 * address — checked from inside by the probe. The kernel destroys a
 * virtual device with the namespace, and the runtime does not move it back
 * (config-linux.md: it MUST NOT). Failures name the field and leave nothing.
 *
 * Issue 16, hole 7: the runtime's own network namespace (joined by path)
 * is refused, at plan time and again where the runtime moves the link, and
 * the host interface is left as it was; a create that fails after a move
 * puts the device back on the host under its host name, with its address
 * and up state (a veth that stayed inside would die with the namespace).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { Container } from '../../lib';
import { native } from '../../lib/native/addon';
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

/** What the host shows of interface `name`: its flags and IPv4 addresses, or undefined when it has none of that name. */
function hostLink(name: string): { up: boolean; ipv4: string[] } | undefined {
  const r = spawnSync('ip', ['-j', 'addr', 'show', 'dev', name], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const [link] = JSON.parse(r.stdout) as Array<{ flags: string[]; addr_info: Array<{ family: string; local: string; prefixlen: number }> }>;
  return { up: link.flags.includes('UP'), ipv4: link.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`) };
}

/** withVeth for the hole 7 tests: `dev` up (or not), and what the host shows of it before. */
function withHostDevice(prefix: string, up: boolean, fn: (dev: string, before: ReturnType<typeof hostLink>) => Promise<void>): Promise<void> {
  const dev = `${prefix}${process.pid}`.slice(0, 15);
  return withVeth(dev, async () => {
    if (up) assert.equal(ip('link', 'set', dev, 'up').status, 0);
    const before = hostLink(dev);
    assert.deepEqual(before, { up, ipv4: ['10.213.7.1/24'] });
    await fn(dev, before);
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

test('hole 7: netDevices in the runtime\'s own network namespace are refused; the host interface is untouched', { skip }, async () => {
  await withHostDevice('kto', true, async (dev, before) => {
    const ownNamespace = (s: Spec): void => {
      s.linux!.namespaces = [...s.linux!.namespaces!.filter((n) => n.type !== 'network'), { type: 'network', path: '/proc/self/ns/net' }];
      s.linux!.netDevices = { [dev]: { name: 'kt-renamed' } };
    };
    await expectCreateFailure(ownNamespace, /\/linux\/netDevices: moving devices would rename host interfaces in place: the network namespace joined at \/proc\/self\/ns\/net is the host's/);
    assert.deepEqual(hostLink(dev), before, 'name, state and address as they were');
    assert.equal(hostLink('kt-renamed'), undefined);
  });
});

test('hole 7: the runtime checks again the namespace it moves a device into', { skip }, async () => {
  await withHostDevice('ktr', true, async (dev, before) => {
    // What the runtime holds when the init joined the host's namespace by
    // the time of the move: an fd of the runtime's own.
    const fd = fs.openSync('/proc/self/ns/net', 'r');
    try {
      assert.throws(() => native().moveNetDevice(fd, dev, 'kt-renamed'), (err: NodeJS.ErrnoException) => {
        assert.equal(err.code, 'EPERM');
        assert.match(err.message, /is the host's network namespace/);
        return true;
      });
    } finally {
      fs.closeSync(fd);
    }
    assert.deepEqual(hostLink(dev), before);
    assert.equal(hostLink('kt-renamed'), undefined);
  });
});

test('hole 7: a create that fails after the move puts the device back on the host as it was', { skip }, async () => {
  await withHostDevice('ktb', true, async (dev, before) => {
    // The init fails after the runtime moved the device: no such program.
    await expectCreateFailure(
      (s) => ((s.linux!.netDevices = { [dev]: { name: 'eth9' } }), (s.process!.args = ['/no-such-program'])),
      /no-such-program/,
    );
    assert.deepEqual(hostLink(dev), before, 'back under its host name, up, with its address');
    assert.equal(hostLink(`${dev}p`)?.up, false, 'its peer (never moved) still there');
  });
});

test('hole 7: a later device that cannot be moved sends the earlier ones back', { skip }, async () => {
  await withHostDevice('ktc', false, async (dev, before) => {
    await expectCreateFailure(
      (s) => (s.linux!.netDevices = { [dev]: { name: 'eth9' }, ktnosuchdev1: {} }),
      /\/linux\/netDevices\/ktnosuchdev1: cannot move "ktnosuchdev1"/,
    );
    assert.deepEqual(hostLink(dev), before, 'back under its host name, down as it was, with its address');
  });
});

const hasStrace = spawnSync('strace', ['-V']).status === 0;

/**
 * Runs `fn` with every thread of this process traced (strace -p of each
 * task, not following children) for setns and socket; returns what the
 * threads called. The children of the addon (the init, the helper that
 * makes a netlink socket inside) are not traced: only the Node process's
 * own threads are.
 */
async function tracingOwnThreads(fn: () => Promise<void>): Promise<string[]> {
  const tids = fs.readdirSync('/proc/self/task');
  const out = `/tmp/kapsel-netdev-strace-${process.pid}`;
  const { spawn } = await import('node:child_process');
  const strace = spawn('strace', ['-e', 'trace=setns,socket', '-e', 'signal=none', '-o', out, ...tids.flatMap((t) => ['-p', t])], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<void>((resolve) => strace.on('exit', () => resolve()));
  try {
    // Until every thread is attached (strace says so for each).
    await new Promise<void>((resolve, reject) => {
      strace.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        if ((stderr.match(/attached/g) ?? []).length >= tids.length) resolve();
      });
      strace.on('exit', () => reject(new Error(`strace ended: ${stderr}`)));
    });
    await fn();
  } finally {
    strace.kill('SIGINT');
    await exited;
  }
  const calls = fs.readFileSync(out, 'utf8').split('\n').filter((l) => l !== '');
  fs.rmSync(out);
  return calls;
}

test('the Node process never enters the container\'s network namespace: not to move, not to move back', { skip: skip || (hasStrace ? false : 'needs strace') }, async () => {
  await withHostDevice('ktn', true, async (dev, before) => {
    const netnsBefore = fs.readdirSync('/proc/self/task').map((t) => fs.readlinkSync(`/proc/self/task/${t}/ns/net`));
    const calls = await tracingOwnThreads(async () => {
      // Moved in, named and addressed by the init, then back: the init
      // fails after its netdev step (no such program).
      // (expectCreateFailure's child check would count strace.)
      const bundle = suite.bundle({ edit: (s) => ((s.linux!.netDevices = { [dev]: { name: 'eth9' } }), (s.process!.args = ['/no-such-program'])) });
      await assert.rejects(Container.create({ id: uniqueId(), bundle: bundle.dir, root: suite.root }), /no-such-program/);
    });
    assert.deepEqual(fs.readdirSync(suite.root), []);
    assert.deepEqual(childProcesses(), []);
    // The trace saw the addon's own netlink sockets (in this namespace)...
    assert.ok(calls.some((c) => c.includes('socket(AF_NETLINK')), calls.join('\n'));
    // ...and no thread of this process changed its namespace.
    assert.deepEqual(calls.filter((c) => c.includes('setns(')), []);
    assert.deepEqual(new Set(fs.readdirSync('/proc/self/task').map((t) => fs.readlinkSync(`/proc/self/task/${t}/ns/net`))), new Set(netnsBefore));
    assert.deepEqual(hostLink(dev), before, 'back under its host name, up, with its address');
  });
});

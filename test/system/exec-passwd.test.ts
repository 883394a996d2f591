/**
 * exec reads the running container's /etc/passwd from the host side (for
 * HOME). A process in the container controls what is at that path (issue
 * 16, hole 8): a symlink loop made every exec fail with ELOOP, and a FIFO
 * or a device node was opened by the runtime, outside the container's
 * device cgroup. Each attack is made from inside (`probe plant` in an
 * exec'd process); exec must go on with HOME=/ (runc's fallback without a
 * passwd entry), never hang, and never open the node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Container } from '../../lib/container/container';
import type { Bundle } from '../helpers/bundle';
import { execCapture, withStarted } from '../helpers/exec';
import type { ProbeReport } from '../helpers/run';
import { systemSuite } from '../helpers/suite';

const suite = systemSuite();
const { skip } = suite;

/** A running container with a writable root that may make char device nodes (docker's default rule "c *:* m"), destroyed after `fn`. */
async function withRunning(fn: (c: Container, bundle: Bundle) => Promise<void>): Promise<void> {
  const bundle = suite.bundle({
    edit: (spec) => {
      // Writable, with CAP_MKNOD, as docker's containers are.
      spec.root!.readonly = false;
      const caps = spec.process!.capabilities!;
      for (const set of [caps.bounding!, caps.effective!, caps.permitted!]) set.push('CAP_MKNOD');
      spec.linux!.resources = { ...spec.linux!.resources, devices: [...(spec.linux!.resources?.devices ?? []), { allow: true, type: 'c', access: 'm' }] };
    },
  });
  await withStarted(bundle, suite.root, (c) => fn(c, bundle));
}

/** Runs `args` in `c` as root; its exit and stdout. */
function execOut(c: Container, args: string[]): ReturnType<typeof execCapture> {
  return execCapture(c, { args, cwd: '/', env: ['PATH=/'] });
}

/** The attacker in the container: `probe plant PATH KIND ARGS...`. */
async function plant(c: Container, kind: string[], at = '/etc/passwd'): Promise<void> {
  const res = await execOut(c, ['/probe', 'plant', at, ...kind]);
  assert.deepEqual([res.exit, res.stdout.trim()], [{ exitCode: 0, signal: null }, '{"ok":true}'], `plant ${kind.join(' ')}`);
}

/** An exec'd probe's HOME (the process has none in its env: it comes from the passwd lookup). */
async function execHome(c: Container): Promise<string | undefined> {
  const res = await execOut(c, ['/probe', 'report']);
  assert.deepEqual(res.exit, { exitCode: 0, signal: null }, res.stdout);
  const report = JSON.parse(res.stdout) as ProbeReport;
  return report.env.find((kv) => kv.startsWith('HOME='));
}

test('/etc/passwd made a symlink loop, a symlink to /etc/shadow, a socket, a char device: exec goes on with HOME=/', { skip }, async () => {
  await withRunning(async (c, bundle) => {
    assert.equal(await execHome(c), 'HOME=/root', 'the image\'s passwd, before the attack');
    // A passwd-shaped /etc/shadow: following the link would show its HOME.
    fs.writeFileSync(path.join(bundle.rootfs, 'etc/shadow'), 'root:x:0:0:root:/from-shadow:/bin/sh\n');
    const attacks: string[][] = [
      ['symlink', 'passwd'],
      ['symlink', '/etc/passwd'],
      ['symlink', '/etc/shadow'],
      ['socket'],
      // /dev/zero's numbers, and a major with no driver (opening it fails ENXIO): neither is opened.
      ['chr', '1', '5'],
      ['chr', '240', '0'],
    ];
    for (const attack of attacks) {
      await plant(c, attack);
      assert.equal(await execHome(c), 'HOME=/', `/etc/passwd planted as ${attack.join(' ')}`);
    }
  });
});

test('/etc made a symlink to itself (a loop on the way to /etc/passwd): exec goes on with HOME=/', { skip }, async () => {
  await withRunning(async (c) => {
    await plant(c, ['symlink', '/etc'], '/etc');
    assert.equal(await execHome(c), 'HOME=/');
  });
});

test('/etc/passwd made a FIFO: exec never opens it (a writer waiting in the container is not woken) and goes on with HOME=/', { skip }, async () => {
  await withRunning(async (c, bundle) => {
    // The watcher blocks opening the FIFO for writing: any reader's open wakes it, and it tells whose.
    const watcher = await c.exec({ args: ['/probe', 'fifo-watch', '/etc/passwd', '/marker', '/verdict'], cwd: '/' }, { stdio: [0, 1, 2] });
    try {
      const fifo = path.join(bundle.rootfs, 'etc/passwd');
      // Waits (bounded by a count, never a timing assertion) until the watcher has made its FIFO.
      for (let i = 0; i < 2000 && fs.lstatSync(fifo, { throwIfNoEntry: false })?.isFIFO() !== true; i++) await sleep(5);
      assert.ok(fs.lstatSync(fifo).isFIFO(), 'the watcher made its FIFO');
      assert.equal(await execHome(c), 'HOME=/');
      // Now the test's own open, announced by the marker: the watcher must find it there.
      fs.writeFileSync(path.join(bundle.rootfs, 'marker'), '');
      fs.closeSync(fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK));
      assert.deepEqual(await watcher.wait(), { exitCode: 0, signal: null });
      assert.equal(fs.readFileSync(path.join(bundle.rootfs, 'verdict'), 'utf8'), 'test', 'the FIFO was first opened by the test, not by exec');
    } finally {
      // Reaped in any case (the container's pid namespace ends only once it is), killed first if it still waits.
      await watcher.kill('SIGKILL').catch(() => undefined); // already reaped
      await watcher.wait().catch(() => undefined);
    }
  });
});

test('/etc/passwd made a huge sparse file: exec reads a bounded prefix, finds the entry and goes on', { skip }, async () => {
  await withRunning(async (c) => {
    await plant(c, ['file', 'root:x:0:0:root:/huge-home:/bin/sh\n', String(64 * 2 ** 30)]);
    assert.equal(await execHome(c), 'HOME=/huge-home');
  });
});

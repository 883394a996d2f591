/**
 * exec into a container whose config mounts no /proc (it runs since issue
 * 9 item 11), and into one whose "/proc" is a fake planted by the
 * container: the exec'd helper reaches its own /proc/self files through a
 * private procfs it mounted itself (native/init/exec_procfs.h), asks the
 * kernel, not a file, for the last capability, and never reads or writes
 * through the container's "/proc". The exec'd process's oom_score_adj and
 * bounding set are read from the host's /proc/PID (the container has no
 * procfs to read them from inside), the planted files from the rootfs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Container } from '../../lib/container/container';
import type { Process, Spec } from '../../lib/config/types';
import { createTestContainer } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { capHex } from '../helpers/capabilities';

const suite = systemSuite();
const { skip } = suite;

/** Files a hostile container plants where a procfs should be, with what they hold. */
const PLANTED: Record<string, string> = {
  'self/oom_score_adj': '0\n',
  'thread-self/oom_score_adj': '0\n',
  'sys/kernel/cap_last_cap': '0\n',
  'self/setgroups': 'deny\n',
  'thread-self/attr/exec': '',
};

function withoutProc(spec: Spec): void {
  spec.mounts = (spec.mounts ?? []).filter((m) => m.destination !== '/proc');
}

/** A started container of a fresh bundle running `/probe sleep 60`, destroyed after `fn`. */
async function withRunning(edit: (spec: Spec, rootfs: string) => void, fn: (c: Container, rootfs: string) => Promise<void>): Promise<void> {
  const bundle = suite.bundle({ edit: (spec, { rootfs }) => edit(spec, rootfs) });
  const run = await createTestContainer(bundle, { root: suite.root, args: ['/probe', 'sleep', '60'] });
  try {
    await run.container.start();
    await fn(run.container, bundle.rootfs);
  } finally {
    await run.destroy();
  }
}

function statusField(pid: number, field: string): string {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  assert.ok(line, `${field} in /proc/${pid}/status`);
  return line.slice(field.length + 1).trim();
}

const SLEEPER: Process = { args: ['/probe', 'sleep', '60'], cwd: '/', env: ['PATH=/bin'] };
const KEPT = ['CAP_CHOWN', 'CAP_KILL'];

/** Execs a sleeper asking for an oom score and a small bounding set; what the kernel says of it, then kills it. */
async function execSleeper(c: Container): Promise<{ oomScoreAdj: string; capBnd: string }> {
  const p = await c.exec(
    { ...SLEEPER, oomScoreAdj: 321, capabilities: { bounding: KEPT, effective: KEPT, permitted: KEPT } },
    { stdio: [0, 1, 2] },
  );
  try {
    return { oomScoreAdj: fs.readFileSync(`/proc/${p.pid}/oom_score_adj`, 'utf8').trim(), capBnd: statusField(p.pid, 'CapBnd') };
  } finally {
    await p.kill('SIGKILL');
    assert.deepEqual(await p.wait(), { exitCode: null, signal: 'SIGKILL' });
  }
}

test('exec into a container without /proc: oom_score_adj and the bounding set are applied', { skip }, async () => {
  await withRunning(withoutProc, async (c, rootfs) => {
    assert.equal(fs.existsSync(path.join(rootfs, 'proc', 'self')), false);
    assert.deepEqual(await execSleeper(c), { oomScoreAdj: '321', capBnd: capHex(KEPT) });
    // A plain exec too, with its exit status.
    const p = await c.exec({ ...SLEEPER, args: ['/probe', 'exit', '7'] }, { stdio: [0, 1, 2] });
    assert.deepEqual(await p.wait(), { exitCode: 7, signal: null });
  });
});

test('attack: a fake /proc planted in the container is neither trusted nor written through', { skip }, async () => {
  await withRunning(
    (spec, rootfs) => {
      withoutProc(spec);
      for (const [file, content] of Object.entries(PLANTED)) {
        fs.mkdirSync(path.join(rootfs, 'proc', path.dirname(file)), { recursive: true });
        fs.writeFileSync(path.join(rootfs, 'proc', file), content);
      }
    },
    async (c, rootfs) => {
      // cap_last_cap "0", if read, would have kept every capability above 0
      // in the bounding set; the planted oom_score_adj, if written through,
      // would hold 321 and the process 0.
      const seen = await execSleeper(c);
      assert.deepEqual(seen, { oomScoreAdj: '321', capBnd: capHex(KEPT) });
      const p = await c.exec({ ...SLEEPER, user: { uid: 0, gid: 0, additionalGids: [5, 6] } }, { stdio: [0, 1, 2] });
      try {
        assert.deepEqual(statusField(p.pid, 'Groups').split(/\s+/).sort(), ['5', '6']);
      } finally {
        await p.kill('SIGKILL');
        await p.wait();
      }
      for (const [file, content] of Object.entries(PLANTED)) {
        assert.equal(fs.readFileSync(path.join(rootfs, 'proc', file), 'utf8'), content, `the planted /proc/${file} is untouched`);
      }
    },
  );
});

test('exec into a container with /proc gets its oom_score_adj and bounding set the same way', { skip }, async () => {
  await withRunning(
    () => {},
    async (c) => {
      assert.deepEqual(await execSleeper(c), { oomScoreAdj: '321', capBnd: capHex(KEPT) });
    },
  );
});

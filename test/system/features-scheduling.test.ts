/**
 * Scheduling attributes, checked from inside the container by the probe:
 * process.scheduler (sched_getattr), process.ioPriority (ioprio_get),
 * process.execCPUAffinity (sched_getaffinity) and linux.memoryPolicy
 * (get_mempolicy). Configs the kernel cannot apply fail create naming the
 * JSON path, and leave nothing behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Container } from '../../lib';
import type { Spec } from '../../lib/config/types';
import { childProcesses } from '../helpers/leaks';
import { runProbe, uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';

const suite = systemSuite();
const { skip } = suite;

/** The probe's JSON answer in `mode`, in a container edited by `edit`. */
async function probe(mode: string, edit: (spec: Spec) => void): Promise<Record<string, unknown>> {
  const bundle = suite.bundle({ edit });
  const res = await runProbe(bundle, { root: suite.root, args: ['/probe', mode] });
  assert.equal(res.exit.exitCode, 0, `probe ${mode}: ${res.stdout} ${res.stderr}`);
  return JSON.parse(res.stdout) as Record<string, unknown>;
}

async function expectCreateFailure(edit: (spec: Spec) => void, message: RegExp): Promise<void> {
  const bundle = suite.bundle({ edit });
  await assert.rejects(Container.create({ id: uniqueId(), bundle: bundle.dir, root: suite.root }), (err: Error) => {
    assert.match(err.message, message);
    return true;
  });
  assert.deepEqual(fs.readdirSync(suite.root), [], 'no state directory is left');
  assert.deepEqual(childProcesses(), [], 'no process is left');
}

const onlineCpus = (): number[] => {
  const cpus: number[] = [];
  for (const part of fs.readFileSync('/sys/devices/system/cpu/online', 'utf8').trim().split(',')) {
    const [a, b] = part.split('-').map(Number);
    for (let c = a; c <= (b ?? a); c++) cpus.push(c);
  }
  return cpus;
};

test('process.scheduler: SCHED_BATCH with a nice value', { skip }, async () => {
  const got = await probe('sched', (s) => {
    s.process!.scheduler = { policy: 'SCHED_BATCH', nice: 7 };
  });
  assert.equal(got.policy, 3);
  assert.equal(got.nice, 7);
});

test('process.scheduler: SCHED_FIFO with a priority and reset-on-fork', { skip }, async () => {
  const got = await probe('sched', (s) => {
    s.process!.scheduler = { policy: 'SCHED_FIFO', priority: 10, flags: ['SCHED_FLAG_RESET_ON_FORK'] };
    // With real-time group scheduling (CONFIG_RT_GROUP_SCHED, as here) the
    // container's own cpu cgroup has no real-time budget unless the config
    // gives it one: the kernel refuses SCHED_FIFO otherwise (runc alike).
    if (fs.existsSync('/sys/fs/cgroup/cpu/cpu.rt_runtime_us')) {
      s.linux!.resources = { ...s.linux!.resources, cpu: { realtimeRuntime: 10000, realtimePeriod: 1000000 } };
    }
  });
  assert.equal(got.policy, 1);
  assert.equal(got.priority, 10);
  assert.equal(got.flags, 1);
});

/** Real-time group scheduling (cgroup v1): a new cpu cgroup has no real-time budget of its own. */
const rtGroupScheduling = fs.existsSync('/sys/fs/cgroup/cpu/cpu.rt_runtime_us');

test('process.scheduler: SCHED_FIFO priority 1 with no CAP_SYS_NICE in any set: set while the init holds it', { skip }, async () => {
  const edit = (s: Spec): void => {
    s.process!.scheduler = { policy: 'SCHED_FIFO', priority: 1 };
    s.process!.user = { uid: 1000, gid: 1000 };
    const caps = ['CAP_KILL', 'CAP_NET_BIND_SERVICE'];
    s.process!.capabilities = { bounding: caps, effective: caps, permitted: caps };
    if (rtGroupScheduling) s.linux!.resources = { ...s.linux!.resources, cpu: { realtimeRuntime: 10000, realtimePeriod: 1000000 } };
  };
  const got = await probe('sched', edit);
  assert.deepEqual([got.policy, got.priority], [1, 1]);
  // The same process, from inside: none of its sets has CAP_SYS_NICE (23).
  const bundle = suite.bundle({ edit });
  const res = await runProbe(bundle, { root: suite.root, args: ['/probe', 'report'] });
  assert.equal(res.exit.exitCode, 0, res.stderr);
  for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) {
    assert.equal(BigInt(`0x${res.report!.status[set]}`) & (1n << 23n), 0n, `${set} ${res.report!.status[set]}`);
  }
});

test('process.scheduler: a real-time policy in a cpu cgroup without a real-time budget fails naming linux.resources.cpu.realtimeRuntime', {
  skip: skip || (rtGroupScheduling ? false : 'no real-time group scheduling (cgroup v1 cpu.rt_runtime_us) here'),
}, async () => {
  await expectCreateFailure(
    (s) => (s.process!.scheduler = { policy: 'SCHED_RR', priority: 1 }),
    /sched_setattr \/process\/scheduler \(SCHED_RR\): operation not permitted \(EPERM\): a real-time policy needs a real-time budget .*linux\.resources\.cpu\.realtimeRuntime/,
  );
});

test('process.scheduler: SCHED_IDLE', { skip }, async () => {
  const got = await probe('sched', (s) => {
    s.process!.scheduler = { policy: 'SCHED_IDLE' };
  });
  assert.equal(got.policy, 5);
});

test('process.scheduler: SCHED_DEADLINE with runtime, deadline and period', { skip }, async () => {
  const got = await probe('sched', (s) => {
    s.process!.scheduler = { policy: 'SCHED_DEADLINE', runtime: 10_000_000, deadline: 30_000_000, period: 30_000_000 };
  });
  assert.deepEqual([got.policy, got.runtime, got.deadline, got.period], [6, 10_000_000, 30_000_000, 30_000_000]);
});

test('process.ioPriority: class and level', { skip }, async () => {
  assert.deepEqual(await probe('ioprio', (s) => (s.process!.ioPriority = { class: 'IOPRIO_CLASS_IDLE', priority: 7 })), { class: 3, level: 7 });
  assert.deepEqual(await probe('ioprio', (s) => (s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 2 })), { class: 2, level: 2 });
});

test('process.execCPUAffinity: initial alone, and final over initial', { skip }, async () => {
  const cpus = onlineCpus();
  const first = cpus[0];
  const last = cpus[cpus.length - 1];
  assert.deepEqual(await probe('affinity', (s) => (s.process!.execCPUAffinity = { initial: String(last) })), { cpus: [last] });
  const got = await probe('affinity', (s) => (s.process!.execCPUAffinity = { initial: String(last), final: String(first) }));
  assert.deepEqual(got, { cpus: [first] });
});

test('linux.memoryPolicy: MPOL_BIND to node 0, MPOL_PREFERRED with static nodes', { skip }, async () => {
  const bind = await probe('mempolicy', (s) => (s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0' }));
  assert.deepEqual(bind, { mode: 2, flags: 0, nodes: [0] });
  const preferred = await probe('mempolicy', (s) => (s.linux!.memoryPolicy = { mode: 'MPOL_PREFERRED', nodes: '0', flags: ['MPOL_F_STATIC_NODES'] }));
  assert.deepEqual(preferred, { mode: 1, flags: 1 << 15, nodes: [0] });
});

test('a policy or node the kernel refuses fails create naming the field', { skip }, async () => {
  // Node 4000 exists on no machine this runs on: set_mempolicy says EINVAL.
  await expectCreateFailure((s) => (s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '4000' }), /\/linux\/memoryPolicy \(MPOL_BIND\)/);
  await expectCreateFailure((s) => (s.process!.execCPUAffinity = { final: '4000' }), /\/process\/execCPUAffinity\/final/);
  await expectCreateFailure((s) => (s.process!.scheduler = { policy: 'SCHED_ISO' }), /\/process\/scheduler\/policy: SCHED_ISO/);
});

test('config errors name the JSON path', { skip }, async () => {
  await expectCreateFailure((s) => (s.process!.scheduler = { policy: 'SCHED_OTHER', nice: 20 }), /\/process\/scheduler\/nice: must be between -20 and 19/);
  await expectCreateFailure((s) => (s.process!.scheduler = { policy: 'SCHED_RR' }), /\/process\/scheduler\/priority: SCHED_RR needs a priority/);
  await expectCreateFailure((s) => (s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0-' }), /\/linux\/memoryPolicy\/nodes/);
});

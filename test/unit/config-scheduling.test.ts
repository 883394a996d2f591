// Validation of the scheduling fields (config/process-attrs.ts, id-list.ts)
// and their plan steps (plan/scheduling.ts): every bad value names its JSON
// path; good values become the kernel's numbers in the right plan places.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSpec } from '../../lib/config/default-spec';
import { parseIdList } from '../../lib/config/id-list';
import type { Spec } from '../../lib/config/types';
import { validateConfig } from '../../lib/config/validate';
import { InvalidConfigError, NotSupportedError } from '../../lib/errors';
import { compilePlan } from '../../lib/plan/compile';
import { fakeFacts } from '../helpers/facts';

function spec(edit: (s: Spec) => void): Spec {
  const s = defaultSpec({ rootless: false });
  edit(s);
  return s;
}

function rejects(edit: (s: Spec) => void, path: string, problem?: RegExp): void {
  assert.throws(
    () => validateConfig(spec(edit)),
    (err: unknown) => {
      assert.ok(err instanceof InvalidConfigError, String(err));
      assert.equal(err.jsonPath, path);
      if (problem) assert.match(err.problem, problem);
      return true;
    },
  );
}

test('id lists: numbers, ranges, blanks; malformed ones say why', () => {
  assert.deepEqual(parseIdList('0-3,7'), [0, 1, 2, 3, 7]);
  assert.deepEqual(parseIdList(' 5, 1-2 ,2'), [1, 2, 5]);
  assert.deepEqual(parseIdList(''), []);
  assert.match(String(parseIdList('3-1')), /ends before it starts/);
  assert.match(String(parseIdList('0-')), /not a number or a range/);
  assert.match(String(parseIdList('1,,2')), /not a number or a range/);
  assert.match(String(parseIdList('9000')), /above the largest id/);
});

test('process.scheduler rules name the field', () => {
  rejects((s) => (s.process!.scheduler = { policy: 'SCHED_OTHER', nice: -21 }), '/process/scheduler/nice');
  rejects((s) => (s.process!.scheduler = { policy: 'SCHED_BATCH', nice: 20 }), '/process/scheduler/nice');
  rejects((s) => (s.process!.scheduler = { policy: 'SCHED_FIFO' }), '/process/scheduler/priority', /1 and 99/);
  rejects((s) => (s.process!.scheduler = { policy: 'SCHED_RR', priority: 100 }), '/process/scheduler/priority');
  rejects((s) => (s.process!.scheduler = { policy: 'SCHED_OTHER', priority: 5 }), '/process/scheduler/priority', /only SCHED_FIFO and SCHED_RR/);
  rejects((s) => (s.process!.scheduler = { policy: 'SCHED_OTHER', runtime: 5 }), '/process/scheduler/runtime', /only SCHED_DEADLINE/);
  rejects((s) => (s.process!.scheduler = { policy: 'SCHED_DEADLINE', deadline: 5 }), '/process/scheduler/runtime');
  rejects((s) => (s.process!.scheduler = { policy: 'SCHED_DEADLINE', runtime: 6, deadline: 5 }), '/process/scheduler/runtime');
  rejects((s) => (s.process!.scheduler = { policy: 'SCHED_DEADLINE', runtime: 1, deadline: 5, period: 4 }), '/process/scheduler/deadline');
  rejects((s) => ((s.process!.scheduler as unknown as Record<string, unknown>) = { policy: 'SCHED_FAST' }), '/process/scheduler/policy');
  rejects((s) => ((s.process!.scheduler as unknown as Record<string, unknown>) = { policy: 'SCHED_OTHER', flags: ['SCHED_FLAG_NOPE'] }), '/process/scheduler/flags/0');
});

test('process.ioPriority: a priority without a class, a level out of range', () => {
  rejects((s) => ((s.process!.ioPriority as unknown as Record<string, unknown>) = { priority: 3 }), '/process/ioPriority/class', /required/);
  rejects((s) => (s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 8 }), '/process/ioPriority/priority');
  rejects((s) => ((s.process!.ioPriority as unknown as Record<string, unknown>) = { class: 'IOPRIO_CLASS_FAST', priority: 1 }), '/process/ioPriority/class');
});

test('process.execCPUAffinity and linux.memoryPolicy list syntax and mode rules', () => {
  rejects((s) => (s.process!.execCPUAffinity = { initial: '2-1' }), '/process/execCPUAffinity/initial');
  rejects((s) => (s.process!.execCPUAffinity = { final: '0,-3' }), '/process/execCPUAffinity/final');
  rejects((s) => (s.linux!.memoryPolicy = { mode: 'MPOL_FANCY' }), '/linux/memoryPolicy/mode');
  rejects((s) => (s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_X'] }), '/linux/memoryPolicy/flags/0');
  rejects((s) => (s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0..1' }), '/linux/memoryPolicy/nodes');
  rejects((s) => (s.linux!.memoryPolicy = { mode: 'MPOL_BIND' }), '/linux/memoryPolicy/nodes', /at least one node/);
  rejects((s) => (s.linux!.memoryPolicy = { mode: 'MPOL_LOCAL', nodes: '0' }), '/linux/memoryPolicy/nodes', /takes no nodes/);
  rejects(
    (s) => (s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_STATIC_NODES', 'MPOL_F_RELATIVE_NODES'] }),
    '/linux/memoryPolicy/flags',
  );
  rejects((s) => (s.linux!.memoryPolicy = { mode: 'MPOL_INTERLEAVE', nodes: '0', flags: ['MPOL_F_NUMA_BALANCING'] }), '/linux/memoryPolicy/flags');
});

test('the plan: initial affinity first; scheduler, ioprio, final affinity and memory policy before the credentials', () => {
  const s = validateConfig(
    spec((x) => {
      x.process!.scheduler = { policy: 'SCHED_RR', priority: 3, flags: ['SCHED_FLAG_RESET_ON_FORK'] };
      x.process!.ioPriority = { class: 'IOPRIO_CLASS_RT', priority: 0 };
      x.process!.execCPUAffinity = { initial: '0-1', final: '1' };
      x.linux!.memoryPolicy = { mode: 'MPOL_PREFERRED_MANY', nodes: '0-1', flags: ['MPOL_F_RELATIVE_NODES'] };
    }),
  );
  const steps = compilePlan(s, { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts()).steps;
  // First after the header.
  assert.deepEqual(steps[1], { op: 'affinity', what: '/process/execCPUAffinity/initial', cpus: [0, 1] });
  const at = (op: string): number => steps.findIndex((st) => st.op === op);
  assert.deepEqual(steps[at('scheduler')], {
    op: 'scheduler', what: '/process/scheduler (SCHED_RR)', policy: 2, flags: 1, nice: 0, priority: 3, runtime: '0', deadline: '0', period: '0',
  });
  assert.deepEqual(steps[at('ioprio')], { op: 'ioprio', what: '/process/ioPriority (IOPRIO_CLASS_RT)', ioClass: 1, level: 0 });
  assert.deepEqual(steps[at('mempolicy')], { op: 'mempolicy', what: '/linux/memoryPolicy (MPOL_PREFERRED_MANY)', mode: 5, flags: 1 << 14, nodes: [0, 1] });
  const finalAt = steps.findIndex((st, i) => st.op === 'affinity' && i > 1);
  assert.deepEqual(steps[finalAt], { op: 'affinity', what: '/process/execCPUAffinity/final', cpus: [1] });
  // Why before the credentials: a real-time policy (SCHED_FIFO, SCHED_RR), a
  // negative nice and IOPRIO_CLASS_RT need CAP_SYS_NICE / CAP_SYS_ADMIN,
  // which the process's own sets usually lack; the uid change and capset
  // take them from the init, so each is set while the init still holds
  // them (as runc and crun do), and what the process keeps is its config's.
  for (const op of ['scheduler', 'ioprio', 'mempolicy']) {
    for (const credential of ['bounding', 'setresgid', 'setresuid', 'capset']) {
      assert.ok(at(op) < at(credential), `${op} before ${credential}: set while the init still holds CAP_SYS_NICE and CAP_SYS_ADMIN`);
    }
    assert.ok(at(op) > at('pivot-root'), `${op} after pivot_root`);
  }
  assert.ok(finalAt < at('setresuid'));
});

test('SCHED_ISO (no mainline kernel has it) is refused naming the field', () => {
  const s = validateConfig(spec((x) => (x.process!.scheduler = { policy: 'SCHED_ISO' })));
  assert.throws(() => compilePlan(s, { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts()), (err: unknown) => {
    assert.ok(err instanceof NotSupportedError);
    assert.match(err.message, /\/process\/scheduler\/policy: SCHED_ISO/);
    return true;
  });
});

// linux.resources -> (file, value) writes for v1 and v2, with runc's
// conversions, read without root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cgroupSettings } from '../../lib/cgroups';
import { type BpfInsn, deviceProgram, encodeProgram, formatProgram } from '../../lib/cgroups/device-bpf';
import { deviceRules, devicesV1Writes } from '../../lib/cgroups/devices';
import { blkioWeightToIoWeight, controllersFor, resourcesV2, sharesToWeight, swapToV2 } from '../../lib/cgroups/resources-v2';
import { resourcesV1 } from '../../lib/cgroups/resources-v1';
import type { LinuxResources } from '../../lib/config/types';

const MIB = 1024 * 1024;
const ALL: LinuxResources = {
  memory: { limit: 64 * MIB, reservation: 32 * MIB, swap: 128 * MIB, kernel: MIB, swappiness: 10, disableOOMKiller: true },
  cpu: { shares: 1024, quota: 50000, period: 100000, cpus: '0', mems: '0', burst: 1000 },
  pids: { limit: 100 },
  blockIO: { weight: 500, throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1000 }] },
  hugepageLimits: [{ pageSize: '2MB', limit: 4 * MIB }],
  network: { classID: 0x100001, priorities: [{ name: 'eth0', priority: 5 }] },
  rdma: { mlx5_0: { hcaHandles: 3, hcaObjects: 1000 } },
};

const pairs = (writes: Array<{ controller: string; file: string; value: string }>): string[] => writes.map((w) => `${w.controller ? `${w.controller}/` : ''}${w.file}=${w.value}`);

test('v1: every resource becomes the file runc writes, in a working order', () => {
  const { writes } = resourcesV1(ALL);
  assert.deepEqual(pairs(writes), [
    'cpuset/cpuset.cpus=0',
    'cpuset/cpuset.mems=0',
    'cpu/cpu.shares=1024',
    'cpu/cpu.cfs_period_us=100000',
    'cpu/cpu.cfs_quota_us=50000',
    'cpu/cpu.cfs_burst_us=1000',
    `memory/memory.limit_in_bytes=${64 * MIB}`,
    `memory/memory.memsw.limit_in_bytes=${128 * MIB}`,
    `memory/memory.soft_limit_in_bytes=${32 * MIB}`,
    `memory/memory.kmem.limit_in_bytes=${MIB}`,
    'memory/memory.swappiness=10',
    'memory/memory.oom_control=1',
    'pids/pids.max=100',
    'blkio/blkio.weight=500',
    'blkio/blkio.bfq.weight=500',
    'blkio/blkio.throttle.read_bps_device=8:0 1000',
    `hugetlb/hugetlb.2MB.limit_in_bytes=${4 * MIB}`,
    'net_cls/net_cls.classid=1048577',
    'net_prio/net_prio.ifpriomap=eth0 5',
    'rdma/rdma.max=mlx5_0 hca_handle=3 hca_object=1000',
  ]);
  // Kernel memory is gone from new kernels: a warning then, not a failure.
  assert.match(writes.find((w) => w.file === 'memory.kmem.limit_in_bytes')!.ifMissing!, /not supported by this kernel/);
  assert.throws(() => resourcesV1({ unified: { 'memory.high': '1' } }), { jsonPath: '/linux/resources/unified' });
  // A hybrid host has a cgroup2 directory for them.
  assert.deepEqual(resourcesV1({ unified: { 'memory.high': '1' } }, true).writes, [{ controller: '', file: 'memory.high', value: '1' }]);
  assert.deepEqual(pairs(resourcesV1({ pids: { limit: -1 } }).writes), ['pids/pids.max=max']);
  assert.deepEqual(pairs(resourcesV1({ memory: { useHierarchy: true } }).writes), ['memory/memory.use_hierarchy=1']);
});

test('v2: runc\'s conversions and what v2 cannot do as warnings', () => {
  const { writes, warnings } = resourcesV2({ ...ALL, unified: { 'memory.high': '50000000' } });
  assert.deepEqual(pairs(writes), [
    'cpuset.cpus=0',
    'cpuset.mems=0',
    `cpu.weight=${sharesToWeight(1024)}`,
    'cpu.max=50000 100000',
    'cpu.max.burst=1000',
    `memory.swap.max=${64 * MIB}`,
    `memory.max=${64 * MIB}`,
    `memory.low=${32 * MIB}`,
    'pids.max=100',
    `io.weight=${blkioWeightToIoWeight(500)}`,
    'io.max=8:0 rbps=1000',
    `hugetlb.2MB.max=${4 * MIB}`,
    `hugetlb.2MB.rsvd.max=${4 * MIB}`,
    'rdma.max=mlx5_0 hca_handle=3 hca_object=1000',
    'memory.high=50000000',
  ]);
  assert.equal(warnings.length, 4, warnings.join('\n')); // kernel, swappiness, disableOOMKiller, network
  assert.equal(sharesToWeight(1024), 39);
  assert.equal(sharesToWeight(2), 1);
  assert.equal(sharesToWeight(262144), 10000);
  assert.equal(blkioWeightToIoWeight(10), 1);
  assert.equal(blkioWeightToIoWeight(1000), 10000);
  assert.equal(swapToV2(-1, 5), 'max');
  assert.throws(() => swapToV2(10, 20), /below the memory limit/);
  assert.deepEqual(pairs(resourcesV2({ cpu: { quota: -1 } }).writes), ['cpu.max=max 100000']);
  assert.throws(() => resourcesV2({ unified: { '../x.y': '1' } }), { jsonPath: '/linux/resources/unified/../x.y' });
  assert.throws(() => resourcesV2({ unified: { 'cgroup.procs': '1' } }), /not a controller file/);
  assert.deepEqual(controllersFor(writes).sort(), ['cpu', 'cpuset', 'hugetlb', 'io', 'memory', 'pids', 'rdma']);
});

test('v1 devices: deny all, the config\'s rules in order, linux.devices, then runc\'s defaults', () => {
  const rules = deviceRules(
    [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 237, access: 'rw' }],
    [{ type: 'c', path: '/dev/fuse', major: 10, minor: 229 }],
  );
  const lines = pairs(devicesV1Writes(rules));
  assert.deepEqual(lines.slice(0, 5), [
    'devices/devices.deny=a',
    'devices/devices.deny=a',
    'devices/devices.allow=c 10:237 rw',
    'devices/devices.allow=c 10:229 rwm',
    'devices/devices.allow=c *:* m',
  ]);
  assert.ok(lines.includes('devices/devices.allow=c 1:3 rwm'));
  assert.ok(lines.includes('devices/devices.allow=c 136:* rwm'));
  // v2 takes no device writes (an eBPF program instead); v1 does.
  assert.ok(cgroupSettings({ kind: 'hybrid' }, { devices: [] }).writes.some((w) => w.file === 'devices.deny'));
  assert.ok(!cgroupSettings({ kind: 'v2' }, { devices: [] }).writes.some((w) => w.file.startsWith('devices.')));
});

/** Runs a device program as the kernel would for one request: 1 allows, 0 denies. */
function runProgram(program: BpfInsn[], type: 'c' | 'b', access: string, major: number, minor: number): number {
  const accessBits = [...access].reduce((m, ch) => m | ({ m: 1, r: 2, w: 4 } as Record<string, number>)[ch]!, 0);
  const ctx = [(accessBits << 16) | (type === 'b' ? 1 : 2), major, minor];
  const reg = new Array<number>(11).fill(0);
  for (let pc = 0; pc < program.length; pc++) {
    const i = program[pc]!;
    switch (i.op) {
      case 'ldxw': reg[i.dst] = ctx[i.off / 4]!; break;
      case 'mov32': reg[i.dst] = reg[i.src]!; break;
      case 'mov32i': reg[i.dst] = i.imm; break;
      case 'and32i': reg[i.dst] = reg[i.dst]! & i.imm; break;
      case 'rsh32i': reg[i.dst] = reg[i.dst]! >>> i.imm; break;
      case 'jnei': if (reg[i.dst] !== i.imm) pc += i.off; break;
      case 'jeqi': if (reg[i.dst] === i.imm) pc += i.off; break;
      case 'ja': pc += i.off; break;
      case 'exit': return reg[0]!;
    }
  }
  throw new Error('the program ran off its end');
}

test('cgroup2 device filter: the program as data, one section per access bit, deny by default', () => {
  const program = deviceProgram([
    { allow: false, type: 'a', major: -1, minor: -1, access: 'rwm' },
    { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' },
  ]);
  assert.deepEqual(formatProgram(program), [
    '  0: r2 = *(u32 *)(r1 + 0)',
    '  1: w2 &= 65535',
    '  2: r3 = *(u32 *)(r1 + 0)',
    '  3: w3 >>= 16',
    '  4: r4 = *(u32 *)(r1 + 4)',
    '  5: r5 = *(u32 *)(r1 + 8)',
    // mknod asked: only the deny-all names it
    '  6: w6 = w3',
    '  7: w6 &= 1',
    '  8: if r6 == 0 goto +2',
    '  9: w0 = 0',
    ' 10: exit',
    // read asked: allow c 1:3, else the deny-all
    ' 11: w6 = w3',
    ' 12: w6 &= 2',
    ' 13: if r6 == 0 goto +6',
    ' 14: if r2 != 2 goto +3',
    ' 15: if r4 != 1 goto +2',
    ' 16: if r5 != 3 goto +1',
    ' 17: goto +2',
    ' 18: w0 = 0',
    ' 19: exit',
    // write asked: the same
    ' 20: w6 = w3',
    ' 21: w6 &= 4',
    ' 22: if r6 == 0 goto +6',
    ' 23: if r2 != 2 goto +3',
    ' 24: if r4 != 1 goto +2',
    ' 25: if r5 != 3 goto +1',
    ' 26: goto +2',
    ' 27: w0 = 0',
    ' 28: exit',
    // every asked bit allowed
    ' 29: w0 = 1',
    ' 30: exit',
  ]);
  const bytes = encodeProgram(program);
  assert.equal(bytes.length, program.length * 8);
  // "if r2 != 2 goto +3": BPF_JMP|BPF_JNE|BPF_K, dst r2, off 3, imm 2
  assert.deepEqual([...bytes.subarray(14 * 8, 15 * 8)], [0x55, 0x02, 3, 0, 2, 0, 0, 0]);
  // "goto +2": BPF_JMP|BPF_JA, off 2
  assert.deepEqual([...bytes.subarray(17 * 8, 18 * 8)], [0x05, 0x00, 2, 0, 0, 0, 0, 0]);
  assert.ok(cgroupSettings({ kind: 'v2' }, { devices: [] }).deviceProgram!.length > 20);
});

test('cgroup2 device filter: allow rules add up per access bit, a later deny takes away only its bits', () => {
  const deny = { allow: false, type: 'a', major: -1, minor: -1, access: 'rwm' } as const;
  const split = deviceProgram([deny, { allow: true, type: 'c', major: 1, minor: 3, access: 'r' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'w' }]);
  assert.equal(runProgram(split, 'c', 'rw', 1, 3), 1, '"r" then "w" grant "rw", as v1 merges them');
  assert.equal(runProgram(split, 'c', 'm', 1, 3), 0);
  assert.equal(runProgram(split, 'c', 'r', 1, 5), 0);
  assert.equal(runProgram(split, 'b', 'r', 1, 3), 0, 'a char rule says nothing about block devices');

  const hole = deviceProgram([deny, { allow: true, type: 'c', major: 1, minor: -1, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }]);
  assert.equal(runProgram(hole, 'c', 'r', 1, 3), 1);
  assert.equal(runProgram(hole, 'c', 'rw', 1, 3), 0, 'the hole in the wildcard is enforced');
  assert.equal(runProgram(hole, 'c', 'rw', 1, 5), 1);

  // A config with no deny-all: nothing matching still denies; an allow-all allows all.
  assert.equal(runProgram(deviceProgram([]), 'c', 'r', 1, 3), 0);
  const all = deviceProgram([{ allow: true, type: 'a', major: -1, minor: -1, access: 'rwm' }, { allow: false, type: 'b', major: 8, minor: -1, access: 'rw' }]);
  assert.equal(runProgram(all, 'b', 'r', 8, 0), 0);
  assert.equal(runProgram(all, 'b', 'm', 8, 0), 1);
  assert.equal(runProgram(all, 'c', 'rwm', 4, 1), 1);

  // The container's real rule list: the defaults and linux.devices.
  const real = deviceProgram(deviceRules([deny, { allow: true, type: 'c', major: 10, minor: 237, access: 'r' }], [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }]));
  assert.equal(runProgram(real, 'c', 'rw', 1, 3), 1, '/dev/null');
  assert.equal(runProgram(real, 'c', 'rw', 10, 229), 1, 'a linux.devices entry');
  assert.equal(runProgram(real, 'c', 'r', 10, 237), 1);
  assert.equal(runProgram(real, 'c', 'w', 10, 237), 0);
  assert.equal(runProgram(real, 'b', 'm', 8, 0), 1, 'mknod of any block device, as runc allows');
  assert.equal(runProgram(real, 'b', 'r', 8, 0), 0);
});

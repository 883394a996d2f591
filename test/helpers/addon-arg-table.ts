/**
 * Every function of the library addon (lib/native/addon.ts, native/addon/*.cc)
 * with the shape of its arguments, for the bad-argument calls of
 * test/native/addon-args.test.ts (test/helpers/bad-args.ts). The harmless
 * values are chosen so that a bad value wrongly accepted fails the test
 * without harm: closed fds, paths and interface names that do not exist.
 * A function missing here, or here but no longer exported, fails that test.
 */
import * as fs from 'node:fs';
import { native } from '../../lib/native/addon';
import type { ArgSpec, ArgTable, Expect, FunctionSpec } from './bad-args';

const fd = (name: string, extra: Partial<ArgSpec> = {}): ArgSpec => ({ kind: 'fd', name, ...extra }) as ArgSpec;
const u32 = (name: string, extra: Partial<ArgSpec> = {}): ArgSpec => ({ kind: 'int', min: 0, max: 2 ** 32 - 1, name, ...extra }) as ArgSpec;
const int = (name: string, min: number, max: number, extra: Partial<ArgSpec> = {}): ArgSpec => ({ kind: 'int', min, max, name, ...extra }) as ArgSpec;
const str = (name: string, safe = '/nonexistent-kapsel-bad-args/x', extra: Partial<ArgSpec> = {}): ArgSpec => ({ kind: 'string', name, safe, ...extra }) as ArgSpec;
const bool = (name: string, extra: Partial<ArgSpec> = {}): ArgSpec => ({ kind: 'bool', name, ...extra }) as ArgSpec;
const ifname = (name: string): ArgSpec => ({ kind: 'string', name, safe: 'kapselnone0', badValues: ['', 'x'.repeat(16)] });
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

const closeAll = (result: unknown): void => {
  for (const n of result as number[]) fs.closeSync(n);
};

const functions: Record<string, FunctionSpec> = {
  pidfdOpen: { args: [int('pid', 1, INT32_MAX, { safe: 2 ** 30 }), u32('flags')] },
  pidfdSendSignal: { args: [fd('pidfd'), int('signal', 0, 64)] },
  pidfdWait: { args: [fd('pidfd'), bool('reap', { optional: true })] },
  waitReadable: {
    args: [
      { kind: 'union', name: 'fd', of: [{ kind: 'fd' }, { kind: 'array', item: { kind: 'fd' }, max: 1024, badValues: [[]] }] },
      { kind: 'object', name: 'options', optional: true, fields: { keepAlive: bool('keepAlive', { optional: true }) } },
    ],
  },
  bpfLoadDeviceProgram: {
    args: [{ kind: 'buffer', name: 'insns', badValues: [Buffer.alloc(0), Buffer.alloc(3)] }, str('license', 'GPL')],
  },
  bpfAttachDeviceProgram: { args: [fd('progFd'), fd('cgroupFd')] },
  spawnAsync: {
    args: [
      {
        kind: 'object',
        name: 'options',
        fields: {
          file: str('file'),
          argv: { kind: 'array', item: str('argv', 'x') },
          env: { kind: 'array', item: str('env', 'A=1') },
          fds: { kind: 'array', item: int('fds', -1, INT32_MAX, { safe: -1 }), max: 1000 },
          cloneFlags: int('cloneFlags', INT32_MIN, INT32_MAX, { optional: true }),
          join: {
            kind: 'array',
            optional: true,
            item: { kind: 'object', fields: { type: int('type', 0, INT32_MAX), pidfd: fd('pidfd', { optional: true }) } },
          },
          cgroupFd: fd('cgroupFd', { optional: true }),
          cloneForkSemantics: bool('cloneForkSemantics', { optional: true }),
          // Without CLONE_NEWTIME any offsets are a bad value.
          timeOffsets: { kind: 'string', name: 'timeOffsets', optional: true, badValues: ['monotonic 1 0'] },
          oomScoreAdj: int('oomScoreAdj', -1000, 1000, { optional: true }),
        },
      },
    ],
  },
  fileBatchAsync: { args: [fileOps()] },
  fileBatch: { args: [fileOps()] },
  idmappedTree: { args: [str('source'), bool('recursive'), bool('recursiveIdmap'), str('uidMap', '0 0 1'), str('gidMap', '0 0 1')] },
  netDeviceAddresses: { args: [ifname('hostName')] },
  moveNetDevice: { args: [fd('nsFd'), ifname('hostName'), ifname('moveAs')] },
  returnNetDevice: {
    args: [
      fd('nsFd'),
      int('index', 1, INT32_MAX, { safe: 2 ** 30 }),
      ifname('hostName'),
      bool('up'),
      { kind: 'array', name: 'addresses', item: str('addresses', '10.254.254.1/32', { badValues: ['not an address'] }) },
    ],
  },
  flock: { args: [fd('fd'), str('operation', 'shared', { badValues: ['sideways'] }), bool('nonBlocking')] },
  memfdCreate: { args: [str('name', 'kapsel-bad-args'), u32('flags', { safe: 0xffffffff })] },
  eventfd: { args: [u32('initval'), u32('flags', { safe: 0xffffffff })] },
  inotifyInit: { args: [u32('flags', { safe: 0xffffffff })] },
  inotifyAddWatch: { args: [fd('fd'), str('path'), u32('mask')] },
  openat2: { args: [fd('dirfd', { atFdcwd: true }), str('path'), u32('flags'), u32('mode'), u32('resolve')] },
  mkfifo: { args: [str('path'), int('mode', 0, 0o7777)] },
  seqpacketPair: { args: [], cleanup: closeAll },
  unixConnect: { args: [str('path')] },
  streamPair: { args: [], cleanup: closeAll },
  receiveFd: { args: [fd('fd')] },
  setWindowSize: { args: [fd('fd'), int('rows', 0, 65535), int('cols', 0, 65535)] },
  // The payload is any string (JSON): a NUL in it is no hazard.
  sendFd: { args: [fd('socket'), fd('fd'), { kind: 'string', name: 'data', safe: '{}', nulAllowed: true }] },
  seccompLibraryVersion: { args: [] },
  seccompArchNative: { args: [] },
  seccompArchResolve: { args: [str('name', 'x86_64')] },
  seccompSyscallResolve: { args: [str('name', 'kapsel_no_such_syscall'), u32('arch', { safe: 1 })] },
  seccompCompile: {
    args: [
      {
        kind: 'object',
        name: 'filter',
        fields: {
          // A bad value wrongly accepted compiles (a Buffer is returned, which fails the test); nothing else happens.
          defaultAction: u32('defaultAction', { safe: 0x7fff0000 }),
          arches: { kind: 'array', item: u32('arches', { safe: 0 }), max: 64 },
          rules: {
            kind: 'array',
            item: {
              kind: 'object',
              fields: {
                action: u32('action', { safe: 0x7fff0000 }),
                syscall: int('syscall', INT32_MIN, INT32_MAX, { safe: 0 }),
                args: {
                  kind: 'array',
                  optional: true,
                  max: 6,
                  item: { kind: 'object', fields: { index: u32('index'), op: u32('op', { safe: 4 }), value: { kind: 'bigint' }, valueTwo: { kind: 'bigint' } } },
                },
              },
            },
          },
          optimize: bool('optimize', { optional: true }),
        },
      },
    ],
  },
  seccompKernelActionAvailable: { args: [u32('action')] },
  seccompKernelFlagSupported: { args: [u32('flags')] },
  poolHandover: {
    args: [
      fd('socket'),
      { kind: 'array', name: 'fds', item: fd('fds'), max: 253, safe: [0], badValues: [[]] },
      { kind: 'array', name: 'targets', item: fd('targets'), max: 253, safe: [0] },
      fd('planFd'),
      fd('syncFd'),
    ],
  },
  systemdUnitAsync: {
    args: [
      {
        kind: 'object',
        name: 'request',
        fields: {
          op: str('op', 'reset', { badValues: ['restart'] }),
          bus: str('bus', 'system', { badValues: ['session'] }),
          unit: str('unit', 'kapsel-bad-args-none.scope', { badValues: [''] }),
          timeoutMs: int('timeoutMs', 1, 2 ** 32 - 1),
          properties: {
            kind: 'array',
            optional: true,
            max: 1024,
            item: {
              kind: 'object',
              fields: {
                name: str('name', 'Description', { badValues: [''] }),
                type: str('type', 's', { badValues: ['x'] }),
                value: str('value', 'kapsel'),
              },
            },
          },
        },
      },
    ],
  },
};

function fileOps(): ArgSpec {
  return {
    kind: 'array',
    name: 'ops',
    item: {
      kind: 'object',
      fields: {
        op: str('op', 'exists', { badValues: ['chmod'] }),
        path: str('path', '/nonexistent-kapsel-bad-args', { badValues: [''] }),
        tolerate: { kind: 'union', optional: true, of: [{ kind: 'bool' }, { kind: 'array', item: int('tolerate', 1, 4095) }] },
      },
    },
  };
}

const ERRORS: Record<Expect, { name?: string; code: RegExp }> = {
  type: { name: 'TypeError', code: /^ERR_INVALID_ARG_TYPE$/ },
  value: { name: 'TypeError', code: /^ERR_INVALID_ARG_VALUE$/ },
  range: { name: 'RangeError', code: /^ERR_OUT_OF_RANGE$/ },
  // The kernel's refusal (EBADF for a closed fd): a Node-style system error.
  errno: { code: /^E[A-Z0-9]+$/ },
};

export const table: ArgTable = {
  functions,
  resolve(name) {
    const addon = native() as unknown as Record<string, (...args: unknown[]) => unknown>;
    return (...args) => addon[name](...args);
  },
  check(err, expect) {
    const want = ERRORS[expect];
    const e = err as { name?: string; code?: unknown; syscall?: unknown };
    if (!(err instanceof Error)) return 'not an Error';
    if (want.name !== undefined && e.name !== want.name) return `want a ${want.name}`;
    if (typeof e.code !== 'string' || !want.code.test(e.code)) return `want code ${want.code}`;
    if (expect === 'errno' && typeof e.syscall !== 'string') return 'want a system error (with syscall)';
    return true;
  },
};

/**
 * `kapsel update [flags] ID`: changes the resource limits of a live
 * container, as runc: either `--resources FILE|-` (linux.resources JSON;
 * "-" reads stdin) or the flags below; a flag not given changes nothing.
 */
import * as fs from 'node:fs';
import type { LinuxResources } from '../../config/types';
import { InvalidArgumentError } from '../../errors';
import { stringFlag, type FlagSpec, type FlagValues } from '../args';
import { ID_ARG, type Command } from '../command';
import { loadContainer } from './common';

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** docker's RAMInBytes: "64m", "1g", "512k", "1024", "-1" (no limit). */
export function parseBytes(flag: string, text: string): number {
  if (text === '-1') return -1;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?$/i.exec(text.trim());
  if (!m) throw new InvalidArgumentError(`invalid value "${text}" for --${flag}: a size like 64m, 1g or 1048576`);
  return Math.floor(Number(m[1]) * UNITS[m[2].toLowerCase()]);
}

function integer(flag: string, text: string): number {
  if (!/^-?\d+$/.test(text.trim())) throw new InvalidArgumentError(`invalid value "${text}" for --${flag}: an integer`);
  return Number(text);
}

type Setter = (r: LinuxResources, text: string, flag: string) => void;
const memory = (r: LinuxResources): NonNullable<LinuxResources['memory']> => (r.memory ??= {});
const cpu = (r: LinuxResources): NonNullable<LinuxResources['cpu']> => (r.cpu ??= {});

const FLAGS: Array<[FlagSpec, Setter]> = [
  [{ name: 'blkio-weight', type: 'string', value: 'N', description: 'specifies per cgroup weight, range is from 10 to 1000' }, (r, t, f) => ((r.blockIO ??= {}).weight = integer(f, t))],
  [{ name: 'cpu-period', type: 'string', value: 'US', description: 'CPU CFS period to be used for hardcapping (in usecs)' }, (r, t, f) => (cpu(r).period = integer(f, t))],
  [{ name: 'cpu-quota', type: 'string', value: 'US', description: 'CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period' }, (r, t, f) => (cpu(r).quota = integer(f, t))],
  [{ name: 'cpu-burst', type: 'string', value: 'US', description: 'CPU CFS hardcap burst limit (in usecs)' }, (r, t, f) => (cpu(r).burst = integer(f, t))],
  [{ name: 'cpu-share', type: 'string', value: 'N', description: 'CPU shares (relative weight vs. other containers)' }, (r, t, f) => (cpu(r).shares = integer(f, t))],
  [{ name: 'cpu-rt-period', type: 'string', value: 'US', description: 'CPU realtime period to be used for hardcapping (in usecs)' }, (r, t, f) => (cpu(r).realtimePeriod = integer(f, t))],
  [{ name: 'cpu-rt-runtime', type: 'string', value: 'US', description: 'CPU realtime hardcap limit (in usecs)' }, (r, t, f) => (cpu(r).realtimeRuntime = integer(f, t))],
  [{ name: 'cpuset-cpus', type: 'string', value: 'LIST', description: 'CPU(s) to use' }, (r, t) => (cpu(r).cpus = t)],
  [{ name: 'cpuset-mems', type: 'string', value: 'LIST', description: 'Memory node(s) to use' }, (r, t) => (cpu(r).mems = t)],
  [{ name: 'memory', type: 'string', value: 'SIZE', description: 'Memory limit (in bytes)' }, (r, t, f) => (memory(r).limit = parseBytes(f, t))],
  [{ name: 'memory-reservation', type: 'string', value: 'SIZE', description: 'Memory reservation or soft_limit (in bytes)' }, (r, t, f) => (memory(r).reservation = parseBytes(f, t))],
  [{ name: 'memory-swap', type: 'string', value: 'SIZE', description: 'Total memory usage (memory + swap); set \'-1\' to enable unlimited swap' }, (r, t, f) => (memory(r).swap = parseBytes(f, t))],
  [{ name: 'kernel-memory', type: 'string', value: 'SIZE', description: '(obsoleted; do not use)' }, (r, t, f) => (memory(r).kernel = parseBytes(f, t))],
  [{ name: 'kernel-memory-tcp', type: 'string', value: 'SIZE', description: '(obsoleted; do not use)' }, (r, t, f) => (memory(r).kernelTCP = parseBytes(f, t))],
  [{ name: 'pids-limit', type: 'string', value: 'N', description: 'Maximum number of pids allowed in the container' }, (r, t, f) => ((r.pids ??= {}).limit = integer(f, t))],
];

/** The resources the flags ask for (only the flags given). */
export function resourcesFromFlags(flags: FlagValues): LinuxResources {
  const r: LinuxResources = {};
  for (const [spec, set] of FLAGS) {
    const text = stringFlag(flags, spec.name);
    if (text !== undefined) set(r, text, spec.name);
  }
  return r;
}

function readResources(source: string): LinuxResources {
  const text = fs.readFileSync(source === '-' ? 0 : source, 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`--resources ${source}: not JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArgumentError(`--resources ${source}: must be a JSON object (linux.resources)`);
  }
  return value as LinuxResources;
}

export const updateCommand: Command = {
  name: 'update',
  summary: 'update container resource constraints',
  argsUsage: ID_ARG,
  description: 'With --resources, the JSON (linux.resources of config.json) replaces the other flags.',
  flags: [
    { name: 'resources', aliases: ['r'], type: 'string', value: 'FILE', description: 'path to the file containing the resources to update or \'-\' to read from the standard input' },
    ...FLAGS.map(([spec]) => spec),
  ],
  args: { min: 1, max: 1 },
  async run(ctx, flags, [id]) {
    const source = stringFlag(flags, 'resources');
    const resources = source !== undefined ? readResources(source) : resourcesFromFlags(flags);
    await (await loadContainer(ctx, id!)).update(resources);
    return 0;
  },
};

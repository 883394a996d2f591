/**
 * `kapsel events [--stats] [--interval 5s] ID`, as runc: one JSON object
 * per line, {"type":"stats","id":ID,"data":STATS} every interval and
 * {"type":"oom","id":ID} when the kernel OOM-kills in the container's
 * cgroup; with --stats one stats object and exit. It ends when the
 * container is gone.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { KapselError } from '../../errors';
import { boolFlag, stringFlag, UsageError } from '../args';
import { ID_ARG, type Command } from '../command';
import { loadContainer } from './common';

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration ("5s", "1m30s", "250ms") in milliseconds. */
export function parseDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNITS[m[2]];
    matched = re.lastIndex;
  }
  if (text === '' || matched !== text.length) throw new UsageError(`invalid duration "${text}" (e.g. 5s, 250ms, 1m)`);
  return total;
}

/** How often the OOM counter is read between stats. */
const OOM_POLL_MS = 1000;

export const eventsCommand: Command = {
  name: 'events',
  summary: 'display container events such as OOM notifications, cpu, memory, and IO usage statistics',
  argsUsage: ID_ARG,
  flags: [
    { name: 'interval', type: 'string', value: 'DURATION', description: 'set the stats collection interval (default: 5s)' },
    { name: 'stats', type: 'boolean', description: 'display the container\'s stats then exit' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, flags, [id]) {
    const interval = parseDuration(stringFlag(flags, 'interval') ?? '5s');
    if (interval <= 0) throw new UsageError('duration interval must be greater than 0');
    const container = await loadContainer(ctx, id!);
    const emit = (event: object): void => ctx.out(`${JSON.stringify(event)}\n`);
    if (boolFlag(flags, 'stats')) {
      emit({ type: 'stats', id, data: await container.stats() });
      return 0;
    }
    const { containerOomKills } = await import('../../container/stats');
    let oomSeen = await containerOomKills(container);
    let sinceStats = interval;
    for (;;) {
      try {
        // OOM first: an init killed by it stops the container, and stats then end the stream.
        const kills = await containerOomKills(container);
        if (kills > oomSeen) emit({ type: 'oom', id });
        oomSeen = kills;
        if (sinceStats >= interval) {
          emit({ type: 'stats', id, data: await container.stats() });
          sinceStats = 0;
        }
      } catch (err) {
        // Stopped or deleted meanwhile: the stream ends, as runc's does.
        if (err instanceof KapselError && (err.code === 'ERR_INVALID_STATE' || err.code === 'ERR_CONTAINER_NOT_FOUND')) return 0;
        throw err;
      }
      const step = Math.min(OOM_POLL_MS, interval - sinceStats);
      await sleep(step);
      sinceStats += step;
    }
  },
};

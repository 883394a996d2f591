/**
 * `kapsel events [--stats] [--interval 5s] ID`, as runc: one JSON object
 * per line, {"type":"stats","id":ID,"data":STATS} every interval and
 * {"type":"oom","id":ID} for each OOM kill in the container's cgroup, as
 * the kernel notifies it (lib/cgroups/oom-watch.ts, nothing polled); with
 * --stats one stats object and exit. It ends when the container is gone
 * (stopped or deleted: seen at the next stats, or at once when its cgroup
 * is removed).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { KapselError } from '../../errors';
import { boolFlag, stringFlag, UsageError } from '../args';
import { ID_ARG, type Command } from '../command';
import { stringifyExact } from '../../cgroups/stats';
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
    // Exact integers: an unlimited v1 limit is 9223372036854771712 (cgroups/stats.ts).
    const emit = (event: object): void => ctx.out(`${stringifyExact(event)}\n`);
    if (boolFlag(flags, 'stats')) {
      emit({ type: 'stats', id, data: await container.stats() });
      return 0;
    }
    const { watchContainerOom } = await import('../../container/stats');
    // One line per kill, as the kernel reports them (runc prints one per notification).
    const oom = watchContainerOom(container, (kills) => {
      for (let i = 0; i < kills; i++) emit({ type: 'oom', id });
    });
    // The watch ends when the cgroup is removed: the container was deleted.
    const cgroupGone = new AbortController();
    void oom?.ended.then(() => cgroupGone.abort());
    try {
      for (;;) {
        try {
          emit({ type: 'stats', id, data: await container.stats() });
        } catch (err) {
          // Stopped or deleted meanwhile: the stream ends, as runc's does,
          // after a kill the notification of which is still on its way
          // (an init killed by the OOM killer stops the container).
          if (err instanceof KapselError && (err.code === 'ERR_INVALID_STATE' || err.code === 'ERR_CONTAINER_NOT_FOUND')) {
            oom?.check();
            return 0;
          }
          throw err;
        }
        await sleep(interval, undefined, { signal: cgroupGone.signal }).catch(() => undefined);
        if (cgroupGone.signal.aborted) return 0;
      }
    } finally {
      oom?.close();
    }
  },
};

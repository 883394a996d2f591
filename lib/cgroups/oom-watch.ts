/**
 * OOM kills in a container's cgroup, told by the kernel rather than read
 * on a timer (runc's way):
 *
 *  - cgroup v1: an eventfd registered through the memory cgroup's
 *    cgroup.event_control with an fd of memory.oom_control ("<efd> <fd>").
 *    The kernel signals it on each OOM of the cgroup, and once more when
 *    the cgroup is removed.
 *  - cgroup2: inotify on memory.events, whose every change kernfs reports
 *    as IN_MODIFY, and on the parent directory, where the cgroup's rmdir is
 *    an IN_DELETE (the cgroup's own files say nothing when it goes).
 *
 * Every wake-up re-reads the kill counter (oom_kill) through an fd opened
 * at the start, so the callback gets the number of new kills however the
 * notifications coalesce; once the cgroup is removed that read fails
 * (ENODEV) and the watch ends, its fds closed. The waits are uv_polls on
 * the event loop (the addon's waitReadable): no thread of libuv's pool is
 * held, and nothing is read on a timer.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SyscallError } from '../errors';
import { native } from '../native/addon';
import { EFD_NONBLOCK, EVENTFD_ONE, IN_DELETE, IN_MODIFY, IN_NONBLOCK, IN_ONLYDIR } from '../native/constants';
import type { CgroupRecord } from './driver';
import { CgroupError, writeControl } from './files';

/** Why a watch ended: close() was called, or the cgroup's counter can no longer be read (removed). */
export type OomWatchEnd = 'closed' | 'gone';

export interface OomWatch {
  /** Resolves once the watch has ended and its fds are closed; never rejects. */
  readonly ended: Promise<OomWatchEnd>;
  /**
   * Reads the counter now and reports kills not reported yet: for a caller
   * that learnt by other means that the container stopped, before it ends.
   */
  check(): void;
  /** Stops watching and closes its fds; nothing is reported after it. Idempotent. */
  close(): void;
}

export interface OomWatchOptions {
  /** Whether the watch keeps the process alive (default true); the library's 'oom' listeners do not. */
  keepAlive?: boolean;
}

/** Where the kernel's notifications arrive for one cgroup version. */
interface KillSource {
  /** Readable when the counter may have changed (or after wake()). */
  readonly fds: readonly number[];
  /**
   * v1 signals an OOM before its killer runs (mm/memcontrol-v1.c: notify,
   * then out_of_memory), so the kill may not be counted yet when we read.
   */
  readonly signalsBeforeKill: boolean;
  /** The counter now; undefined once the cgroup is gone. */
  read(): number | undefined;
  /** Consumes what made the fds readable. */
  drain(): void;
  /** Makes an fd readable, so that a pending wait returns (close). */
  wake(): void;
  close(): void;
}

/** Reads everything there is on a non-blocking fd (EAGAIN ends it). */
function drainFd(fd: number, size: number): void {
  const buf = Buffer.allocUnsafe(size);
  try {
    while (fs.readSync(fd, buf, 0, size, null) > 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
  }
}

/** `oom_kill N` from the file behind `fd` (read from its start); undefined when it cannot be read. */
function readOomKill(fd: number): number | undefined {
  const buf = Buffer.allocUnsafe(4096);
  let n: number;
  try {
    n = fs.readSync(fd, buf, 0, buf.length, 0);
  } catch {
    return undefined; // ENODEV: the cgroup was removed
  }
  const m = /^oom_kill (\d+)$/m.exec(buf.toString('utf8', 0, n));
  return m ? Number(m[1]) : 0;
}

/** Opens what a source needs in order; on a failure closes what was opened and throws a typed error. */
function opening<T>(build: (fds: number[]) => T): T {
  const opened: number[] = [];
  try {
    return build(opened);
  } catch (err) {
    for (const fd of opened.reverse()) fs.closeSync(fd);
    throw err instanceof CgroupError ? err : SyscallError.from(err);
  }
}

function v1Source(memoryDir: string): KillSource {
  return opening((opened) => {
    const control = fs.openSync(path.join(memoryDir, 'memory.oom_control'), 'r');
    opened.push(control);
    const efd = native().eventfd(0, EFD_NONBLOCK);
    opened.push(efd);
    writeControl(memoryDir, 'cgroup.event_control', `${efd} ${control}`);
    return {
      fds: [efd],
      signalsBeforeKill: true,
      read: () => readOomKill(control),
      drain: () => drainFd(efd, 8),
      wake: () => fs.writeSync(efd, EVENTFD_ONE),
      // Closing the eventfd also ends the kernel's registration (it sees the hang-up).
      close() {
        fs.closeSync(efd);
        fs.closeSync(control);
      },
    };
  });
}

function v2Source(dir: string): KillSource {
  return opening((opened) => {
    const file = path.join(dir, 'memory.events');
    const events = fs.openSync(file, 'r');
    opened.push(events);
    const inotify = native().inotifyInit(IN_NONBLOCK);
    opened.push(inotify);
    native().inotifyAddWatch(inotify, file, IN_MODIFY);
    // A sibling's creation or removal wakes the watch too; the read tells it apart.
    native().inotifyAddWatch(inotify, path.dirname(dir), IN_DELETE | IN_ONLYDIR);
    const wakeFd = native().eventfd(0, EFD_NONBLOCK);
    opened.push(wakeFd);
    return {
      fds: [inotify, wakeFd],
      signalsBeforeKill: false,
      read: () => readOomKill(events),
      drain() {
        drainFd(inotify, 4096);
        drainFd(wakeFd, 8);
      },
      wake: () => fs.writeSync(wakeFd, EVENTFD_ONE),
      close() {
        fs.closeSync(wakeFd);
        fs.closeSync(inotify);
        fs.closeSync(events);
      },
    };
  });
}

/**
 * After each v1 signal the counter is read again this many ms apart
 * (about a second in all): the kill it announced may not be counted yet,
 * nor that of a signal before it. A new signal starts them over; after
 * the last one nothing is read until the next signal, so a kill that
 * never comes (the victim was exiting anyway, or the OOM killer is
 * disabled) costs six reads.
 */
const CONFIRM_DELAYS_MS = [1, 4, 16, 64, 256, 640];

/**
 * Watches the OOM kills of the memory cgroup of `record` (v1: the memory
 * controller's directory; cgroup2: the unified one). `onKills` gets the
 * number of kills since the last call (those before the watch are not
 * reported). Undefined when the record has no memory cgroup. Throws a
 * typed error (CgroupError, SyscallError) when the cgroup cannot be
 * watched, ENOENT/ENODEV among them when it is gone already.
 */
export function watchOomKills(record: CgroupRecord, onKills: (kills: number) => void, options: OomWatchOptions = {}): OomWatch | undefined {
  const keepAlive = options.keepAlive ?? true;
  const dir = record.version === 2 ? record.unified : record.v1.memory;
  if (!dir) return undefined;
  const source = record.version === 2 ? v2Source(dir) : v1Source(dir);

  let endReason: OomWatchEnd | undefined;
  let confirm: NodeJS.Timeout | undefined;
  const initial = source.read();
  let seen = initial ?? 0;

  const finish = (reason: OomWatchEnd): void => {
    if (endReason) return;
    endReason = reason;
    clearTimeout(confirm);
    source.wake(); // the loop below closes the fds once its wait has returned
  };

  /** Reads the counter and reports the kills not reported yet. */
  const report = (): void => {
    if (endReason) return;
    const kills = source.read();
    if (kills === undefined) {
      finish('gone');
      return;
    }
    if (kills <= seen) return;
    const fresh = kills - seen;
    seen = kills;
    try {
      onKills(fresh);
    } catch (err) {
      // A throwing listener is the program's error, as with any event; the watch goes on.
      process.nextTick(() => {
        throw err;
      });
    }
  };

  const confirmLater = (step: number): void => {
    if (step >= CONFIRM_DELAYS_MS.length) return;
    clearTimeout(confirm);
    confirm = setTimeout(() => {
      confirm = undefined;
      report();
      if (!endReason) confirmLater(step + 1);
    }, CONFIRM_DELAYS_MS[step]);
    if (!keepAlive) confirm.unref();
  };

  if (initial === undefined) finish('gone'); // removed while it was being opened

  const ended = (async (): Promise<OomWatchEnd> => {
    try {
      while (!endReason) {
        await native().waitReadable(source.fds, { keepAlive });
        if (endReason) break;
        source.drain();
        report();
        if (source.signalsBeforeKill && !endReason) confirmLater(0);
      }
    } catch {
      // A wait or read that fails (never seen) ends the watch like a removed cgroup.
      endReason ??= 'gone';
      clearTimeout(confirm);
    } finally {
      source.close();
    }
    return endReason;
  })();

  return {
    ended,
    check: report,
    close: () => finish('closed'),
  };
}

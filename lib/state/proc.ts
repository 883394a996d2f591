/** What /proc says about a process: liveness with identity (start time). */
import * as fs from 'node:fs';

export interface ProcStat {
  /** One-letter state: R, S, D, Z, X, ... */
  state: string;
  /** Start time in clock ticks since boot (field 22): identifies the process across pid reuse. */
  startTime: number;
}

export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm (field 2) may contain spaces and parentheses: parse after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0], startTime: Number(rest[19]) };
}

/** The process `pid` exists, is the one started at `startTime`, and is not a zombie. */
export function isAlive(pid: number, startTime: number): boolean {
  if (pid <= 0) return false;
  const stat = readProcStat(pid);
  if (!stat) return false;
  if (stat.startTime !== startTime) return false;
  return stat.state !== 'Z' && stat.state !== 'X';
}

/** Identity of a namespace of a process ("pid:[4026531836]"), or undefined. */
export function namespaceId(pid: number, type: string): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/${type}`);
  } catch {
    return undefined;
  }
}

/** All pids whose namespace of `type` is `id`. */
export function pidsInNamespace(type: string, id: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    if (namespaceId(Number(name), type) === id) out.push(Number(name));
  }
  return out;
}

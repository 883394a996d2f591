/**
 * The container's stdio, owned by its process's user when the container
 * runs in a user namespace (runc's fixStdioPermissions, done by the
 * runtime). The pipes and files the caller hands the container belong to
 * host ids the namespace need not map (root's, the engine's): a 0600 pipe
 * of root's cannot then be reopened by the process through
 * /proc/self/fd/1 or /dev/stdout (EACCES), which programs do to log. So
 * each is given to the host uid and gid the process's user maps to, read
 * from the init's uid_map and gid_map once it is in its namespace (the
 * kernel's word on the mapping, for a new namespace and a joined one
 * alike), before its process runs.
 *
 * Left alone: character and block devices (/dev/null, and the caller's
 * terminal, which would otherwise be handed to another host user who
 * could then open it from the host), directories, and anything already
 * owned right. EPERM (an unprivileged runtime may not give a file away),
 * EINVAL and EROFS are ignored, as runc ignores them: the stdio still
 * works through the fds themselves.
 */
import * as fs from 'node:fs';
import type { Logger } from '../logger';

interface IdRange {
  inside: number;
  outside: number;
  size: number;
}

/** The lines of a /proc/PID/uid_map or gid_map. */
export function parseIdMap(text: string): IdRange[] {
  const ranges: IdRange[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/).map(Number);
    if (fields.length === 3 && fields.every(Number.isSafeInteger)) ranges.push({ inside: fields[0], outside: fields[1], size: fields[2] });
  }
  return ranges;
}

/** The host id `id` of the namespace maps to, or undefined when it maps none. */
export function hostIdOf(id: number, ranges: readonly IdRange[]): number | undefined {
  const range = ranges.find((r) => id >= r.inside && id - r.inside < r.size);
  return range && range.outside + (id - range.inside);
}

/** Whether an fd of this kind may change hands: pipes, sockets and files, not devices or directories. */
function mayChown(st: fs.Stats): boolean {
  return st.isFIFO() || st.isSocket() || st.isFile();
}

const IGNORED = new Set(['EPERM', 'EINVAL', 'EROFS']);

/**
 * Whether the init `pid` is in this process's user namespace. An init that
 * joined a user namespace stays non-dumpable until its exec, its memory
 * owned by our namespace (native/common/join_protocol.h), so an
 * unprivileged runtime may not read its ns links (EACCES): such an init is
 * in another namespace (setns into one's own fails with EINVAL).
 */
function inOurUserNamespace(pid: number): boolean {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/user`) === fs.readlinkSync('/proc/self/ns/user');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EACCES') return false;
    throw err;
  }
}

/**
 * Gives the stdio fds (of this process) to the host ids that `user` of
 * the init `pid`'s user namespace maps to; nothing when the init is in
 * this process's own user namespace.
 */
export function giveStdioToContainerUser(pid: number, stdio: readonly number[], user: { uid: number; gid: number }, logger?: Logger): void {
  if (inOurUserNamespace(pid)) return;
  const uid = hostIdOf(user.uid, parseIdMap(fs.readFileSync(`/proc/${pid}/uid_map`, 'utf8')));
  const gid = hostIdOf(user.gid, parseIdMap(fs.readFileSync(`/proc/${pid}/gid_map`, 'utf8')));
  // An unmapped user cannot have been set up by the init; nothing to give.
  if (uid === undefined || gid === undefined) return;
  for (const fd of new Set(stdio)) {
    const st = fs.fstatSync(fd);
    if (!mayChown(st) || (st.uid === uid && st.gid === gid)) continue;
    try {
      fs.fchownSync(fd, uid, gid);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (!IGNORED.has(code)) throw err;
      logger?.debug?.(`stdio fd ${fd} stays ${st.uid}:${st.gid} (fchown to ${uid}:${gid}: ${code})`);
    }
  }
}

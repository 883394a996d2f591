/**
 * Where container state lives. Engines rely on runc's defaults (podman never
 * passes --root): /run/kapsel for real root, $XDG_RUNTIME_DIR/kapsel for an
 * unprivileged user or for uid 0 inside a user namespace (rootless podman).
 *
 * The root is trusted as kapsel's own: a state.json in it names the hooks
 * that delete runs, and its exec fifos start containers. So it is never
 * used by path alone: openStateRoot opens it O_NOFOLLOW, refuses it unless
 * it is owned by our euid and writable by nobody else (owned-dir.ts; the
 * default root and --root alike, where runc trusts whatever is there), and
 * every operation then reaches it through that fd. A root another local
 * user made first (the rootless fallback below /tmp, without
 * XDG_RUNTIME_DIR under su, cron or CI) is an error naming it, never a
 * directory we use.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fdPath, openOwnedDir } from './owned-dir';

/** True when this process runs in a user namespace other than the initial one. */
export function inUserNamespace(): boolean {
  try {
    const map = fs.readFileSync('/proc/self/uid_map', 'utf8').trim().split(/\s+/);
    return !(map.length === 3 && map[0] === '0' && map[1] === '0' && map[2] === '4294967295');
  } catch {
    return false;
  }
}

/** Running without real root privileges (an unprivileged user or a user namespace). */
export function isRootless(): boolean {
  return process.geteuid!() !== 0 || inUserNamespace();
}

/**
 * The default root. Without XDG_RUNTIME_DIR a rootless caller gets
 * $TMPDIR/kapsel-<euid> (/tmp): a name anyone can take first, which
 * openStateRoot then refuses (and kapsel makes it 0700 when it is free).
 */
export function defaultRoot(): string {
  if (!isRootless()) return '/run/kapsel';
  const runtimeDir = process.env.XDG_RUNTIME_DIR;
  if (runtimeDir) return path.join(runtimeDir, 'kapsel');
  return path.join(os.tmpdir(), `kapsel-${process.geteuid!()}`);
}

export function resolveRoot(root?: string): string {
  return path.resolve(root ?? defaultRoot());
}

/** A state root opened and checked (openStateRoot). */
export interface StateRoot {
  /** The root's path, as given (for messages). */
  readonly path: string;
  /** /proc/self/fd/N of the checked directory: every path below the root is built on this, never on `path`. */
  readonly dir: string;
  close(): void;
}

/**
 * Opens the state root `root` (absolute) and checks it is ours alone
 * (owned-dir.ts); UntrustedPathError when it is not. A missing root is
 * made when `create` (parents included, 0700 as runc's, then checked as
 * any other: a directory someone else made meanwhile is refused), else
 * the result is undefined.
 */
export function openStateRoot(root: string, create: boolean): StateRoot | undefined {
  if (create) {
    try {
      fs.mkdirSync(root, { recursive: true, mode: 0o700 });
    } catch (err) {
      // Something not a directory is there: the open below says what.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  let fd: number;
  try {
    fd = openOwnedDir(root, 'state root');
  } catch (err) {
    if (!create && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let open = true;
  return {
    path: root,
    dir: fdPath(fd),
    close() {
      if (!open) return;
      open = false;
      fs.closeSync(fd);
    },
  };
}

/**
 * Runs `use` with the checked root's fd path (StateRoot.dir), then closes
 * the fd: at once, or when the promise `use` returns settles (an
 * operation's awaits keep their own fd: no other operation's close can
 * free its number for reuse while it runs). A missing root is made
 * (`'create'`) or gives the result of `ifMissing`.
 */
export function withStateRoot<T>(root: string, ifMissing: 'create' | (() => T), use: (dir: string) => T): T {
  const handle = openStateRoot(root, ifMissing === 'create');
  if (!handle) return (ifMissing as () => T)();
  let result: T;
  try {
    result = use(handle.dir);
  } catch (err) {
    handle.close();
    throw err;
  }
  if (result instanceof Promise) return result.finally(() => handle.close()) as T;
  handle.close();
  return result;
}

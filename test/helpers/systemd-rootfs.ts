/**
 * The rootfs of the systemd tests (issue 23): a minimal Debian with
 * systemd, systemd-sysv, dbus and procps, built once by mmdebstrap from
 * Debian's packages (about a minute) and cached OUTSIDE the clone, keyed by
 * what it is built from, so that later runs (CI runs the suite twice) and
 * fresh clones on the same machine reuse it. It is built in a temporary
 * directory next to the cache entry and renamed into place: an entry that
 * exists is complete (a build killed half-way leaves only a temporary
 * directory, removed by the next build).
 *
 * Where it cannot be built (no root, no mmdebstrap, no network to Debian's
 * mirror) the tests skip and say why; they never pass without running.
 *
 * Containers never write to the cached tree: each gets an overlay (the
 * cache as its lower layer, a fresh temporary upper one), see
 * overlayRootfs().
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './tmp';

/** What the rootfs is built from; the cache key is its hash. */
export const SYSTEMD_ROOTFS_RECIPE = {
  suite: 'bookworm',
  variant: 'minbase',
  include: ['systemd', 'systemd-sysv', 'dbus', 'procps'],
} as const;

/** Where cached test rootfs trees live (KAPSEL_TEST_CACHE overrides). */
export function testCacheDir(): string {
  return process.env.KAPSEL_TEST_CACHE || '/var/cache/kapsel-test';
}

function cacheKey(): string {
  return createHash('sha256').update(JSON.stringify(SYSTEMD_ROOTFS_RECIPE)).digest('hex').slice(0, 16);
}

function findMmdebstrap(): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    const candidate = path.join(dir || '.', 'mmdebstrap');
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

let memo: { dir: string } | { skip: string } | undefined;

/**
 * The cached systemd rootfs, built now if it is not yet there; or why it
 * cannot be had (the `skip` reason of the tests that need it).
 */
export function systemdRootfs(): { dir: string } | { skip: string } {
  memo ??= findOrBuild();
  return memo;
}

function findOrBuild(): { dir: string } | { skip: string } {
  if (process.getuid!() !== 0) return { skip: 'needs root (the systemd test rootfs is built by mmdebstrap as root)' };
  const cache = testCacheDir();
  const name = `systemd-rootfs-${cacheKey()}`;
  const dir = path.join(cache, name);
  if (fs.existsSync(path.join(dir, 'lib', 'systemd', 'systemd'))) return { dir };
  const mmdebstrap = findMmdebstrap();
  if (!mmdebstrap) return { skip: `no systemd test rootfs at ${dir} and mmdebstrap is not installed to build it (apt-get install mmdebstrap)` };
  fs.mkdirSync(cache, { recursive: true, mode: 0o755 });
  // Leftovers of builds that were killed half-way.
  for (const entry of fs.readdirSync(cache)) {
    if (entry.startsWith(`.${name}.tmp-`)) fs.rmSync(path.join(cache, entry), { recursive: true, force: true });
  }
  const tmp = fs.mkdtempSync(path.join(cache, `.${name}.tmp-`));
  const { suite, variant, include } = SYSTEMD_ROOTFS_RECIPE;
  const res = spawnSync(mmdebstrap, [`--variant=${variant}`, `--include=${include.join(',')}`, suite, tmp], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 15 * 60_000,
  });
  if (res.error || res.status !== 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    const why = res.error ? res.error.message : `exit status ${res.status}: ${res.stderr.trim().split('\n').slice(-3).join(' / ')}`;
    return { skip: `the systemd test rootfs could not be built by mmdebstrap (${why})` };
  }
  try {
    fs.renameSync(tmp, dir);
  } catch (err) {
    // Another run put it there first: theirs is as good as ours.
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(dir)) throw err;
  }
  return { dir };
}

/**
 * A writable view of the cached rootfs for one container: an overlay
 * mounted at a fresh temporary directory, the cache its read-only lower
 * layer. `cleanup` unmounts it and removes the directories.
 */
export function overlayRootfs(lower: string): { rootfs: string; cleanup(): void } {
  const base = tempDir('systemd-overlay');
  const [upper, work, rootfs] = ['upper', 'work', 'rootfs'].map((d) => path.join(base, d));
  for (const d of [upper, work, rootfs]) fs.mkdirSync(d);
  const res = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, rootfs], { encoding: 'utf8' });
  if (res.status !== 0) {
    fs.rmSync(base, { recursive: true, force: true });
    throw new Error(`mounting the overlay of ${lower} failed: ${res.stderr}`);
  }
  return {
    rootfs,
    cleanup() {
      spawnSync('umount', ['-l', rootfs]);
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}

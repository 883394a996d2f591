/**
 * The unprivileged user of the rootless tests. The tests run as root and
 * start a node script as that user, which drives the library rootless.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, type Owner } from './bundle';
import { tempDir } from './tmp';

export const TEST_USER_NAME = 'kapsel-test';

function idOf(flag: '-u' | '-g', name: string): number | undefined {
  const res = spawnSync('id', [flag, name], { encoding: 'utf8' });
  return res.status === 0 ? Number(res.stdout.trim()) : undefined;
}

/** Creates the system user `name` (no home, no login shell, a group of its own) if missing. */
export function ensureUser(name: string): Owner {
  if (idOf('-u', name) === undefined) {
    const res = spawnSync('useradd', ['--system', '--no-create-home', '--user-group', '--shell', '/usr/sbin/nologin', name], {
      encoding: 'utf8',
    });
    // Another test process may have created it meanwhile: check again below.
    if (res.status !== 0 && idOf('-u', name) === undefined) throw new Error(`useradd ${name} failed: ${res.stderr}`);
  }
  return { uid: idOf('-u', name)!, gid: idOf('-g', name)! };
}

/** Removes a user ensureUser made (and its group). */
export function removeUser(name: string): void {
  spawnSync('userdel', [name], { encoding: 'utf8' });
  spawnSync('groupdel', [name], { encoding: 'utf8' });
}

/** Creates the system user kapsel-test (no home, no login shell) if missing. */
export function ensureTestUser(): Owner {
  return ensureUser(TEST_USER_NAME);
}

/**
 * Runs `command` as `user` (setpriv: real, effective and saved ids, its
 * groups, no capabilities left) from /, with exactly `env`, and `input`
 * (if any) on its stdin.
 */
export function runAs(user: string, command: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000, input?: string): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const { uid, gid } = ensureUser(user);
  const res = spawnSync('setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--init-groups', '--inh-caps=-all', '--', ...command], {
    encoding: 'utf8',
    timeout: timeoutMs,
    cwd: '/',
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/', USER: user, LOGNAME: user, ...env },
    ...(input !== undefined ? { input } : {}),
  });
  return {
    status: res.status,
    signal: res.signal,
    stdout: res.stdout ?? '',
    stderr: (res.stderr ?? '') + (res.error ? `\n${res.error.message}` : ''),
  };
}

/**
 * Why `user` cannot run the compiled tests from this checkout, or undefined
 * when it can: every directory from / to the repository must be searchable
 * by others, and node itself executable. A CI clone under /root, for
 * example, needs `chmod o+x` on each component.
 */
export function repoAccessProblem(): string | undefined {
  const problems: string[] = [];
  const check = (p: string): void => {
    const st = fs.statSync(p);
    if ((st.mode & 0o001) === 0) problems.push(`${p} (mode ${(st.mode & 0o777).toString(8)}) is not o+x`);
  };
  for (let p = REPO_ROOT; ; p = path.dirname(p)) {
    check(p);
    if (p === path.dirname(p)) break;
  }
  for (let p = path.dirname(fs.realpathSync(process.execPath)); p !== '/'; p = path.dirname(p)) check(p);
  for (const dir of ['dist', 'build', 'node_modules']) {
    const full = path.join(REPO_ROOT, dir);
    if (fs.existsSync(full)) check(full);
  }
  return problems.length > 0 ? `${TEST_USER_NAME} cannot reach the repository: ${problems.join('; ')}` : undefined;
}

export interface UserRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The XDG_RUNTIME_DIR the script had (already removed). */
  runtimeDir: string;
  /** Files left under XDG_RUNTIME_DIR when the script ended (paths relative to it). */
  runtimeDirLeftovers: string[];
}

function listTree(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = path.join(prefix, e.name);
    out.push(rel);
    if (e.isDirectory()) out.push(...listTree(path.join(dir, e.name), rel));
  }
  return out;
}

/**
 * Runs `node scriptPath ...args` as kapsel-test (setpriv: real, effective
 * and saved ids, its groups, no capabilities left), with a fresh
 * XDG_RUNTIME_DIR owned by the user, as a login session would provide.
 */
export function runAsUser(scriptPath: string, args: string[] = [], timeoutMs = 60_000): UserRun {
  return runCommandAsUser([process.execPath, scriptPath, ...args], timeoutMs);
}

/** Runs any command as kapsel-test, in the same environment as runAsUser. */
export function runCommandAsUser(command: string[], timeoutMs = 60_000): UserRun {
  const { uid, gid } = ensureTestUser();
  const runtimeDir = tempDir('xdg');
  fs.chownSync(runtimeDir, uid, gid);
  fs.chmodSync(runtimeDir, 0o700);
  try {
    const res = runAs(TEST_USER_NAME, command, { XDG_RUNTIME_DIR: runtimeDir }, timeoutMs);
    return { ...res, runtimeDir, runtimeDirLeftovers: listTree(runtimeDir) };
  } finally {
    fs.rmSync(runtimeDir, { recursive: true, force: true });
  }
}

/**
 * A copy of the runtime that kapsel-test can read: the checkout itself when
 * every directory above it is searchable (repoAccessProblem), else the
 * built files copied below os.tmpdir() — a CI clone under /root must not
 * turn the rootless tests into skips. Remove it with `release()`.
 */
export function userReadableRepo(): { dir: string; release(): void } {
  if (repoAccessProblem() === undefined && !process.env.KAPSEL_TEST_COPY_REPO) return { dir: REPO_ROOT, release: () => undefined };
  const dir = tempDir('repo');
  fs.chmodSync(dir, 0o755);
  for (const entry of ['package.json', 'bin', 'dist', 'build/Release/kapsel_native.node', 'build/Release/kapsel-init', 'native/test-addon/build/Release/kapsel_native_test.node', 'node_modules', 'examples', 'test/fixtures/bin']) {
    const from = path.join(REPO_ROOT, entry);
    if (!fs.existsSync(from)) continue;
    fs.mkdirSync(path.dirname(path.join(dir, entry)), { recursive: true, mode: 0o755 });
    fs.cpSync(from, path.join(dir, entry), { recursive: true });
  }
  spawnSync('chmod', ['-R', 'a+rX', dir]);
  return { dir, release: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

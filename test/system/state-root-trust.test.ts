/**
 * Issue 16 hole 4: a state root another local user can write steers
 * kapsel. Without XDG_RUNTIME_DIR (su, cron, CI) the rootless root falls
 * back to $TMPDIR/kapsel-<uid>; another user made it first (0777), put a
 * forged state.json with a poststop hook in it, and the victim's
 * `delete --force` ran the hook as the victim. runc trusts whatever --root
 * holds as well. Each attack is performed here by another local user
 * (setpriv), then the victim's kapsel must refuse the root, name it and
 * say what is wrong, and the hook must never run.
 *
 * Users: the victim of the rootless cases is kapsel-test, the attacker a
 * second user made for this file (removed after); where root is the
 * victim (--root), kapsel-test is the attacker. The shared directory is
 * a sticky 1777 one, as /tmp.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertNoLeaks, lowestClosedFd } from '../helpers/leaks';
import { rootlessSuite } from '../helpers/rootless-suite';
import { Container } from '../../lib';
import { makeBundle } from '../helpers/bundle';
import { uniqueId } from '../helpers/run';
import { TMP_PREFIX, createdTempDirs, tempDir, tempRoot } from '../helpers/tmp';
import { TEST_USER_NAME, ensureUser, removeUser, runAs } from '../helpers/user';

const suite = rootlessSuite();
const { skip } = suite;
const ATTACKER = 'kapsel-attacker';

let victim: { uid: number; gid: number };
let attacker: { uid: number; gid: number };

before(() => {
  if (skip) return;
  victim = suite.owner;
  attacker = ensureUser(ATTACKER);
});

after(() => {
  if (!skip) removeUser(ATTACKER);
  // The shared "tmp" directories, marker directories and roots this file
  // made (some owned by the test users): nothing stays in /tmp.
  for (const dir of createdTempDirs()) fs.rmSync(dir, { recursive: true, force: true });
  assertNoLeaks(suite.snapshot, TMP_PREFIX);
});

/** A directory everyone may create entries in, sticky: what /tmp is. */
function sharedTmp(): string {
  const dir = tempDir('shared-tmp');
  fs.chmodSync(dir, 0o1777);
  return dir;
}

/** A directory where `owner` (and nobody else) can write, for the hook's marker file. */
function markerDir(owner: { uid: number; gid: number }): string {
  const dir = tempDir('marker');
  fs.chownSync(dir, owner.uid, owner.gid);
  return dir;
}

/**
 * The attacker's forged state.json: a stopped container (no process has
 * pid PID_MAX_LIMIT) whose poststop hook writes `marker`: delete runs the
 * poststop hooks of the state it finds.
 */
function forgedState(marker: string): string {
  return JSON.stringify({
    ociVersion: '1.0.2',
    id: 'evil',
    pid: 4194304,
    initStartTime: 1,
    bundle: '/',
    rootfs: '/',
    created: new Date().toISOString(),
    owner: 'victim',
    ownPidNamespace: true,
    rootless: true,
    hooks: { poststop: [{ path: '/bin/sh', args: ['sh', '-c', `id -u > ${marker}`] }] },
  });
}

/** Runs a shell script as `user` with `env`; asserts it succeeded. */
function asUser(user: string, script: string, env: NodeJS.ProcessEnv = {}): void {
  const res = runAs(user, ['/bin/sh', '-euc', script], env);
  assert.equal(res.status, 0, `${user}: ${script}: ${res.stderr}`);
}

/** Plants, as the attacker, a 0777 state root at `root` holding the forged container "evil". */
function plantForgedRoot(user: string, root: string, marker: string): void {
  asUser(user, 'mkdir -m 0777 "$ROOT" && mkdir -m 0777 "$ROOT/evil" && printf %s "$STATE" > "$ROOT/evil/state.json"', {
    ROOT: root,
    STATE: forgedState(marker),
  });
}

/** The victim's kapsel without XDG_RUNTIME_DIR, as under su, cron or CI: the default root is $TMPDIR/kapsel-<uid>. */
function victimKapsel(tmpdir: string, args: string[]): ReturnType<typeof runAs> {
  return runAs(TEST_USER_NAME, [suite.bin, ...args], { TMPDIR: tmpdir });
}

test('hole 4: the fallback root pre-made 0777 by another user with a forged state.json: delete --force refuses it, names it, and the poststop hook never runs', { skip }, () => {
  const shared = sharedTmp();
  const marker = path.join(markerDir(victim), 'hook-ran');
  const root = path.join(shared, `kapsel-${victim.uid}`);
  plantForgedRoot(ATTACKER, root, marker);

  const del = victimKapsel(shared, ['delete', '--force', 'evil']);
  assert.equal(fs.existsSync(marker), false, 'the forged poststop hook ran as the victim');
  assert.equal(del.status, 1, del.stderr);
  assert.ok(del.stderr.includes(`refusing state root ${root}: it is owned by uid ${attacker.uid}, not by uid ${victim.uid}`), del.stderr);
  // The attacker's containers are not the victim's either: list and state refuse the same way.
  for (const args of [['list'], ['state', 'evil']]) {
    const res = victimKapsel(shared, args);
    assert.equal(res.status, 1, res.stderr);
    assert.ok(res.stderr.includes(`refusing state root ${root}`), res.stderr);
  }
  assert.ok(fs.existsSync(path.join(root, 'evil', 'state.json')), 'nothing of the refused root was touched');
});

test('hole 4: a symlink at the fallback root (to a root the attacker filled) is refused as a symlink, never followed', { skip }, () => {
  const shared = sharedTmp();
  const marker = path.join(markerDir(victim), 'hook-ran');
  const root = path.join(shared, `kapsel-${victim.uid}`);
  const theirs = path.join(shared, 'attacker-root');
  plantForgedRoot(ATTACKER, theirs, marker);
  asUser(ATTACKER, 'ln -s "$THEIRS" "$ROOT"', { THEIRS: theirs, ROOT: root });

  const del = victimKapsel(shared, ['delete', '--force', 'evil']);
  assert.equal(del.status, 1, del.stderr);
  assert.ok(del.stderr.includes(`refusing state root ${root}: it is a symbolic link`), del.stderr);
  assert.equal(fs.existsSync(marker), false, 'the forged poststop hook ran as the victim');
  assert.ok(fs.existsSync(path.join(theirs, 'evil', 'state.json')));
});

test('hole 4: the victim\'s own root left group-writable, filled by a group member: refused as writable by its group', { skip }, () => {
  const marker = path.join(markerDir(victim), 'hook-ran');
  // The victim's root, its group the attacker's, group-writable: as a
  // umask 002 and a shared group leave it.
  const root = path.join(tempDir('group-root'), 'state');
  fs.mkdirSync(root);
  fs.chownSync(root, victim.uid, attacker.gid);
  fs.chmodSync(root, 0o770);
  fs.chmodSync(path.dirname(root), 0o755);
  asUser(ATTACKER, 'mkdir -m 0777 "$ROOT/evil" && printf %s "$STATE" > "$ROOT/evil/state.json"', { ROOT: root, STATE: forgedState(marker) });

  const res = runAs(TEST_USER_NAME, [suite.bin, '--root', root, 'delete', '--force', 'evil'], {});
  assert.equal(res.status, 1, res.stderr);
  assert.ok(res.stderr.includes(`refusing state root ${root}: it is writable by its group (mode 0770)`), res.stderr);
  assert.equal(fs.existsSync(marker), false, 'the forged poststop hook ran as the victim');
});

test('hole 4: --root given explicitly: root refuses a root another user made (runc would run its hooks as root)', { skip }, () => {
  const shared = sharedTmp();
  const marker = path.join(markerDir({ uid: 0, gid: 0 }), 'hook-ran');
  const root = path.join(shared, 'their-root');
  plantForgedRoot(TEST_USER_NAME, root, marker);

  const res = runAs('root', [suite.bin, '--root', root, 'delete', '--force', 'evil'], {});
  assert.equal(res.status, 1, res.stderr);
  assert.ok(res.stderr.includes(`refusing state root ${root}: it is owned by uid ${victim.uid}, not by uid 0`), res.stderr);
  assert.equal(fs.existsSync(marker), false, 'the forged poststop hook ran as root');
});

test('hole 4: a fallback root kapsel makes is 0700 and the victim\'s, whatever the umask', { skip }, () => {
  const shared = sharedTmp();
  const root = path.join(shared, `kapsel-${victim.uid}`);
  // create makes the root before it reads the bundle: a missing bundle
  // fails the create, the root stays (as runc's does).
  const res = runAs(TEST_USER_NAME, ['/bin/sh', '-c', `umask 0; exec "$0" create --bundle /nonexistent c1`, suite.bin], { TMPDIR: shared });
  assert.equal(res.status, 1, res.stderr);
  const st = fs.lstatSync(root);
  assert.ok(st.isDirectory());
  assert.equal(st.uid, victim.uid);
  assert.equal(st.mode & 0o7777, 0o700, 'made 0700 whatever the umask');
  assert.deepEqual(fs.readdirSync(root), [], 'the failed create left nothing in it');
  const list = victimKapsel(shared, ['list', '-q']);
  assert.equal(list.status, 0, list.stderr);
});

// The state root's fd never filling a gap of preserveFds (it would hand the
// container the root) is test/system/cli-fds.test.ts's library gap test.

/**
 * Tests of the thin syscall wrappers in native/addon/syscalls.cc.
 *
 * Anything that would change the test process itself (namespaces, hostname,
 * credentials, capabilities, prctl flags, rlimits) runs in a throwaway Node
 * child that loads the addon by path and prints its findings as JSON.
 *
 * One kernel detail shapes several tests: Node is multi-threaded, and
 * namespaces, capabilities and prctl flags are per thread. The JS thread is
 * the thread group leader, so /proc/self/status shows its state and the
 * processes it spawns inherit it, but libuv's thread pool does not follow.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { native, nativeBuildDir, type NativeError } from '../../lib/native/addon';
import { TEST_ADDON_PATH, testAddon } from '../helpers/test-addon';

const ADDON = path.join(nativeBuildDir(), 'kapsel_native.node');
const NOT_ROOT = process.getuid?.() !== 0 ? 'needs root' : false;

const CLONE_NEWNS = 0x00020000;
const CLONE_NEWUTS = 0x04000000;
const CLONE_NEWUSER = 0x10000000;
const CLONE_NEWNET = 0x40000000;
const MS_RDONLY = 0x1;
const MS_NOSUID = 0x2;
const MS_NODEV = 0x4;
const MS_REMOUNT = 0x20;
const MS_BIND = 0x1000;
const MS_REC = 0x4000;
const MS_PRIVATE = 0x40000;
const MNT_DETACH = 2;
const MFD_CLOEXEC = 1;
const RLIMIT_CPU = 0;
const RLIMIT_STACK = 3;
const RLIMIT_NOFILE = 7;
const RLIM_INFINITY = 0xffffffffffffffffn;
const O_CLOEXEC = 0o2000000;
/** Larger than any pid_max (2^22), so no process has it. */
const NO_SUCH_PID = 0x7ffffff0;
const CAP_NET_BIND_SERVICE = 10;
const CAP_NET_RAW = 13;

// ---- helpers ---------------------------------------------------------------

/** Helpers available to child code; bigints are printed as decimal strings. */
const PRELUDE = String.raw`
'use strict';
// The library's addon and the test addon's wrappers, as one.
const n = { ...require(${JSON.stringify(ADDON)}), ...require(${JSON.stringify(TEST_ADDON_PATH)}) };
const fs = require('node:fs');
const os = require('node:os');
const cp = require('node:child_process');
const status = (key, file = '/proc/self/status') =>
  fs.readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(key + ':')).slice(key.length + 1).trim();
const fail = (fn) => {
  try { fn(); return null; } catch (e) {
    const r = { code: e.code, errno: e.errno, syscall: e.syscall };
    if ('path' in e) r.path = e.path;
    return r;
  }
};
let result;
const out = (v) => { result = v; };
`;

/** Runs `body` (may use await) in a fresh Node process; returns what it passed to out(). */
function inChild(body: string): any {
  const code = `${PRELUDE}
(async () => { ${body} })().then(
  // Exit explicitly: child code may leave handles (e.g. its own children) open.
  () => process.stdout.write(JSON.stringify(result, (_, x) => typeof x === 'bigint' ? x.toString() : x), () => process.exit(0)),
  (e) => { console.error(e); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `child failed (status ${r.status}, signal ${r.signal}):\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Asserts that fn throws a Node-style system error of this shape. */
function assertSysError(
  fn: () => unknown,
  expected: { code: string | string[]; syscall: string; path?: string },
): void {
  assert.throws(fn, (e: NativeError) => {
    assert.ok(e instanceof Error);
    const codes = Array.isArray(expected.code) ? expected.code : [expected.code];
    assert.ok(codes.includes(e.code), `code ${e.code} not in ${codes}`);
    assert.equal(e.errno, -(os.constants.errno as Record<string, number>)[e.code]);
    assert.equal(e.syscall, expected.syscall);
    assert.equal(e.path, expected.path);
    assert.match(e.message, new RegExp(`^${e.code}: .*, ${expected.syscall}`));
    return true;
  });
}

function errShape(code: string, syscall: string, p?: string): Record<string, unknown> {
  const r: Record<string, unknown> = {
    code,
    errno: -(os.constants.errno as Record<string, number>)[code],
    syscall,
  };
  if (p !== undefined) r.path = p;
  return r;
}

function procStatus(key: string, pid: number | 'self' = 'self'): string {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(key + ':'));
  assert.ok(line, `${key} in /proc/${pid}/status`);
  return line.slice(key.length + 1).trim();
}

const hexMask = (s: string): bigint => BigInt('0x' + s);
const bit = (cap: number): bigint => 1n << BigInt(cap);

interface MountEntry {
  mountPoint: string;
  options: string[];
  fstype: string;
  source: string;
  superOptions: string[];
}

/** The last (topmost) mount at `mountPoint` in /proc/self/mountinfo. */
function mountAt(mountPoint: string): MountEntry | undefined {
  let found: MountEntry | undefined;
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    if (!line) continue;
    const [pre, post] = line.split(' - ');
    const f = pre.split(' ');
    if (f[4] !== mountPoint) continue;
    const [fstype, source, superOptions] = post.split(' ');
    found = { mountPoint: f[4], options: f[5].split(','), fstype, source, superOptions: superOptions.split(',') };
  }
  return found;
}

/** Parses one row of /proc/PID/limits into an Rlimit. */
function procLimit(pid: number | 'self', title: string): { soft: bigint; hard: bigint } {
  const line = fs.readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((l) => l.startsWith(title));
  assert.ok(line, `${title} in /proc/${pid}/limits`);
  const [soft, hard] = line.slice(title.length).trim().split(/\s+/);
  const parse = (v: string) => (v === 'unlimited' ? RLIM_INFINITY : BigInt(v));
  return { soft: parse(soft), hard: parse(hard) };
}

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `kapsel-${prefix}-`));
}

function spawnSleep(): ChildProcess {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  assert.ok(child.pid, 'sleep started');
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

// ---- exports and argument checking ----------------------------------------

/** The wrappers lib/ calls: in the library's addon. */
const LIBRARY_FUNCTIONS = ['pidfdOpen', 'pidfdSendSignal', 'flock', 'memfdCreate', 'openat2'];
/** The wrappers only tests call: in the test addon, and not in the library's. */
const TEST_FUNCTIONS = [
  'unshare', 'setns', 'mount', 'umount2', 'pivotRoot', 'sethostname', 'setdomainname',
  'setresuid', 'setresgid', 'setgroups', 'capget', 'capset', 'capBoundingRead', 'capBoundingDrop',
  'capAmbientRaise', 'capAmbientLower', 'capAmbientIsSet', 'capAmbientClearAll', 'setNoNewPrivs',
  'getNoNewPrivs', 'setPdeathsig', 'getPdeathsig', 'setKeepCaps', 'getKeepCaps', 'getrlimit',
  'setrlimit', 'prlimit',
];

test('the library addon exports the syscall wrappers lib/ calls, the test addon the others', () => {
  const addon = native() as unknown as Record<string, unknown>;
  const test = testAddon() as unknown as Record<string, unknown>;
  for (const name of LIBRARY_FUNCTIONS) assert.equal(typeof addon[name], 'function', name);
  for (const name of TEST_FUNCTIONS) {
    assert.equal(typeof test[name], 'function', name);
    assert.equal(addon[name], undefined, `${name} is the test addon's only`);
  }
});

test('wrong argument types throw TypeError before any syscall', () => {
  const n = { ...native(), ...testAddon() } as any;
  const typeError = { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' };
  assert.throws(() => n.unshare('0'), typeError);
  assert.throws(() => n.unshare(), typeError);
  assert.throws(() => n.mount(null, 5, 'tmpfs', 0, null), typeError);
  assert.throws(() => n.mount(1, '/x', 'tmpfs', 0, null), typeError);
  assert.throws(() => n.mount(null, '/x\0y', 'tmpfs', 0, null), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => n.setgroups([0, '1']), typeError);
  assert.throws(() => n.setgroups(0), typeError);
  assert.throws(() => n.capset({ effective: 1, permitted: 0n, inheritable: 0n }), typeError);
  assert.throws(() => n.capset(null), typeError);
  assert.throws(() => n.setrlimit(RLIMIT_NOFILE, { soft: 1 }), typeError);
  assert.throws(() => n.setKeepCaps(1), typeError);
  assert.throws(() => n.flock(0, 'exclusive', 'no'), typeError);
  assert.throws(() => n.flock(0, 'sideways', false), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => n.memfdCreate(1, 0), typeError);
  // Masks and limits are unsigned 64-bit.
  const range = { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' };
  assert.throws(() => n.setrlimit(RLIMIT_NOFILE, { soft: -1n, hard: 0n }), range);
  assert.throws(() => n.capset({ effective: 1n << 64n, permitted: 0n, inheritable: 0n }), range);
});

// ---- namespaces and uts ------------------------------------------------------

test('unshare(CLONE_NEWUSER) fails with EINVAL in multi-threaded Node', () => {
  const r = inChild(`out({ user: fail(() => n.unshare(${CLONE_NEWUSER})) });`);
  assert.deepEqual(r.user, errShape('EINVAL', 'unshare'));
});

test('unshare(CLONE_NEWUTS) + sethostname/setdomainname stay in the child', { skip: NOT_ROOT }, () => {
  const hostBefore = os.hostname();
  const domainBefore = fs.readFileSync('/proc/sys/kernel/domainname', 'utf8');
  const r = inChild(`
    n.unshare(${CLONE_NEWUTS});
    n.sethostname('kapsel-uts-test');
    n.setdomainname('kapsel.test');
    out({
      hostname: os.hostname(),
      domainname: fs.readFileSync('/proc/sys/kernel/domainname', 'utf8').trim(),
      // Processes spawned from the JS thread inherit its namespaces.
      spawned: cp.execFileSync('cat', ['/proc/sys/kernel/hostname'], { encoding: 'utf8' }).trim(),
      tooLong: fail(() => n.sethostname('x'.repeat(65))),
    });`);
  assert.equal(r.hostname, 'kapsel-uts-test');
  assert.equal(r.domainname, 'kapsel.test');
  assert.equal(r.spawned, 'kapsel-uts-test');
  assert.deepEqual(r.tooLong, errShape('EINVAL', 'sethostname'));
  assert.equal(os.hostname(), hostBefore);
  assert.equal(fs.readFileSync('/proc/sys/kernel/domainname', 'utf8'), domainBefore);
});

test('setns returns to a saved UTS namespace', { skip: NOT_ROOT }, () => {
  const r = inChild(`
    const host = os.hostname();
    const saved = fs.openSync('/proc/self/ns/uts', 'r');
    n.unshare(${CLONE_NEWUTS});
    n.sethostname('kapsel-setns-test');
    const inside = os.hostname();
    n.setns(saved, ${CLONE_NEWUTS});
    out({ host, inside, back: os.hostname() });`);
  assert.equal(r.inside, 'kapsel-setns-test');
  assert.equal(r.back, r.host);
});

test('setns errors: wrong namespace type, not a namespace fd', () => {
  const ns = fs.openSync('/proc/self/ns/uts', 'r');
  const file = fs.openSync('/proc/self/status', 'r');
  try {
    assertSysError(() => testAddon().setns(ns, CLONE_NEWNET), { code: 'EINVAL', syscall: 'setns' });
    assertSysError(() => testAddon().setns(file, 0), { code: 'EINVAL', syscall: 'setns' });
    assertSysError(() => testAddon().setns(-1, 0), { code: 'EBADF', syscall: 'setns' });
  } finally {
    fs.closeSync(ns);
    fs.closeSync(file);
  }
});

test('unshare(CLONE_NEWNS) works in Node but only moves the calling thread', { skip: NOT_ROOT }, () => {
  // CLONE_NEWNS implies CLONE_FS, which the kernel handles by copying the
  // thread's fs_struct, not by refusing as it does for CLONE_NEWUSER.
  const dir = tempDir('mntns');
  try {
    const r = inChild(`
      const dir = ${JSON.stringify(dir)};
      await fs.promises.readdir('/');  // start the thread pool in the host namespace
      n.unshare(${CLONE_NEWNS});
      // Keep our mounts from propagating back to the host.
      n.mount(null, '/', null, ${MS_REC | MS_PRIVATE}, null);
      n.mount('kapsel-mntns', dir, 'tmpfs', 0, null);
      fs.writeFileSync(dir + '/inside', 'x');
      out({
        jsThread: fs.readdirSync(dir),
        threadPool: await fs.promises.readdir(dir),
        mounted: fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(' ' + dir + ' '),
      });`);
    assert.deepEqual(r.jsThread, ['inside']);
    assert.deepEqual(r.threadPool, [], 'the thread pool still sees the host mount namespace');
    assert.equal(r.mounted, true);
    assert.equal(mountAt(dir), undefined);
    assert.deepEqual(fs.readdirSync(dir), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ---- mounts ----------------------------------------------------------------

test('mount a tmpfs and umount2 it', { skip: NOT_ROOT }, () => {
  const n = native();
  const dir = tempDir('mount');
  let mounted = false;
  try {
    testAddon().mount('kapsel-test', dir, 'tmpfs', MS_NOSUID | MS_NODEV, 'size=1m,mode=0750');
    mounted = true;
    const m = mountAt(dir);
    assert.ok(m, 'tmpfs in /proc/self/mountinfo');
    assert.equal(m.fstype, 'tmpfs');
    assert.equal(m.source, 'kapsel-test');
    assert.ok(m.options.includes('nosuid') && m.options.includes('nodev'), m.options.join());
    assert.ok(m.superOptions.includes('size=1024k'), m.superOptions.join());
    assert.ok(m.superOptions.includes('mode=750'), m.superOptions.join());
    fs.writeFileSync(path.join(dir, 'file'), 'on tmpfs');

    testAddon().umount2(dir, 0);
    mounted = false;
    assert.equal(mountAt(dir), undefined);
    assert.deepEqual(fs.readdirSync(dir), [], 'the file went away with the tmpfs');
  } finally {
    if (mounted) testAddon().umount2(dir, MNT_DETACH);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('mount passes null source/fstype/data: bind mount, then read-only remount', { skip: NOT_ROOT }, () => {
  const n = native();
  const src = tempDir('bind-src');
  const dst = tempDir('bind-dst');
  let mounted = false;
  try {
    fs.writeFileSync(path.join(src, 'file'), 'hello');
    testAddon().mount(src, dst, null, MS_BIND, null);
    mounted = true;
    assert.equal(fs.readFileSync(path.join(dst, 'file'), 'utf8'), 'hello');

    testAddon().mount(null, dst, null, MS_REMOUNT | MS_BIND | MS_RDONLY, null);
    assert.ok(mountAt(dst)?.options.includes('ro'));
    assert.throws(() => fs.writeFileSync(path.join(dst, 'other'), 'x'), { code: 'EROFS' });
    fs.writeFileSync(path.join(src, 'other'), 'still writable at the source');

    testAddon().umount2(dst, MNT_DETACH);
    mounted = false;
    assert.equal(mountAt(dst), undefined);
  } finally {
    if (mounted) testAddon().umount2(dst, MNT_DETACH);
    fs.rmSync(dst, { recursive: true, force: true });
    fs.rmSync(src, { recursive: true, force: true });
  }
});

test('mount and umount2 errors carry the target path', { skip: NOT_ROOT }, () => {
  const n = native();
  const dir = tempDir('mount-err');
  const missing = path.join(dir, 'missing');
  try {
    assertSysError(() => testAddon().mount('none', missing, 'tmpfs', 0, null), { code: 'ENOENT', syscall: 'mount', path: missing });
    assertSysError(() => testAddon().mount('none', dir, 'kapsel-no-such-fs', 0, null), { code: 'ENODEV', syscall: 'mount', path: dir });
    assertSysError(() => testAddon().umount2(dir, 0), { code: 'EINVAL', syscall: 'umount2', path: dir });
    assertSysError(() => testAddon().umount2(missing, 0), { code: 'ENOENT', syscall: 'umount2', path: missing });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('pivotRoot errors carry the new root', { skip: NOT_ROOT }, () => {
  const n = native();
  const dir = tempDir('pivot-err');
  const missing = path.join(dir, 'missing');
  try {
    assertSysError(() => testAddon().pivotRoot(missing, dir), { code: 'ENOENT', syscall: 'pivot_root', path: missing });
    // Not a mount point: EINVAL, but the kernel reports EBUSY first when the
    // directory sits on the root file system (as os.tmpdir() may).
    assertSysError(() => testAddon().pivotRoot(dir, dir), { code: ['EBUSY', 'EINVAL'], syscall: 'pivot_root', path: dir });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('pivotRoot into a tmpfs inside a child mount namespace', { skip: NOT_ROOT }, () => {
  const dir = tempDir('pivot');
  try {
    const r = inChild(`
      const dir = ${JSON.stringify(dir)};
      n.unshare(${CLONE_NEWNS});
      n.mount(null, '/', null, ${MS_REC | MS_PRIVATE}, null);
      n.mount('kapsel-pivot', dir, 'tmpfs', 0, null);
      fs.mkdirSync(dir + '/old');
      fs.writeFileSync(dir + '/marker', 'new root');
      const notMountPoint = fail(() => n.pivotRoot(dir + '/old', dir + '/old'));
      n.pivotRoot(dir, dir + '/old');
      process.chdir('/');
      const withOld = fs.readdirSync('/').sort();
      n.umount2('/old', ${MNT_DETACH});
      fs.rmdirSync('/old');
      out({ notMountPoint, withOld, root: fs.readdirSync('/'), marker: fs.readFileSync('/marker', 'utf8') });`);
    assert.deepEqual(r.notMountPoint, errShape('EINVAL', 'pivot_root', path.join(dir, 'old')));
    assert.deepEqual(r.withOld, ['marker', 'old']);
    assert.deepEqual(r.root, ['marker']);
    assert.equal(r.marker, 'new root');
    assert.deepEqual(fs.readdirSync(dir), [], 'the host never saw the tmpfs');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ---- credentials -------------------------------------------------------------

test('setgroups/setresgid/setresuid drop every thread to nobody', { skip: NOT_ROOT }, () => {
  const r = inChild(`
    n.setgroups([65534, 100]);
    n.setresgid(65534, 65534, 65534);
    n.setresuid(65534, 65534, 65534);
    const tasks = fs.readdirSync('/proc/self/task').map((t) => status('Uid', '/proc/self/task/' + t + '/status'));
    out({
      uid: status('Uid'), gid: status('Gid'), groups: status('Groups'),
      getuid: process.getuid(), tasks,
      regainUid: fail(() => n.setresuid(0, 0, 0)),
      regainGid: fail(() => n.setresgid(0, 0, 0)),
      regainGroups: fail(() => n.setgroups([0])),
    });`);
  assert.equal(r.uid.split(/\s+/).join(' '), '65534 65534 65534 65534');
  assert.equal(r.gid.split(/\s+/).join(' '), '65534 65534 65534 65534');
  assert.equal(r.groups, '100 65534');
  assert.equal(r.getuid, 65534);
  assert.ok(r.tasks.length > 1, 'Node runs several threads');
  // glibc's wrappers broadcast credential changes to all threads.
  for (const t of r.tasks) assert.equal(t.split(/\s+/)[0], '65534');
  assert.deepEqual(r.regainUid, errShape('EPERM', 'setresuid'));
  assert.deepEqual(r.regainGid, errShape('EPERM', 'setresgid'));
  assert.deepEqual(r.regainGroups, errShape('EPERM', 'setgroups'));
});

test('setresuid(-1, ...) leaves ids unchanged', { skip: NOT_ROOT }, () => {
  const r = inChild(`
    n.setresuid(-1, 65534, -1);
    out({ uid: status('Uid') });`);
  assert.equal(r.uid.split(/\s+/).join(' '), '0 65534 0 65534');
});

// ---- capabilities --------------------------------------------------------------

test('capget matches /proc/self/status', () => {
  const n = native();
  const self = testAddon().capget(0);
  assert.equal(typeof self.effective, 'bigint');
  assert.equal(self.effective, hexMask(procStatus('CapEff')));
  assert.equal(self.permitted, hexMask(procStatus('CapPrm')));
  assert.equal(self.inheritable, hexMask(procStatus('CapInh')));
  assert.deepEqual(testAddon().capget(process.pid), self);
  assertSysError(() => testAddon().capget(NO_SUCH_PID), { code: 'ESRCH', syscall: 'capget' });
});

test('capset drops a capability from the effective and permitted sets', { skip: NOT_ROOT }, () => {
  const r = inChild(`
    const before = n.capget(0);
    const b = ${bit(CAP_NET_RAW)}n;
    n.capset({ effective: before.effective & ~b, permitted: before.permitted & ~b, inheritable: before.inheritable });
    out({
      before, after: n.capget(0), eff: status('CapEff'), prm: status('CapPrm'),
      regain: fail(() => n.capset(before)),
    });`);
  const b = bit(CAP_NET_RAW);
  assert.ok(BigInt(r.before.permitted) & b, 'child starts with CAP_NET_RAW');
  assert.equal(BigInt(r.after.effective), BigInt(r.before.effective) & ~b);
  assert.equal(BigInt(r.after.permitted), BigInt(r.before.permitted) & ~b);
  assert.equal(hexMask(r.eff), BigInt(r.after.effective));
  assert.equal(hexMask(r.prm), BigInt(r.after.permitted));
  assert.deepEqual(r.regain, errShape('EPERM', 'capset'));
});

test('capBoundingRead agrees with CapBnd', () => {
  const n = native();
  const bnd = hexMask(procStatus('CapBnd'));
  const last = Number(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
  for (let cap = 0; cap <= last; cap++) assert.equal(testAddon().capBoundingRead(cap), (bnd & bit(cap)) !== 0n, `cap ${cap}`);
  assertSysError(() => testAddon().capBoundingRead(last + 1), { code: 'EINVAL', syscall: 'prctl' });
});

test('capBoundingDrop removes a capability from the bounding set', { skip: NOT_ROOT }, () => {
  const r = inChild(`
    const had = n.capBoundingRead(${CAP_NET_RAW});
    n.capBoundingDrop(${CAP_NET_RAW});
    out({ had, has: n.capBoundingRead(${CAP_NET_RAW}), bnd: status('CapBnd'), bad: fail(() => n.capBoundingDrop(999)) });`);
  assert.equal(r.had, true);
  assert.equal(r.has, false);
  assert.equal(hexMask(r.bnd) & bit(CAP_NET_RAW), 0n);
  assert.deepEqual(r.bad, errShape('EINVAL', 'prctl'));
});

test('ambient capabilities: raise, is-set, lower, clear all', { skip: NOT_ROOT }, () => {
  const r = inChild(`
    const cap = ${CAP_NET_BIND_SERVICE};
    // Raising needs the capability in the inheritable set too.
    const notInheritable = fail(() => n.capAmbientRaise(cap));
    const c = n.capget(0);
    n.capset({ ...c, inheritable: c.inheritable | (1n << BigInt(cap)) });
    n.capAmbientRaise(cap);
    const raised = { isSet: n.capAmbientIsSet(cap), amb: status('CapAmb') };
    n.capAmbientLower(cap);
    const lowered = { isSet: n.capAmbientIsSet(cap), amb: status('CapAmb') };
    n.capAmbientRaise(cap);
    n.capAmbientClearAll();
    const cleared = { isSet: n.capAmbientIsSet(cap), amb: status('CapAmb') };
    out({ notInheritable, raised, lowered, cleared, bad: fail(() => n.capAmbientIsSet(999)) });`);
  assert.deepEqual(r.notInheritable, errShape('EPERM', 'prctl'));
  assert.equal(r.raised.isSet, true);
  assert.equal(hexMask(r.raised.amb), bit(CAP_NET_BIND_SERVICE));
  assert.equal(r.lowered.isSet, false);
  assert.equal(hexMask(r.lowered.amb), 0n);
  assert.equal(r.cleared.isSet, false);
  assert.equal(hexMask(r.cleared.amb), 0n);
  assert.deepEqual(r.bad, errShape('EINVAL', 'prctl'));
});

// ---- prctl flags -----------------------------------------------------------------

test('no_new_privs: set, read back, inherited by spawned processes', () => {
  const r = inChild(`
    const before = n.getNoNewPrivs();
    n.setNoNewPrivs();
    out({
      before, after: n.getNoNewPrivs(), status: status('NoNewPrivs'),
      spawned: cp.execFileSync('grep', ['NoNewPrivs', '/proc/self/status'], { encoding: 'utf8' }).trim(),
    });`);
  assert.equal(r.before, false);
  assert.equal(r.after, true);
  assert.equal(r.status, '1');
  assert.match(r.spawned, /^NoNewPrivs:\s+1$/);
});

test('keepcaps: round trip, and permitted caps survive setresuid', { skip: NOT_ROOT }, () => {
  const r = inChild(`
    const before = n.getKeepCaps();
    n.setKeepCaps(true);
    const on = n.getKeepCaps();
    n.setresuid(65534, 65534, 65534);
    out({ before, on, stillOn: n.getKeepCaps(), prm: status('CapPrm'), eff: status('CapEff') });`);
  assert.equal(r.before, false);
  assert.equal(r.on, true);
  assert.equal(r.stillOn, true);
  assert.notEqual(hexMask(r.prm), 0n, 'permitted kept');
  assert.equal(hexMask(r.eff), 0n, 'effective cleared on the uid change');

  const off = inChild(`
    n.setKeepCaps(true);
    n.setKeepCaps(false);
    const flag = n.getKeepCaps();
    n.setresuid(65534, 65534, 65534);
    out({ flag, prm: status('CapPrm') });`);
  assert.equal(off.flag, false);
  assert.equal(hexMask(off.prm), 0n);
});

test('pdeathsig: round trip and error', () => {
  const r = inChild(`
    const before = n.getPdeathsig();
    n.setPdeathsig(${os.constants.signals.SIGTERM});
    const set = n.getPdeathsig();
    n.setPdeathsig(0);
    out({ before, set, after: n.getPdeathsig(), bad: fail(() => n.setPdeathsig(999)) });`);
  assert.equal(r.before, 0);
  assert.equal(r.set, os.constants.signals.SIGTERM);
  assert.equal(r.after, 0);
  assert.deepEqual(r.bad, errShape('EINVAL', 'prctl'));
});

test('pdeathsig kills a process when its parent dies', async () => {
  // The middle process starts a grandchild that sets pdeathsig, waits until
  // it is armed, prints the grandchild's pid and exits.
  const grandchild = `
    const n = require(${JSON.stringify(TEST_ADDON_PATH)});
    n.setPdeathsig(${os.constants.signals.SIGKILL});
    process.stdout.write('armed\\n');
    setInterval(() => {}, 1000);`;
  const r = inChild(`
    const g = cp.spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise((resolve) => g.stdout.once('data', resolve));
    out({ pid: g.pid });`);
  const pid = r.pid as number;
  const dead = () => {
    try {
      return /^\d+ \(.*\) [ZX]/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return true;
    }
  };
  try {
    for (let i = 0; i < 100 && !dead(); i++) await new Promise((res) => setTimeout(res, 50));
    assert.ok(dead(), 'grandchild died with its parent');
  } finally {
    if (!dead()) process.kill(pid, 'SIGKILL');
  }
});

// ---- resource limits ---------------------------------------------------------------

test('getrlimit matches /proc/self/limits, RLIM_INFINITY is 2^64-1', () => {
  const n = native();
  assert.deepEqual(testAddon().getrlimit(RLIMIT_NOFILE), procLimit('self', 'Max open files'));
  assert.deepEqual(testAddon().getrlimit(RLIMIT_STACK), procLimit('self', 'Max stack size'));
  const cpu = testAddon().getrlimit(RLIMIT_CPU);
  assert.deepEqual(cpu, procLimit('self', 'Max cpu time'));
  assert.equal(typeof cpu.soft, 'bigint');
  // procLimit maps "unlimited" to RLIM_INFINITY; check it really appears.
  const unlimited = [cpu, testAddon().getrlimit(RLIMIT_STACK)].flatMap((l) => [l.soft, l.hard]).filter((v) => v === RLIM_INFINITY);
  if (/^Max (cpu time|stack size)\s+.*unlimited/m.test(fs.readFileSync('/proc/self/limits', 'utf8'))) {
    assert.ok(unlimited.length > 0);
  }
  assertSysError(() => testAddon().getrlimit(999), { code: 'EINVAL', syscall: 'getrlimit' });
});

test('setrlimit lowers a soft limit in a child', () => {
  const r = inChild(`
    const old = n.getrlimit(${RLIMIT_NOFILE});
    n.setrlimit(${RLIMIT_NOFILE}, { soft: 64n, hard: old.hard });
    const now = n.getrlimit(${RLIMIT_NOFILE});
    let emfile = null;
    const fds = [];
    try { for (let i = 0; i < 100; i++) fds.push(fs.openSync('/dev/null', 'r')); }
    catch (e) { emfile = e.code; }
    for (const fd of fds) fs.closeSync(fd);
    out({
      old, now, limits: fs.readFileSync('/proc/self/limits', 'utf8'), emfile,
      softAboveHard: fail(() => n.setrlimit(${RLIMIT_NOFILE}, { soft: 2n, hard: 1n })),
    });`);
  assert.equal(r.now.soft, '64');
  assert.equal(r.now.hard, r.old.hard);
  assert.match(r.limits, /^Max open files\s+64\s/m);
  assert.equal(r.emfile, 'EMFILE');
  assert.deepEqual(r.softAboveHard, errShape('EINVAL', 'setrlimit'));
});

test('prlimit reads and lowers the limit of another process', async () => {
  const n = native();
  assert.deepEqual(testAddon().prlimit(0, RLIMIT_NOFILE), testAddon().getrlimit(RLIMIT_NOFILE));
  const child = spawnSleep();
  const pid = child.pid as number;
  try {
    const old = testAddon().prlimit(pid, RLIMIT_NOFILE);
    assert.deepEqual(old, procLimit(pid, 'Max open files'));
    const previous = testAddon().prlimit(pid, RLIMIT_NOFILE, { soft: 32n, hard: old.hard });
    assert.deepEqual(previous, old);
    assert.deepEqual(procLimit(pid, 'Max open files'), { soft: 32n, hard: old.hard });
    assert.deepEqual(testAddon().prlimit(pid, RLIMIT_NOFILE, undefined), { soft: 32n, hard: old.hard });
    assertSysError(() => testAddon().prlimit(NO_SUCH_PID, RLIMIT_NOFILE), { code: 'ESRCH', syscall: 'prlimit' });
  } finally {
    await stop(child);
  }
});

// ---- processes ---------------------------------------------------------------------

test('pidfdOpen + pidfdSendSignal terminate a child', async () => {
  const n = native();
  const child = spawnSleep();
  const exited = once(child, 'exit');
  let pidfd = -1;
  try {
    pidfd = n.pidfdOpen(child.pid as number, 0);
    assert.ok(pidfd >= 0);
    assert.match(fs.readlinkSync(`/proc/self/fd/${pidfd}`), /pidfd/);
    const flags = /^flags:\s+(\d+)$/m.exec(fs.readFileSync(`/proc/self/fdinfo/${pidfd}`, 'utf8'));
    assert.ok(flags && (parseInt(flags[1], 8) & O_CLOEXEC) !== 0, 'pidfds are close-on-exec');

    n.pidfdSendSignal(pidfd, os.constants.signals.SIGTERM);
    const [code, signal] = await exited;
    assert.equal(code, null);
    assert.equal(signal, 'SIGTERM');
    // Reaped: the pidfd now refers to a process that is gone.
    assertSysError(() => n.pidfdSendSignal(pidfd, 0), { code: 'ESRCH', syscall: 'pidfd_send_signal' });
  } finally {
    if (pidfd >= 0) fs.closeSync(pidfd);
    await stop(child);
  }
});

test('pidfd errors', () => {
  const n = native();
  assertSysError(() => n.pidfdOpen(NO_SUCH_PID, 0), { code: 'ESRCH', syscall: 'pidfd_open' });
  assertSysError(() => n.pidfdOpen(process.pid, 0x7fff), { code: 'EINVAL', syscall: 'pidfd_open' });
  const fd = fs.openSync('/proc/self/status', 'r');
  try {
    assertSysError(() => n.pidfdSendSignal(fd, 0), { code: 'EBADF', syscall: 'pidfd_send_signal' });
  } finally {
    fs.closeSync(fd);
  }
});

// ---- files ---------------------------------------------------------------------------

test('flock: exclusive locks conflict across open file descriptions', () => {
  const n = native();
  const dir = tempDir('flock');
  const file = path.join(dir, 'lock');
  fs.writeFileSync(file, '');
  const a = fs.openSync(file, 'r');
  const b = fs.openSync(file, 'r');
  try {
    n.flock(a, 'exclusive', true);
    assertSysError(() => n.flock(b, 'exclusive', true), { code: ['EWOULDBLOCK', 'EAGAIN'], syscall: 'flock' });
    assertSysError(() => n.flock(b, 'shared', true), { code: ['EWOULDBLOCK', 'EAGAIN'], syscall: 'flock' });
    n.flock(a, 'unlock', false);
    n.flock(b, 'exclusive', true);
    n.flock(b, 'shared', false); // converts the lock
    n.flock(a, 'shared', true);
    assertSysError(() => n.flock(a, 'exclusive', true), { code: ['EWOULDBLOCK', 'EAGAIN'], syscall: 'flock' });
    // A negative fd is refused before the call (args.h); a closed one is the kernel's EBADF.
    assert.throws(() => n.flock(-1, 'shared', true), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    const closed = fs.openSync(file, 'r');
    fs.closeSync(closed);
    assertSysError(() => n.flock(closed, 'shared', true), { code: 'EBADF', syscall: 'flock' });
  } finally {
    fs.closeSync(a);
    fs.closeSync(b);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('memfdCreate returns a usable anonymous file', () => {
  const n = native();
  const fd = n.memfdCreate('kapsel-test', MFD_CLOEXEC);
  try {
    assert.ok(fd >= 0);
    assert.match(fs.readlinkSync(`/proc/self/fd/${fd}`), /memfd:kapsel-test/);
    const flags = /^flags:\s+(\d+)$/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
    assert.ok(flags && (parseInt(flags[1], 8) & O_CLOEXEC) !== 0, 'MFD_CLOEXEC is applied');
    fs.writeSync(fd, 'hello memfd');
    const buf = Buffer.alloc(32);
    const len = fs.readSync(fd, buf, 0, buf.length, 0);
    assert.equal(buf.subarray(0, len).toString(), 'hello memfd');
    assert.equal(fs.fstatSync(fd).size, 11);
  } finally {
    fs.closeSync(fd);
  }
  assertSysError(() => n.memfdCreate('bad-flags', 0x7fff0000), { code: 'EINVAL', syscall: 'memfd_create' });
});

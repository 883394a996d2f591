/**
 * Issue 8's attacks on the rootfs set-up, performed as root with real
 * bundles: each must fail with a clear error (or be neutralised) and leave
 * the host untouched. The protections themselves are in native/init
 * (steps.cc, root_paths.cc, console.cc) and lib/plan (rootfs.ts, facts.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Spec } from '../../lib/config/types';
import { native } from '../../lib/native/addon';
import type { Bundle } from '../helpers/bundle';
import { createTestContainer, findMount, parseMountInfo, runProbe, type ProbeStat } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';
import { ensureTestUser } from '../helpers/user';
import { testAddon } from '../helpers/test-addon';

const suite = systemSuite();
const { skip } = suite;

function digest(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Host mount points below `dir` (none may be left by a refused create). */
function hostMountsBelow(dir: string): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => parseMountInfo(l).mountPoint)
    .filter((p) => p === dir || p.startsWith(dir + '/'));
}

/** Creating the bundle's container fails with a message matching `message`; nothing is left. */
async function assertCreateRefused(bundle: Bundle, message: RegExp): Promise<void> {
  await assert.rejects(createTestContainer(bundle, { root: suite.root }), (err: Error) => {
    assert.match(err.message, message);
    return true;
  });
  assert.deepEqual(fs.readdirSync(suite.root), [], 'no state directory is left');
  assert.deepEqual(hostMountsBelow(bundle.dir), [], 'no mount is left in the bundle');
}

function statOf(stat: ProbeStat | undefined): Exclude<ProbeStat, { error: string }> {
  assert.ok(stat && !('error' in stat), `stat failed: ${JSON.stringify(stat)}`);
  return stat as Exclude<ProbeStat, { error: string }>;
}

function userNamespace(spec: Spec, hostId: number): void {
  spec.linux!.namespaces!.push({ type: 'user' });
  spec.linux!.uidMappings = [{ containerID: 0, hostID: hostId, size: 65536 }];
  spec.linux!.gidMappings = [{ containerID: 0, hostID: hostId, size: 65536 }];
}

function chownTree(p: string, id: number): void {
  fs.lchownSync(p, id, id);
  if (fs.lstatSync(p).isDirectory()) for (const e of fs.readdirSync(p)) chownTree(path.join(p, e), id);
}

test('hole 1: a device entry naming a host file binds the real device, never the host file', { skip }, async () => {
  const before = digest('/etc/shadow');
  const bundle = suite.bundle({
    edit: (spec) => {
      userNamespace(spec, 100000);
      spec.linux!.devices = [{ path: '/dev/../etc/shadow', type: 'c', major: 1, minor: 3 }];
    },
  });
  chownTree(bundle.rootfs, 100000);
  const res = await runProbe(bundle, { root: suite.root, args: ['/probe', 'report', '/etc/shadow', '/dev/null'] });
  assert.equal(res.exit.exitCode, 0, res.stderr);
  // Inside: /etc/shadow is the null device, bound nosuid,noexec (issue 9, item 17).
  const shadow = statOf(res.report!.stat['/etc/shadow']);
  assert.deepEqual([shadow.type, shadow.major, shadow.minor], ['char', 1, 3]);
  const mount = findMount(res.report!, '/etc/shadow');
  assert.ok(mount, 'a bind at /etc/shadow');
  assert.ok(mount.options.includes('nosuid') && mount.options.includes('noexec'), mount.options.join(','));
  const devNull = findMount(res.report!, '/dev/null');
  assert.ok(devNull && devNull.options.includes('nosuid') && devNull.options.includes('noexec'));
  assert.equal(digest('/etc/shadow'), before, 'the host file is untouched');
});

test('hole 1: a device the host lacks is a clear config error', { skip }, async () => {
  const bundle = suite.bundle({
    edit: (spec) => {
      userNamespace(spec, 100000);
      spec.linux!.devices = [{ path: '/dev/nothing', type: 'c', major: 511, minor: 77 }];
    },
  });
  await assertCreateRefused(bundle, /linux\/devices\/0.*no c 511:77 device/);
});

test('hole 2: a bind mount over /proc/sys is refused, and the sysctl never reaches the host file', { skip }, async () => {
  const fake = tempDir('fake-proc-sys');
  fs.mkdirSync(path.join(fake, 'net', 'ipv4'), { recursive: true });
  fs.writeFileSync(path.join(fake, 'net', 'ipv4', 'ip_forward'), '0\n');
  try {
    const bundle = suite.bundle({
      edit: (spec) => {
        spec.mounts!.push({ destination: '/proc/sys', type: 'bind', source: fake, options: ['rbind'] });
        spec.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
      },
    });
    await assertCreateRefused(bundle, /\/proc\/sys cannot be mounted because it is inside \/proc/);
    assert.equal(fs.readFileSync(path.join(fake, 'net', 'ipv4', 'ip_forward'), 'utf8'), '0\n');
  } finally {
    fs.rmSync(fake, { recursive: true, force: true });
  }
});

test('hole 2: a host directory bound over /proc itself, or a tmpfs below it, is refused', { skip }, async () => {
  const fake = tempDir('fake-proc');
  try {
    const onProc = suite.bundle({
      edit: (spec) => {
        spec.mounts = spec.mounts!.filter((m) => m.destination !== '/proc');
        spec.mounts.push({ destination: '/proc', type: 'bind', source: fake, options: ['rbind'] });
      },
    });
    await assertCreateRefused(onProc, /\/proc cannot be mounted because it is inside \/proc/);
    const below = suite.bundle({ edit: (spec) => void spec.mounts!.push({ destination: '/proc/sys', type: 'tmpfs', source: 'tmpfs' }) });
    await assertCreateRefused(below, /\/proc\/sys cannot be mounted/);
  } finally {
    fs.rmSync(fake, { recursive: true, force: true });
  }
});

test('hole 2: runc\'s lxcfs exceptions below /proc still work (a file bound on /proc/uptime)', { skip }, async () => {
  const fakeDir = tempDir('uptime');
  const fake = path.join(fakeDir, 'uptime');
  fs.writeFileSync(fake, '1.00 2.00\n');
  try {
    const bundle = suite.bundle({ edit: (spec) => void spec.mounts!.push({ destination: '/proc/uptime', type: 'bind', source: fake, options: ['bind', 'ro'] }) });
    const res = await runProbe(bundle, { root: suite.root, args: ['/probe', 'cat', '/proc/uptime'] });
    assert.equal(res.exit.exitCode, 0, res.stderr);
    assert.equal(res.stdout, '1.00 2.00\n');
  } finally {
    fs.rmSync(fakeDir, { recursive: true, force: true });
  }
});

for (const dir of ['proc', 'sys']) {
  test(`hole 3: rootfs/${dir} that is a symlink is refused, nothing is mounted at its target`, { skip }, async () => {
    const bundle = suite.bundle({
      edit: (spec, { rootfs }) => {
        fs.mkdirSync(path.join(rootfs, 'elsewhere'));
        fs.symlinkSync('/elsewhere', path.join(rootfs, dir));
        if (dir === 'sys') spec.mounts = spec.mounts!.map((m) => (m.destination === '/sys' ? { ...m, type: 'sysfs', source: 'sysfs' } : m));
      },
    });
    const fstype = dir === 'proc' ? 'proc' : 'sysfs';
    await assertCreateRefused(bundle, new RegExp(`${fstype} must be mounted on an ordinary directory, and /elsewhere is reached through a symlink`));
    assert.deepEqual(fs.readdirSync(path.join(bundle.rootfs, 'elsewhere')), []);
  });
}

test('hole 5: /dev bound from a directory whose "null" is a regular file: masking refuses it', { skip }, async () => {
  for (const kind of ['file', 'symlink'] as const) {
    const devDir = tempDir('fake-dev');
    const nullPath = path.join(devDir, 'null');
    if (kind === 'file') fs.writeFileSync(nullPath, 'host data\n');
    else fs.symlinkSync('/proc/self/environ', nullPath);
    try {
      const bundle = suite.bundle({
        edit: (spec) => {
          spec.mounts = spec.mounts!.filter((m) => !m.destination.startsWith('/dev'));
          spec.mounts.push({ destination: '/dev', type: 'bind', source: devDir, options: ['rbind'] });
          spec.linux!.maskedPaths = ['/proc/keys'];
        },
      });
      await assertCreateRefused(bundle, /\/dev\/null.*is not the null device \(character device 1:3\): refusing to mask \/proc\/keys/);
      if (kind === 'file') assert.equal(fs.readFileSync(nullPath, 'utf8'), 'host data\n');
    } finally {
      fs.rmSync(devDir, { recursive: true, force: true });
    }
  }
});

test('hole 13: root creating a user namespace whose maps lack host uid 0 (0 -> 100000)', { skip }, async () => {
  const bundle = suite.bundle({ edit: (spec) => userNamespace(spec, 100000) });
  chownTree(bundle.rootfs, 100000);
  const res = await runProbe(bundle, { root: suite.root, args: ['/probe', 'report', '/dev/pts', '/dev/null'] });
  assert.equal(res.exit.exitCode, 0, res.stderr);
  assert.equal(res.report!.uid, 0);
  assert.match(res.report!.uid_map, /^\s*0\s+100000\s+65536/);
  // Made by the init as root of the namespace: owned by host uid 100000.
  assert.equal(statOf(res.report!.stat['/dev/pts']).type, 'dir');
  assert.equal(statOf(res.report!.stat['/dev/null']).type, 'char');
});

test('hole 13: root runs a rootless bundle made by another user (0 -> that user\'s uid, size 1)', { skip }, async () => {
  const owner = ensureTestUser();
  const bundle = suite.bundle({ rootless: true, owner });
  const res = await runProbe(bundle, { root: suite.root, args: ['/probe', 'report', '/dev/pts'] });
  assert.equal(res.exit.exitCode, 0, res.stderr);
  assert.deepEqual([res.report!.uid, res.report!.gid], [0, 0]);
  assert.deepEqual(res.report!.uid_map.trim().split(/\s+/), ['0', String(owner.uid), '1']);
  assert.equal(statOf(res.report!.stat['/dev/pts']).type, 'dir');
});

test('hole 14: a cwd that is a symlink to a procfs magic link is refused; nothing named after host paths appears', { skip }, async () => {
  const bundle = suite.bundle({
    edit: (spec, { rootfs }) => {
      fs.symlinkSync('/proc/self/fd/3', path.join(rootfs, 'trap'));
      spec.process!.cwd = '/trap/sub';
    },
  });
  await assertCreateRefused(bundle, /refusing to follow the procfs symlink \/proc\/self/);
  // Only the mount points of the config's mounts were made; no directory
  // named after a host path (tmp, run, work...).
  const expected = new Set(['dev', 'etc', 'hello-world', 'probe', 'proc', 'sys', 'trap']);
  assert.deepEqual(fs.readdirSync(bundle.rootfs).filter((n) => !expected.has(n)), []);
});

test('hole 14: a mount destination through a procfs magic link is refused', { skip }, async () => {
  const bundle = suite.bundle({
    edit: (spec, { rootfs }) => {
      fs.symlinkSync('/proc/self/cwd', path.join(rootfs, 'trap'));
      spec.mounts!.push({ destination: '/trap/x', type: 'tmpfs', source: 'tmpfs' });
    },
  });
  await assertCreateRefused(bundle, /refusing to follow the procfs symlink/);
});

test('issue 9 item 10: a bind target that is a FIFO or a socket does not hang or fail create', { skip }, async () => {
  const bundle = suite.bundle({
    edit: (spec, { rootfs }) => {
      execFileSync('mkfifo', [path.join(rootfs, 'etc', 'fifo')]);
      // A socket file left by a process that is gone (the listener is closed).
      fs.closeSync(testAddon().unixListen(path.join(rootfs, 'etc', 'sock')));
      spec.mounts!.push({ destination: '/etc/fifo', type: 'bind', source: '/etc/hostname', options: ['bind', 'ro'] });
      spec.mounts!.push({ destination: '/etc/sock', type: 'bind', source: '/etc/hostname', options: ['bind', 'ro'] });
    },
  });
  const res = await runProbe(bundle, { root: suite.root, args: ['/probe', 'cat', '/etc/fifo', '/etc/sock'] });
  assert.equal(res.exit.exitCode, 0, res.stderr);
  const hostname = fs.readFileSync('/etc/hostname', 'utf8');
  assert.equal(res.stdout, hostname + hostname);
});

test('a tmpfs without mode= takes the mode of the directory it covers; mode= still wins', { skip }, async () => {
  const bundle = suite.bundle({
    edit: (spec, { rootfs }) => {
      fs.mkdirSync(path.join(rootfs, 'private'));
      fs.chmodSync(path.join(rootfs, 'private'), 0o750);
      fs.mkdirSync(path.join(rootfs, 'open'));
      fs.chmodSync(path.join(rootfs, 'open'), 0o750);
      spec.mounts!.push({ destination: '/private', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] });
      spec.mounts!.push({ destination: '/open', type: 'tmpfs', source: 'tmpfs', options: ['mode=1777'] });
    },
  });
  const res = await runProbe(bundle, { root: suite.root, args: ['/probe', 'report', '/private', '/open'] });
  assert.equal(res.exit.exitCode, 0, res.stderr);
  assert.equal(statOf(res.report!.stat['/private']).mode, '0750');
  assert.equal(statOf(res.report!.stat['/open']).mode, '1777');
});

test('"rbind,ro" leaves submounts writable (as runc); "rro" makes them read-only', { skip }, async () => {
  const host = tempDir('rbind');
  const sub = path.join(host, 'sub');
  fs.mkdirSync(sub);
  execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', sub]);
  try {
    const bundle = suite.bundle({
      edit: (spec) => {
        spec.mounts!.push({ destination: '/a', type: 'bind', source: host, options: ['rbind', 'ro'] });
        spec.mounts!.push({ destination: '/b', type: 'bind', source: host, options: ['rbind', 'rro'] });
      },
    });
    const tryWrite = async (file: string): Promise<string> => {
      const res = await runProbe(bundle, { root: suite.root, args: ['/probe', 'write', file] });
      assert.equal(res.exit.exitCode, 0, res.stderr);
      return res.report!.ok ? 'ok' : String(res.report!.errno);
    };
    assert.equal(await tryWrite('/a/top'), 'EROFS');
    assert.equal(await tryWrite('/a/sub/x'), 'ok');
    assert.equal(await tryWrite('/b/sub/y'), 'EROFS');
  } finally {
    execFileSync('umount', [sub]);
    fs.rmSync(host, { recursive: true, force: true });
  }
});

test('tmpcopyup: the image directory\'s files are in the new tmpfs, through fds, and the image is untouched', { skip }, async () => {
  const bundle = suite.bundle({
    edit: (spec, { rootfs }) => {
      const cache = path.join(rootfs, 'var', 'cache');
      fs.mkdirSync(path.join(cache, 'sub'), { recursive: true });
      fs.chmodSync(cache, 0o710);
      fs.writeFileSync(path.join(cache, 'a.txt'), 'image a\n');
      fs.chmodSync(path.join(cache, 'a.txt'), 0o640);
      fs.writeFileSync(path.join(cache, 'sub', 'b.txt'), 'image b\n');
      // A link to a host path is copied as a link, never followed.
      fs.symlinkSync('/etc/shadow', path.join(cache, 'link'));
      spec.root!.readonly = false;
      spec.mounts!.push({ destination: '/var/cache', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup', 'nosuid'] });
    },
  });
  const report = await runProbe(bundle, { root: suite.root, args: ['/probe', 'report', '/var/cache', '/var/cache/a.txt', '/var/cache/link'] });
  assert.equal(report.exit.exitCode, 0, report.stderr);
  assert.equal(findMount(report.report!, '/var/cache')?.fstype, 'tmpfs');
  assert.equal(statOf(report.report!.stat['/var/cache']).mode, '0710');
  assert.equal(statOf(report.report!.stat['/var/cache/a.txt']).mode, '0640');
  assert.equal(statOf(report.report!.stat['/var/cache/link']).target, '/etc/shadow');
  const cat = await runProbe(bundle, { root: suite.root, args: ['/probe', 'cat', '/var/cache/a.txt', '/var/cache/sub/b.txt'] });
  assert.equal(cat.stdout, 'image a\nimage b\n');
  // Writes go to the tmpfs, not to the image.
  const write = await runProbe(bundle, { root: suite.root, args: ['/probe', 'write', '/var/cache/new'] });
  assert.equal(write.report?.ok, true);
  assert.equal(fs.existsSync(path.join(bundle.rootfs, 'var', 'cache', 'new')), false);
});

/**
 * The container's filesystem, checked from inside: what the probe can
 * stat, write and find in its own /proc/self/mountinfo.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeBundle, type Bundle } from '../helpers/bundle';
import { findMount, parseMountInfo, probeReport, runProbe, type ProbeStat } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';
import type { Mount, Spec } from '../../lib/config/types';

const suite = systemSuite();
const { skip } = suite;

let root: string;
before(() => {
  root = suite.root;
});

/** Runs `body` with a bundle built with `edit`, removed afterwards. */
async function withBundle(edit: (spec: Spec, rootfs: string) => void, body: (b: Bundle) => Promise<void>): Promise<void> {
  const bundle = makeBundle({ edit: (spec, { rootfs }) => edit(spec, rootfs) });
  try {
    await body(bundle);
  } finally {
    bundle.cleanup();
  }
}

/** `probe write PATH` in the bundle: the errno name, or "ok". */
async function tryWrite(bundle: Bundle, file: string): Promise<string> {
  const res = await runProbe(bundle, { root, args: ['/probe', 'write', file] });
  assert.equal(res.exit.exitCode, 0, res.stderr);
  assert.ok(res.report, `no JSON from probe write: ${res.stdout} ${res.stderr}`);
  return res.report.ok ? 'ok' : String(res.report.errno);
}

function statOf(stat: ProbeStat): Exclude<ProbeStat, { error: string }> {
  assert.ok(!('error' in stat), `stat failed: ${JSON.stringify(stat)}`);
  return stat as Exclude<ProbeStat, { error: string }>;
}

function addMount(spec: Spec, mount: Mount): void {
  spec.mounts = [...(spec.mounts ?? []), mount];
}

test('pivot_root: / is the bundle rootfs and the host is out of reach', { skip }, async () => {
  await withBundle(
    () => undefined,
    async (bundle) => {
      const report = await probeReport(bundle, ['/probe', '/hello-world', '/etc/passwd', '/work', '/usr', '/root', '/tmp'], { root });
      assert.equal(statOf(report.stat['/probe']).type, 'file');
      assert.equal(statOf(report.stat['/hello-world']).type, 'file');
      assert.equal(statOf(report.stat['/etc/passwd']).type, 'file');
      // Host-only directories (the rootfs has none of them).
      for (const hostOnly of ['/work', '/usr', '/root', '/tmp']) {
        assert.deepEqual(report.stat[hostOnly], { error: 'ENOENT' }, hostOnly);
      }
      // The old root is detached: / is the rootfs directory (mountinfo's
      // root field) and no mount point lies outside the new root.
      const rootMount = findMount(report, '/');
      // (relative to the root of the filesystem holding it: a suffix of the path)
      assert.ok(rootMount && rootMount.root.endsWith('/rootfs') && bundle.rootfs.endsWith(rootMount.root), rootMount?.root);
      const hostMounts = report.mounts.map(parseMountInfo).filter((m) => m.mountPoint.startsWith(bundle.dir) || m.mountPoint.startsWith('/work'));
      assert.deepEqual(hostMounts, []);
    },
  );
});

test('root.readonly true: the root cannot be written', { skip }, async () => {
  await withBundle(
    (spec) => {
      spec.root.readonly = true;
    },
    async (bundle) => {
      assert.equal(await tryWrite(bundle, '/x'), 'EROFS');
      assert.ok(findMount(await probeReport(bundle, [], { root }), '/')!.options.includes('ro'));
      assert.ok(!fs.existsSync(path.join(bundle.rootfs, 'x')));
    },
  );
});

test('root.readonly false: the root is writable and writes land in the rootfs', { skip }, async () => {
  await withBundle(
    (spec) => {
      spec.root.readonly = false;
    },
    async (bundle) => {
      assert.equal(await tryWrite(bundle, '/x'), 'ok');
      assert.equal(fs.readFileSync(path.join(bundle.rootfs, 'x'), 'utf8'), 'probe\n');
    },
  );
});

test('default mounts: proc, /dev tmpfs, devpts, shm, mqueue, sysfs, with their options', { skip }, async () => {
  await withBundle(
    () => undefined,
    async (bundle) => {
      const report = await probeReport(bundle, [], { root });
      const expected: [string, string, string[]][] = [
        ['/proc', 'proc', []],
        ['/dev', 'tmpfs', ['nosuid']],
        ['/dev/pts', 'devpts', ['nosuid', 'noexec']],
        ['/dev/shm', 'tmpfs', ['nosuid', 'nodev', 'noexec']],
        ['/dev/mqueue', 'mqueue', ['nosuid', 'nodev', 'noexec']],
        ['/sys', 'sysfs', ['ro', 'nosuid', 'nodev', 'noexec']],
      ];
      for (const [where, fstype, flags] of expected) {
        const m = findMount(report, where);
        assert.ok(m, `nothing mounted on ${where}:\n${report.mounts.join('\n')}`);
        assert.equal(m.fstype, fstype, where);
        for (const flag of flags) assert.ok(m.options.includes(flag), `${where} lacks ${flag}: ${m.options}`);
      }
      // Filesystem data: sizes and modes from the config's options.
      assert.ok(findMount(report, '/dev')!.superOptions.includes('mode=755'));
      assert.ok(findMount(report, '/dev/shm')!.superOptions.includes('size=65536k'));
      assert.ok(findMount(report, '/dev/pts')!.superOptions.includes('ptmxmode=666'));
      // cgroups: mounted read-only, whatever the host's hierarchy.
      const cgroup = findMount(report, '/sys/fs/cgroup');
      assert.ok(cgroup, 'nothing mounted on /sys/fs/cgroup');
      assert.ok(cgroup.options.includes('ro'));
    },
  );
});

test('a tmpfs mount honours nosuid,nodev,noexec,size and mode', { skip }, async () => {
  await withBundle(
    (spec) => addMount(spec, { destination: '/data', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', 'size=1m', 'mode=700'] }),
    async (bundle) => {
      const report = await probeReport(bundle, ['/data'], { root });
      const m = findMount(report, '/data');
      assert.ok(m, 'nothing mounted on /data');
      assert.equal(m.fstype, 'tmpfs');
      for (const flag of ['rw', 'nosuid', 'nodev', 'noexec']) assert.ok(m.options.includes(flag), `${flag}: ${m.options}`);
      assert.ok(m.superOptions.includes('size=1024k'), m.superOptions.join(','));
      assert.ok(m.superOptions.includes('mode=700'), m.superOptions.join(','));
      const st = statOf(report.stat['/data']);
      assert.equal(st.type, 'dir');
      assert.equal(st.mode, '0700');
    },
  );
});

test('bind mounts: "ro" is read-only, without it writes reach the host directory', { skip }, async () => {
  const shared = tempDir('bind');
  try {
    await withBundle(
      (spec) => {
        addMount(spec, { destination: '/mnt/ro', type: 'bind', source: shared, options: ['bind', 'ro', 'nosuid', 'nodev', 'noexec'] });
        addMount(spec, { destination: '/mnt/rw', type: 'bind', source: shared, options: ['bind'] });
      },
      async (bundle) => {
        assert.equal(await tryWrite(bundle, '/mnt/ro/from-ro'), 'EROFS');
        assert.ok(!fs.existsSync(path.join(shared, 'from-ro')));
        assert.equal(await tryWrite(bundle, '/mnt/rw/from-rw'), 'ok');
        assert.equal(fs.readFileSync(path.join(shared, 'from-rw'), 'utf8'), 'probe\n');
        const report = await probeReport(bundle, [], { root });
        // Flags of a bind mount need a second step (mount_setattr or a remount).
        for (const flag of ['ro', 'nosuid', 'nodev', 'noexec']) {
          assert.ok(findMount(report, '/mnt/ro')!.options.includes(flag), `${flag}: ${findMount(report, '/mnt/ro')!.options}`);
        }
        assert.ok(findMount(report, '/mnt/rw')!.options.includes('rw'));
        // The destinations were created in the rootfs, not elsewhere.
        assert.ok(fs.statSync(path.join(bundle.rootfs, 'mnt', 'ro')).isDirectory());
      },
    );
  } finally {
    fs.rmSync(shared, { recursive: true, force: true });
  }
});

test('rbind brings the submounts of the source along, bind does not; rro makes them all read-only', { skip }, async () => {
  const source = tempDir('rbind');
  const sub = path.join(source, 'sub');
  fs.mkdirSync(sub);
  // A mount below the source, on the host (in this test's mount namespace).
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'kapsel-test-sub', sub]);
  try {
    fs.writeFileSync(path.join(sub, 'marker'), 'x');
    await withBundle(
      (spec) => {
        addMount(spec, { destination: '/mnt/r', type: 'bind', source, options: ['rbind'] });
        addMount(spec, { destination: '/mnt/b', type: 'bind', source, options: ['bind'] });
        addMount(spec, { destination: '/mnt/rro', type: 'bind', source, options: ['rbind', 'rro'] });
      },
      async (bundle) => {
        const report = await probeReport(bundle, ['/mnt/r/sub/marker', '/mnt/b/sub/marker'], { root });
        assert.equal(statOf(report.stat['/mnt/r/sub/marker']).type, 'file');
        assert.equal(findMount(report, '/mnt/r/sub')?.fstype, 'tmpfs');
        assert.deepEqual(report.stat['/mnt/b/sub/marker'], { error: 'ENOENT' });
        assert.equal(findMount(report, '/mnt/b/sub'), undefined);
        // "ro" would only cover the top mount; "rro" covers the submount too.
        assert.ok(findMount(report, '/mnt/r/sub')!.options.includes('rw'));
        assert.ok(findMount(report, '/mnt/rro')?.options.includes('ro'));
        assert.ok(findMount(report, '/mnt/rro/sub')?.options.includes('ro'), report.mounts.join('\n'));
      },
    );
  } finally {
    execFileSync('umount', [sub]);
    fs.rmSync(source, { recursive: true, force: true });
  }
});

test('a file can be bind-mounted onto a file', { skip }, async () => {
  const dir = tempDir('file');
  const file = path.join(dir, 'settings.conf');
  fs.writeFileSync(file, 'kapsel=1\n');
  try {
    await withBundle(
      (spec) => addMount(spec, { destination: '/etc/settings.conf', type: 'bind', source: file, options: ['rbind', 'ro'] }),
      async (bundle) => {
        const report = await probeReport(bundle, ['/etc/settings.conf'], { root });
        const st = statOf(report.stat['/etc/settings.conf']);
        assert.equal(st.type, 'file');
        assert.equal(st.size, 'kapsel=1\n'.length);
        assert.ok(findMount(report, '/etc/settings.conf'), 'file not mounted');
        assert.equal(await tryWrite(bundle, '/etc/settings.conf'), 'EROFS');
      },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('default devices and /dev symlinks', { skip }, async () => {
  const devices: [string, number, number][] = [
    ['/dev/null', 1, 3],
    ['/dev/zero', 1, 5],
    ['/dev/full', 1, 7],
    ['/dev/random', 1, 8],
    ['/dev/urandom', 1, 9],
    ['/dev/tty', 5, 0],
  ];
  const links: [string, string][] = [
    ['/dev/fd', '/proc/self/fd'],
    ['/dev/stdin', '/proc/self/fd/0'],
    ['/dev/stdout', '/proc/self/fd/1'],
    ['/dev/stderr', '/proc/self/fd/2'],
    ['/dev/ptmx', 'pts/ptmx'],
  ];
  await withBundle(
    () => undefined,
    async (bundle) => {
      const report = await probeReport(bundle, [...devices.map(([p]) => p), ...links.map(([p]) => p)], { root });
      for (const [p, major, minor] of devices) {
        const st = statOf(report.stat[p]);
        assert.deepEqual({ type: st.type, major: st.major, minor: st.minor, mode: st.mode, uid: st.uid, gid: st.gid }, { type: 'char', major, minor, mode: '0666', uid: 0, gid: 0 }, p);
      }
      for (const [p, target] of links) {
        const st = statOf(report.stat[p]);
        assert.equal(st.type, 'link', p);
        assert.equal(st.target, target, p);
      }
    },
  );
});

test('/dev/ptmx is the link to pts/ptmx where the config lists a ptmx node (podman --privileged), in a user namespace too, or the image has one', { skip }, async () => {
  const ptmxNode = { path: '/dev/ptmx', type: 'c' as const, major: 5, minor: 2, fileMode: 0o666 };
  const cases: [string, (spec: Spec, rootfs: string) => void][] = [
    ['listed as a device', (spec) => (spec.linux!.devices = [ptmxNode])],
    [
      'listed as a device, in a user namespace (where devices are bound from the host)',
      (spec, rootfs) => {
        spec.linux!.devices = [ptmxNode];
        // The image belongs to the namespace's root, who makes the mount points in it.
        execFileSync('chown', ['-R', '100000:100000', rootfs]);
        spec.linux!.namespaces!.push({ type: 'user' });
        spec.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        spec.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      },
    ],
    [
      'a node in the image\'s own /dev (no /dev tmpfs)',
      (spec, rootfs) => {
        spec.mounts = spec.mounts!.filter((m) => m.destination !== '/dev');
        fs.mkdirSync(path.join(rootfs, 'dev'));
        execFileSync('mknod', ['-m', '0666', path.join(rootfs, 'dev', 'ptmx'), 'c', '5', '2']);
      },
    ],
  ];
  for (const [what, edit] of cases) {
    await withBundle(edit, async (bundle) => {
      const report = await probeReport(bundle, ['/dev/ptmx', '/dev/pts/ptmx'], { root });
      const link = statOf(report.stat['/dev/ptmx']);
      assert.deepEqual({ type: link.type, target: link.target }, { type: 'link', target: 'pts/ptmx' }, what);
      // What it leads to: the ptmx of the container's own devpts instance.
      const node = statOf(report.stat['/dev/pts/ptmx']);
      assert.deepEqual({ type: node.type, major: node.major, minor: node.minor }, { type: 'char', major: 5, minor: 2 }, what);
      const devpts = findMount(report, '/dev/pts');
      assert.ok(devpts && devpts.fstype === 'devpts' && devpts.superOptions.includes('ptmxmode=666'), `${what}: ${JSON.stringify(devpts)}`);
    });
  }
});

test('linux.devices: a configured device node is created with its mode and owner', { skip }, async () => {
  await withBundle(
    (spec) => {
      spec.linux!.devices = [{ path: '/dev/kapseltest', type: 'c', major: 1, minor: 3, fileMode: 0o640, uid: 1000, gid: 1000 }];
    },
    async (bundle) => {
      const report = await probeReport(bundle, ['/dev/kapseltest'], { root });
      const st = statOf(report.stat['/dev/kapseltest']);
      assert.deepEqual(
        { type: st.type, major: st.major, minor: st.minor, mode: st.mode, uid: st.uid, gid: st.gid },
        { type: 'char', major: 1, minor: 3, mode: '0640', uid: 1000, gid: 1000 },
      );
    },
  );
});

test('linux.devices outside /dev and with a trailing slash are made, as runc and crun make them', { skip }, async () => {
  await withBundle(
    (spec) => {
      spec.linux!.devices = [
        { path: '/opt/devs/null', type: 'c', major: 1, minor: 3 },
        { path: '/dev/zero2/', type: 'c', major: 1, minor: 5 },
      ];
    },
    async (bundle) => {
      const report = await probeReport(bundle, ['/opt/devs/null', '/dev/zero2'], { root });
      for (const [file, minor] of [['/opt/devs/null', 3], ['/dev/zero2', 5]] as const) {
        const st = statOf(report.stat[file]);
        assert.deepEqual({ type: st.type, major: st.major, minor: st.minor }, { type: 'char', major: 1, minor }, file);
      }
    },
  );
});

test('maskedPaths: directories become empty read-only tmpfs, files /dev/null', { skip }, async () => {
  await withBundle(
    (spec, rootfs) => {
      fs.mkdirSync(path.join(rootfs, 'secret-dir'));
      fs.writeFileSync(path.join(rootfs, 'secret-dir', 'key'), 'hidden');
      fs.writeFileSync(path.join(rootfs, 'secret-file'), 'hidden');
      spec.linux!.maskedPaths!.push('/secret-dir', '/secret-file');
    },
    async (bundle) => {
      const report = await probeReport(bundle, ['/secret-dir', '/secret-dir/key', '/secret-file', '/proc/kcore', '/proc/acpi'], { root });
      const dir = statOf(report.stat['/secret-dir']);
      assert.equal(dir.type, 'dir');
      assert.equal(dir.entries, 0);
      assert.deepEqual(report.stat['/secret-dir/key'], { error: 'ENOENT' });
      const dirMount = findMount(report, '/secret-dir');
      assert.equal(dirMount?.fstype, 'tmpfs');
      assert.ok(dirMount.options.includes('ro'), dirMount.options.join(','));
      // /proc/kcore only exists with CONFIG_PROC_KCORE; masking an absent
      // path is a no-op (and must not fail the create).
      for (const file of ['/secret-file', ...(fs.existsSync('/proc/kcore') ? ['/proc/kcore'] : [])]) {
        const st = statOf(report.stat[file]);
        assert.deepEqual({ type: st.type, major: st.major, minor: st.minor }, { type: 'char', major: 1, minor: 3 }, file);
      }
      if (fs.existsSync('/proc/acpi')) {
        // A directory of the default masked list, on this host.
        assert.equal(findMount(report, '/proc/acpi')?.fstype, 'tmpfs');
        assert.equal(statOf(report.stat['/proc/acpi']).entries, 0);
      }
      // The masked file in the rootfs is intact on the host.
      assert.equal(fs.readFileSync(path.join(bundle.rootfs, 'secret-file'), 'utf8'), 'hidden');
    },
  );
});

test('readonlyPaths: /proc/sys is read-only (and writable without it)', { skip }, async () => {
  await withBundle(
    () => undefined,
    async (bundle) => {
      assert.equal(await tryWrite(bundle, '/proc/sys/kernel/hostname'), 'EROFS');
      assert.ok(findMount(await probeReport(bundle, [], { root }), '/proc/sys')!.options.includes('ro'));
      // Control: the same write succeeds (in the container's own uts
      // namespace) once /proc/sys is no longer in readonlyPaths.
      bundle.config.linux!.readonlyPaths = bundle.config.linux!.readonlyPaths!.filter((p) => p !== '/proc/sys');
      bundle.write();
      assert.equal(await tryWrite(bundle, '/proc/sys/kernel/hostname'), 'ok');
    },
  );
});

test('destinations through rootfs symlinks pointing outside stay in the rootfs', { skip }, async () => {
  // Each symlink leads out of the rootfs when followed on the host, and to
  // the rootfs's own /tmp when resolved inside the container.
  const unique = `kapsel-test-escape-${process.pid}`;
  // /tmp/<unique>-<kind>: where each destination must be inside the
  // container, and must NOT appear on the host.
  const at = (kind: string): string => path.join('/tmp', `${unique}-${kind}`);
  const kinds = ['dir', 'rel', 'bind', 'file', 'cwd'];
  const shared = tempDir('bind');
  fs.writeFileSync(path.join(shared, 'marker'), 'x');
  const file = path.join(shared, 'marker');
  try {
    await withBundle(
      (spec, rootfs) => {
        fs.symlinkSync('/tmp', path.join(rootfs, 'evil'));
        fs.symlinkSync('../../../../../../../../tmp', path.join(rootfs, 'evil-relative'));
        fs.symlinkSync(`/tmp/${unique}-file`, path.join(rootfs, 'evil-file'));
        // tmpfs (mkdir + mount), through absolute and relative links.
        addMount(spec, { destination: `/evil/${unique}-dir`, type: 'tmpfs', source: 'tmpfs', options: ['size=64k'] });
        addMount(spec, { destination: `/evil-relative/${unique}-rel`, type: 'tmpfs', source: 'tmpfs', options: ['size=64k'] });
        // A directory bind, and a file bind whose destination is itself a dangling link.
        addMount(spec, { destination: `/evil/${unique}-bind`, type: 'bind', source: shared, options: ['bind'] });
        addMount(spec, { destination: '/evil-file', type: 'bind', source: file, options: ['bind'] });
        // process.cwd is created when missing: inside the rootfs too.
        spec.process!.cwd = `/evil/${unique}-cwd`;
      },
      async (bundle) => {
        try {
          const report = await probeReport(bundle, [`${at('bind')}/marker`, at('file')], { root });
          assert.equal(findMount(report, at('dir'))?.fstype, 'tmpfs', report.mounts.join('\n'));
          assert.equal(findMount(report, at('rel'))?.fstype, 'tmpfs', report.mounts.join('\n'));
          assert.equal(statOf(report.stat[`${at('bind')}/marker`]).type, 'file');
          assert.equal(statOf(report.stat[at('file')]).type, 'file');
          assert.equal(report.cwd, at('cwd'));
          for (const kind of ['dir', 'rel', 'bind', 'cwd']) {
            assert.ok(fs.statSync(path.join(bundle.rootfs, 'tmp', `${unique}-${kind}`)).isDirectory(), kind);
          }
        } finally {
          // Nothing was created on the host's /tmp.
          const escaped = kinds.map(at).filter((p) => fs.existsSync(p));
          for (const p of escaped) fs.rmSync(p, { recursive: true, force: true });
          assert.deepEqual(escaped, [], 'the runtime followed a rootfs symlink out to the host');
        }
      },
    );
  } finally {
    fs.rmSync(shared, { recursive: true, force: true });
  }
});


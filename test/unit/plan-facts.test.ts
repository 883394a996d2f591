// The facts a plan depends on besides the config (host/facts.ts), and the
// in-root reader of image files: no root needed (openat2 works unprivileged).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultSpec, validateConfig } from '../../lib/config';
import * as C from '../../lib/native/constants';
import { compilePlan } from '../../lib/plan/compile';
import { gatherFacts, gatherHostFacts, gatherImageFacts, parsePasswd } from '../../lib/host/facts';
import type { PlanFacts } from '../../lib/plan/plan-facts';
import { readFileInRoot } from '../../lib/host/in-root-file';
import type { Step } from '../../lib/plan/steps';

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-plan-facts-')));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

let counter = 0;

/** A rootfs with /etc, and a file outside it that an image could try to name. */
function rootfsWithPasswd(passwd: (rootfs: string, hostFile: string) => void): string {
  const dir = path.join(tmp, `case-${++counter}`);
  const rootfs = path.join(dir, 'rootfs');
  fs.mkdirSync(path.join(rootfs, 'etc'), { recursive: true });
  const hostFile = path.join(dir, 'host-passwd');
  fs.writeFileSync(hostFile, 'root:x:0:0:root:/HOST-FILE-WAS-READ:/bin/sh\n');
  passwd(rootfs, hostFile);
  return rootfs;
}

function execEnv(rootfs: string): string[] {
  const spec = validateConfig(defaultSpec({ rootless: false, cgroupNamespace: false }));
  const plan = compilePlan(spec, { bundle: path.dirname(rootfs), rootfs }, gatherFacts(spec, { bundle: path.dirname(rootfs), rootfs }));
  return (plan.steps.find((s) => s.op === 'exec') as Extract<Step, { op: 'exec' }>).env;
}

test('HOME comes from the image\'s /etc/passwd', () => {
  const rootfs = rootfsWithPasswd((r) => fs.writeFileSync(path.join(r, 'etc/passwd'), 'root:x:0:0:root:/root-of-image:/bin/sh\n'));
  assert.ok(execEnv(rootfs).includes('HOME=/root-of-image'));
});

test('an absolute /etc/passwd symlink in the image is resolved in the image, never to the host file', () => {
  const rootfs = rootfsWithPasswd((r, hostFile) => fs.symlinkSync(hostFile, path.join(r, 'etc/passwd')));
  // Through host resolution the link names a readable host file: the test would see its HOME.
  assert.match(fs.readFileSync(path.join(rootfs, 'etc/passwd'), 'utf8'), /HOST-FILE-WAS-READ/);
  assert.equal(readFileInRoot(rootfs, '/etc/passwd'), undefined);
  const env = execEnv(rootfs);
  assert.ok(env.includes('HOME=/'), env.join(' '));
  assert.ok(!env.some((e) => e.includes('HOST-FILE-WAS-READ')));
});

test('a relative symlink climbing out of the image stays inside it', () => {
  const rootfs = rootfsWithPasswd((r, hostFile) => fs.symlinkSync(`../../../../../../../..${hostFile}`, path.join(r, 'etc/passwd')));
  assert.equal(readFileInRoot(rootfs, '/etc/passwd'), undefined);
  assert.ok(execEnv(rootfs).includes('HOME=/'));
});

test('/etc/passwd that is a symlink is no passwd, even to a file of the image; a symlinked directory on the way is followed in the image', () => {
  const rootfs = rootfsWithPasswd((r, hostFile) => {
    // The same absolute path exists in the image and on the host: neither is read.
    fs.mkdirSync(path.join(r, path.dirname(hostFile)), { recursive: true });
    fs.writeFileSync(path.join(r, hostFile), 'root:x:0:0:root:/image-copy:/bin/sh\n');
    fs.symlinkSync(hostFile, path.join(r, 'etc/passwd'));
  });
  assert.equal(readFileInRoot(rootfs, '/etc/passwd'), undefined);
  assert.ok(execEnv(rootfs).includes('HOME=/'));
  const linkedEtc = rootfsWithPasswd((r) => {
    fs.mkdirSync(path.join(r, 'real-etc'));
    fs.writeFileSync(path.join(r, 'real-etc/passwd'), 'root:x:0:0:root:/via-etc-link:/bin/sh\n');
    fs.rmSync(path.join(r, 'etc'), { recursive: true });
    fs.symlinkSync('/real-etc', path.join(r, 'etc'));
  });
  assert.ok(execEnv(linkedEtc).includes('HOME=/via-etc-link'));
});

test('a symlink loop at /etc/passwd or on the way to it, a socket: no passwd, no ELOOP', () => {
  const selfLoop = rootfsWithPasswd((r) => fs.symlinkSync('passwd', path.join(r, 'etc/passwd')));
  assert.equal(readFileInRoot(selfLoop, '/etc/passwd'), undefined);
  const loopOnTheWay = rootfsWithPasswd((r) => {
    fs.rmSync(path.join(r, 'etc'), { recursive: true });
    fs.symlinkSync('/etc', path.join(r, 'etc'));
  });
  assert.equal(readFileInRoot(loopOnTheWay, '/etc/passwd'), undefined);
  assert.ok(execEnv(loopOnTheWay).includes('HOME=/'));
  const socket = rootfsWithPasswd(() => undefined);
  // A bound AF_UNIX socket's node stays after its process exits.
  execFileSync(process.execPath, ['-e', 'require("net").createServer().listen(process.argv[1], () => process.exit(0))', path.join(socket, 'etc/passwd')]);
  assert.ok(fs.statSync(path.join(socket, 'etc/passwd')).isSocket());
  assert.equal(readFileInRoot(socket, '/etc/passwd'), undefined);
});

test('a FIFO, a directory or a missing file is no passwd (and never blocks)', () => {
  const rootfs = rootfsWithPasswd((r) => fs.mkdirSync(path.join(r, 'etc/passwd')));
  assert.equal(readFileInRoot(rootfs, '/etc/passwd'), undefined);
  assert.equal(readFileInRoot(rootfs, '/etc/missing'), undefined);
  assert.equal(readFileInRoot(path.join(tmp, 'no-such-rootfs'), '/etc/passwd'), undefined);
  assert.deepEqual(gatherImageFacts(path.join(tmp, 'no-such-rootfs')), { passwd: [] });
  const fifo = rootfsWithPasswd(() => undefined);
  execFileSync('mkfifo', [path.join(fifo, 'etc/passwd')]);
  assert.equal(readFileInRoot(fifo, '/etc/passwd'), undefined);
});

test('readFileInRoot reads at most maxBytes', () => {
  const rootfs = rootfsWithPasswd((r) => fs.writeFileSync(path.join(r, 'etc/passwd'), 'x'.repeat(200_000)));
  assert.equal(readFileInRoot(rootfs, '/etc/passwd', 100_001)?.length, 100_001);
  assert.equal(readFileInRoot(rootfs, 'etc/passwd')?.length, 200_000);
});

test('parsePasswd: numeric ids, the home field; malformed lines skipped', () => {
  assert.deepEqual(parsePasswd('root:x:0:0:root:/root:/bin/sh\n# comment\nbad:x:u:0::/x:\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin'), [
    { name: 'root', uid: 0, gid: 0, home: '/root' },
    { name: 'nobody', uid: 65534, gid: 65534, home: '/nonexistent' },
  ]);
});

test('host facts: mount sources that are directories, relative to the bundle', () => {
  const bundle = path.join(tmp, `bundle-${++counter}`);
  fs.mkdirSync(path.join(bundle, 'dir'), { recursive: true });
  fs.writeFileSync(path.join(bundle, 'file'), '');
  const host = gatherHostFacts({ mounts: [{ destination: '/a', source: 'dir' }, { destination: '/b', source: 'file' }, { destination: '/c', source: bundle }] }, bundle);
  assert.ok(host.directories.has(path.join(bundle, 'dir')));
  assert.ok(!host.directories.has(path.join(bundle, 'file')));
  assert.ok(host.directories.has(bundle));
  assert.equal(host.unprivileged, process.geteuid!() !== 0 || fs.readFileSync('/proc/self/setgroups', 'utf8').trim() === 'deny');
});

/** A fake host: the plan follows it, whatever the machine running the test is. */
function fake(host: Partial<PlanFacts['host']>): PlanFacts {
  return { host: { cgroup2: false, unprivileged: false, inUserNamespace: false, joinedRuntimeNamespaces: new Set(), directories: new Set(), devices: new Map(), runtimeEnv: [], resctrl: false, ...host }, image: { passwd: [] } };
}

test('the compiler follows the facts it is given: cgroup layout and bind targets', () => {
  const spec = validateConfig({
    ...defaultSpec({ rootless: false, cgroupNamespace: true }),
    mounts: [
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro'] },
      { destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind'] },
    ],
  });
  const options = { bundle: '/b', rootfs: '/b/rootfs' };
  const v2 = compilePlan(spec, options, fake({ cgroup2: true, directories: new Set(['/srv/data']) })).steps;
  assert.ok(v2.some((s) => s.op === 'mount' && s.fstype === 'cgroup2' && s.target === '/sys/fs/cgroup'));
  assert.ok(v2.some((s) => s.op === 'mkdir' && s.path === '/data'));
  const cgroupView = { hierarchies: [{ name: 'memory', options: 'memory', directory: '/sys/fs/cgroup/memory/c1' }] };
  const v1 = compilePlan(spec, options, fake({ cgroup2: false, cgroupView })).steps;
  // A cgroup namespace on v1: each hierarchy mounted afresh, never the host's tree bound.
  assert.ok(v1.some((s) => s.op === 'mount' && s.fstype === 'cgroup' && s.data === 'memory' && s.target === '/sys/fs/cgroup/memory'));
  assert.ok(!v1.some((s) => s.op === 'mount' && s.source === '/sys/fs/cgroup'));
  const noNamespace = validateConfig({ ...spec, linux: { ...spec.linux, namespaces: spec.linux!.namespaces!.filter((n) => n.type !== 'cgroup') } });
  const bound = compilePlan(noNamespace, options, fake({ cgroup2: false, cgroupView })).steps;
  assert.ok(bound.some((s) => s.op === 'mount' && s.source === '/sys/fs/cgroup/memory/c1' && s.target === '/sys/fs/cgroup/memory' && (s.flags & C.MS_BIND) !== 0));
  assert.ok(v1.some((s) => s.op === 'touch' && s.path === '/data'), 'a source that is no directory gets a file target');
});

test('HOME from the image facts, for the process\'s uid; an explicit HOME wins', () => {
  const spec = validateConfig({ ...defaultSpec({ rootless: false, cgroupNamespace: false }) });
  spec.process!.user = { uid: 1000, gid: 1000 };
  const facts: PlanFacts = { ...fake({}), image: { passwd: [{ name: 'root', uid: 0, gid: 0, home: '/root' }, { name: 'app', uid: 1000, gid: 1000, home: '/home/app' }] } };
  const env = (steps: Step[]) => (steps.find((s) => s.op === 'exec') as Extract<Step, { op: 'exec' }>).env;
  assert.ok(env(compilePlan(spec, { bundle: '/b', rootfs: '/r' }, facts).steps).includes('HOME=/home/app'));
  spec.process!.env = ['HOME=/elsewhere'];
  assert.deepEqual(env(compilePlan(spec, { bundle: '/b', rootfs: '/r' }, facts).steps).filter((e) => e.startsWith('HOME=')), ['HOME=/elsewhere']);
});

/**
 * exec inherits from what create recorded, never from the bundle as it is
 * now (issue 16, hole 9). The attack: config.json is edited after create
 * (its seccomp profile deleted, its process changed), or the whole bundle
 * removed; an exec'd process must still run under the create-time filter
 * ("Seccomp: 2" in its /proc/self/status, a denied syscall still denied)
 * with the create-time process defaults.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { processFromFlags } from '../../lib/cli/commands/exec';
import type { Container } from '../../lib/container/container';
import type { Spec } from '../../lib/config/types';
import { execCapture, withStarted } from '../helpers/exec';
import type { ProbeReport } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';

const suite = systemSuite();
const { skip } = suite;

/** getppid denied with EACCES: a syscall the probe can make and report. */
const SECCOMP = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] };

/** The create-time filter, seen from inside: seccomp mode 2 and getppid denied. */
async function assertCreateTimeFilter(c: Container, what: string): Promise<void> {
  for (const noNewPrivileges of [false, true]) {
    const status = await execCapture(c, { args: ['/probe', 'cat', '/proc/self/status'], cwd: '/', noNewPrivileges });
    assert.deepEqual(status.exit, { exitCode: 0, signal: null });
    assert.match(status.stdout, /^Seccomp:\s+2$/m, `${what}: the exec'd process is under a filter (noNewPrivileges ${noNewPrivileges})`);
    const call = await execCapture(c, { args: ['/probe', 'syscall', 'getppid'], cwd: '/', noNewPrivileges });
    assert.equal((JSON.parse(call.stdout) as { errno?: string }).errno, 'EACCES', `${what}: getppid is still denied (noNewPrivileges ${noNewPrivileges})`);
  }
}

/**
 * A running container whose rootfs lies outside its bundle (root.path
 * absolute), so that the bundle can be removed while it runs; `fn` gets the
 * container and the bundle directory.
 */
async function withRunning(fn: (c: Container, bundleDir: string) => Promise<void>): Promise<void> {
  const outside = tempDir('rootfs-outside');
  const bundle = suite.bundle({
    edit: (spec: Spec, paths) => {
      spec.linux!.seccomp = SECCOMP as NonNullable<Spec['linux']>['seccomp'];
      spec.process!.env = ['PATH=/bin', 'FROM=create'];
      spec.process!.capabilities = { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] };
      fs.renameSync(paths.rootfs, path.join(outside, 'rootfs'));
      spec.root = { path: path.join(outside, 'rootfs'), readonly: false };
    },
  });
  try {
    await withStarted(bundle, suite.root, (c) => fn(c, bundle.dir));
  } finally {
    fs.rmSync(outside, { recursive: true, force: true });
  }
}

test('config.json edited after create (seccomp removed, process changed): exec keeps the create-time filter and process', { skip }, async () => {
  await withRunning(async (c, bundleDir) => {
    const file = path.join(bundleDir, 'config.json');
    const config = JSON.parse(fs.readFileSync(file, 'utf8')) as Spec;
    delete config.linux!.seccomp;
    config.process!.env = ['PATH=/bin', 'FROM=edited'];
    config.process!.capabilities = { bounding: ['CAP_SYS_ADMIN'], effective: ['CAP_SYS_ADMIN'], permitted: ['CAP_SYS_ADMIN'] };
    fs.writeFileSync(file, JSON.stringify(config));
    await assertCreateTimeFilter(c, 'seccomp deleted from config.json');
    // The CLI's process without --process: the create-time one (env, capabilities), not the edited one.
    const proc = processFromFlags(c.configProcess(), ['/probe', 'report'], {});
    const out = await execCapture(c, proc);
    const report = JSON.parse(out.stdout) as ProbeReport;
    assert.ok(report.env.includes('FROM=create') && !report.env.includes('FROM=edited'), report.env.join(' '));
    assert.equal(report.status.CapBnd, '0000000000000020', 'CAP_KILL only, not the edited CAP_SYS_ADMIN');
    // A process without capabilities or rlimits of its own: the recorded ones (runc spec's RLIMIT_NOFILE 1024), not the runtime's.
    config.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 4096, hard: 4096 }];
    fs.writeFileSync(file, JSON.stringify(config));
    const own = JSON.parse((await execCapture(c, { args: ['/probe', 'report'], cwd: '/' })).stdout) as ProbeReport;
    assert.equal(own.status.CapBnd, '0000000000000020');
    assert.deepEqual(own.rlimits.RLIMIT_NOFILE, { soft: '1024', hard: '1024' });
  });
});

test('the whole bundle removed after create: exec still runs, under the create-time filter and process', { skip }, async () => {
  await withRunning(async (c, bundleDir) => {
    fs.rmSync(bundleDir, { recursive: true, force: true });
    await assertCreateTimeFilter(c, 'bundle removed');
    const report = JSON.parse((await execCapture(c, processFromFlags(c.configProcess(), ['/probe', 'report'], {}))).stdout) as ProbeReport;
    assert.ok(report.env.includes('FROM=create'), report.env.join(' '));
  });
});

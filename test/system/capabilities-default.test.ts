/**
 * A process without `capabilities` (issue 16, hole 10): the runtime's own
 * full set (CAP_SYS_ADMIN among it) must never reach it. Checked from
 * inside with the probe's /proc/self/status, every set (CapInh, CapPrm,
 * CapEff, CapBnd, CapAmb), as root and rootless:
 * - a container's init without capabilities has none at all (runc, crun);
 * - an exec'd process without capabilities has the container's sets, as
 *   create recorded them;
 * - `exec --cap` adds to the container's bounding, effective and permitted
 *   sets (the CLI's processFromFlags over the recorded process).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { BIN } from '../helpers/cli';
import { processFromFlags } from '../../lib/cli/commands/exec';
import type { Container } from '../../lib/container/container';
import type { LinuxCapabilities, Process, Spec } from '../../lib/config/types';
import { makeBundle } from '../helpers/bundle';
import { rootlessSuite } from '../helpers/rootless-suite';
import { execCapture, withStarted } from '../helpers/exec';
import { probeReport, type ProbeReport } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { runAsUser } from '../helpers/user';
import { capHex } from '../helpers/capabilities';

const suite = systemSuite();
const { skip } = suite;
const rootless = rootlessSuite('rootless-exec-runner');

const SETS = ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb'] as const;

/**
 * The five sets a process shows after its execve when it had `caps`
 * (capabilities(7), no file capabilities): the bounding, inheritable and
 * ambient sets stay; uid 0 gets permitted = effective = bounding |
 * inheritable | ambient (root's implied file capabilities), cut down to
 * the permitted set it had under no_new_privs; any other uid keeps the
 * ambient set only. The effective set before the execve is not visible
 * after it: the permitted and bounding sets it lies in are.
 */
function expectedSets(caps: LinuxCapabilities, { uid = 0, noNewPrivileges = false } = {}): Record<(typeof SETS)[number], string> {
  let gained = caps.ambient ?? [];
  if (uid === 0) {
    const root = new Set([...(caps.bounding ?? []), ...(caps.inheritable ?? []), ...gained]);
    gained = noNewPrivileges ? (caps.permitted ?? []).filter((c) => root.has(c)) : [...root];
  }
  return {
    CapInh: capHex(caps.inheritable),
    CapPrm: capHex(gained),
    CapEff: capHex(gained),
    CapBnd: capHex(caps.bounding),
    CapAmb: capHex(caps.ambient),
  };
}

function sets(report: ProbeReport): Record<string, string> {
  return Object.fromEntries(SETS.map((s) => [s, report.status[s]]));
}

/**
 * A restricted container, each set different, so that an exec'd process
 * showing them all shows it got each from the container: bounding 0x4e3
 * (issue 16's), smaller permitted, effective, inheritable, ambient.
 */
const RESTRICTED: Required<LinuxCapabilities> = {
  bounding: ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID', 'CAP_NET_BIND_SERVICE'],
  permitted: ['CAP_CHOWN', 'CAP_KILL', 'CAP_SETGID', 'CAP_NET_BIND_SERVICE'],
  effective: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
  inheritable: ['CAP_KILL', 'CAP_NET_BIND_SERVICE'],
  ambient: ['CAP_NET_BIND_SERVICE'],
};

const withoutCapabilities = (spec: Spec): void => {
  delete spec.process!.capabilities;
};
const restricted = (spec: Spec): void => {
  spec.process!.capabilities = JSON.parse(JSON.stringify(RESTRICTED)) as LinuxCapabilities;
};

test('an init without capabilities has none: every set is empty, as root in the container', { skip }, async () => {
  const report = await probeReport(suite.bundle({ edit: withoutCapabilities }));
  assert.equal(report.uid, 0);
  assert.deepEqual(sets(report), expectedSets({}));
});

/** Runs `/probe report` exec'd as `proc` into a running container of `edit`'s bundle. */
async function execReport(edit: (spec: Spec) => void, proc: (c: Container) => Process): Promise<ProbeReport> {
  return withStarted(suite.bundle({ edit }), suite.root, async (c) => {
    const res = await execCapture(c, proc(c));
    assert.deepEqual(res.exit, { exitCode: 0, signal: null });
    return JSON.parse(res.stdout) as ProbeReport;
  });
}

test('an exec without capabilities into a restricted container gets the container\'s sets, not the runtime\'s', { skip }, async () => {
  // issue 16's process: root, no capabilities; under no_new_privs (its permitted set shows); another user (its ambient set).
  for (const [uid, noNewPrivileges] of [[0, false], [0, true], [1000, false]] as const) {
    const report = await execReport(restricted, () => ({ args: ['/probe', 'report'], cwd: '/', user: { uid, gid: uid }, noNewPrivileges }));
    assert.equal(report.uid, uid);
    assert.deepEqual(sets(report), expectedSets(RESTRICTED, { uid, noNewPrivileges }), `uid ${uid}, noNewPrivileges ${noNewPrivileges}`);
  }
});

test('an exec without capabilities into a container without them gets none', { skip }, async () => {
  const report = await execReport(withoutCapabilities, () => ({ args: ['/probe', 'report'], cwd: '/' }));
  assert.deepEqual(sets(report), expectedSets({}));
});

test('exec --cap adds to the container\'s bounding, effective and permitted sets (the CLI\'s process)', { skip }, async () => {
  const report = await execReport(restricted, (c) => processFromFlags(c.configProcess(), ['/probe', 'report'], { cap: ['CAP_SYS_TIME'] }));
  const add = (names: string[]): string[] => [...names, 'CAP_SYS_TIME'];
  assert.deepEqual(
    sets(report),
    // The config's process has noNewPrivileges (runc spec's default): the permitted set shows.
    expectedSets({ ...RESTRICTED, bounding: add(RESTRICTED.bounding), effective: add(RESTRICTED.effective), permitted: add(RESTRICTED.permitted) }, { noNewPrivileges: true }),
  );
});

interface RunnerOutput {
  error?: string;
  exit?: { exitCode: number | null; signal: string | null };
  report?: ProbeReport;
  stderr?: string;
  children?: string[];
}

/** The rootless exec runner on a bundle of `edit`, as the unprivileged user: the exec'd process's report. */
function rootlessExec(edit: (spec: Spec) => void, args: string[]): ProbeReport {
  const bundle = makeBundle({ rootless: true, owner: rootless.owner, edit });
  try {
    const run = runAsUser(rootless.runner, [bundle.dir, ...args]);
    const out = JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as RunnerOutput;
    assert.equal(out.error, undefined, `${out.error}\n${run.stderr}`);
    assert.deepEqual(out.exit, { exitCode: 0, signal: null }, out.stderr);
    assert.deepEqual(out.children, [], 'no process left in the runner');
    return out.report!;
  } finally {
    bundle.cleanup();
  }
}

test('rootless: an init without capabilities has none in its user namespace', { skip: rootless.skip }, () => {
  // The init reports itself: the plain runner (next to the exec runner), no exec.
  const bundle = makeBundle({ rootless: true, owner: rootless.owner, edit: withoutCapabilities });
  try {
    const run = runAsUser(path.join(path.dirname(rootless.runner), 'rootless-runner.js'), [bundle.dir]);
    const out = JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as { error?: string; report?: ProbeReport };
    assert.equal(out.error, undefined, `${out.error}\n${run.stderr}`);
    assert.equal(out.report!.uid, 0);
    assert.deepEqual(sets(out.report!), expectedSets({}));
  } finally {
    bundle.cleanup();
  }
});

test('rootless: an exec without capabilities gets the container\'s sets', { skip: rootless.skip }, () => {
  // Root in the container: the only id its user namespace maps.
  for (const noNewPrivileges of [false, true]) {
    const report = rootlessExec(restricted, [JSON.stringify({ user: { uid: 0, gid: 0 }, noNewPrivileges })]);
    assert.deepEqual(sets(report), expectedSets(RESTRICTED, { noNewPrivileges }), `noNewPrivileges ${noNewPrivileges}`);
  }
});

test('rootless: exec --cap adds to the container\'s sets', { skip: rootless.skip }, () => {
  const report = rootlessExec(restricted, ['cli', JSON.stringify({ cap: ['CAP_SYS_TIME'] })]);
  const add = (names: string[]): string[] => [...names, 'CAP_SYS_TIME'];
  assert.deepEqual(
    sets(report),
    // The config's process has noNewPrivileges (runc spec's default): the permitted set shows.
    expectedSets({ ...RESTRICTED, bounding: add(RESTRICTED.bounding), effective: add(RESTRICTED.effective), permitted: add(RESTRICTED.permitted) }, { noNewPrivileges: true }),
  );
});

test('a capability outside the runtime\'s own bounding set is left out with a warning, and the container runs with the rest (seen from inside)', { skip }, async () => {
  // The runtime in a restricted environment: CAP_SYS_MODULE gone from its bounding set (setpriv).
  const bundle = suite.bundle({
    edit: (spec) => {
      spec.process!.args = ['/probe', 'report'];
      const caps = spec.process!.capabilities!;
      for (const set of ['bounding', 'effective', 'permitted'] as const) caps[set] = [...(caps[set] ?? []), 'CAP_SYS_MODULE', 'CAP_KILL'];
      spec.process!.noNewPrivileges = true;
    },
  });
  const id = `capbound-${process.pid}`;
  const res = spawnSync('setpriv', ['--bounding-set', '-sys_module', '--', BIN, '--root', suite.root, 'run', '--bundle', bundle.dir, id], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stderr, /\/process\/capabilities: CAP_SYS_MODULE cannot be granted: not in the runtime's own bounding set/);
  const report = JSON.parse(res.stdout) as ProbeReport;
  const bound = BigInt(`0x${report.status.CapBnd}`);
  const permitted = BigInt(`0x${report.status.CapPrm}`);
  assert.equal(bound & (1n << 16n), 0n, 'no CAP_SYS_MODULE in the bounding set');
  assert.notEqual(permitted & (1n << 5n), 0n, 'CAP_KILL granted');
  assert.equal(permitted & (1n << 16n), 0n, 'no CAP_SYS_MODULE in the permitted set');
});

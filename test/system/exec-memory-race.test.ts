/**
 * Security issue 16, hole 1: no task that shares the runtime's memory is
 * ever a member of a container's pid or user namespace. The attacker
 * (test/fixtures/memrace.c) is a container process with CAP_SYS_PTRACE that
 * spins on the next pids of its namespace and opens /proc/PID/maps and
 * /proc/PID/mem of each the moment it appears: with the old spawner, which
 * joined the container's namespaces in a CLONE_VM child of the Node process,
 * it got the runtime's own memory (and wrote a payload over libc's _exit in
 * the review). Now the runtime's child only execs the sealed helper in the
 * runtime's namespaces; the helper makes itself non-dumpable, joins, and
 * forks the process that enters (native/common/join_protocol.h).
 *
 * Each case checks that the attacker was watching (it saw new pids) and
 * never reached the runtime's memory; where the container has a user
 * namespace, that it could not open the helper's memory either (its mm
 * belongs to the runtime's user namespace, where the container holds no
 * CAP_SYS_PTRACE). A container without a user namespace that holds
 * CAP_SYS_PTRACE holds it over the host's: it may open the helper's fresh
 * image, as with runc's setns process (README, "Security").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoLeaks } from '../helpers/leaks';
import { attackerBundle, raceExecs, raceJoins, type RaceReport } from '../helpers/memrace';
import { makeBundle } from '../helpers/bundle';
import { rootlessSuite } from '../helpers/rootless-suite';
import { TMP_PREFIX } from '../helpers/tmp';
import { runAsUser } from '../helpers/user';

const rootless = rootlessSuite('memrace-runner');
const { skip } = rootless;

/** Enough tries to have caught the old spawner (the review needed 1-4). */
const TRIES = 30;

function assertRuntimeUnreached(report: RaceReport): void {
  assert.ok(report.seen > 0, `the attacker saw no new pid: ${report.output}`);
  const reached = report.opens.filter((o) => o.runtime);
  assert.deepEqual(reached, [], `the runtime's memory was opened from inside:\n${report.output}`);
}

function assertHelperUnreached(report: RaceReport): void {
  const helper = report.opens.filter((o) => o.helper);
  assert.deepEqual(helper, [], `the init helper's memory was opened from inside:\n${report.output}`);
}

test('hole 1: exec into a container without a user namespace never lends it the runtime\'s memory', { skip }, async () => {
  const attacker = attackerBundle();
  try {
    assertRuntimeUnreached(await raceExecs(attacker, TRIES));
  } finally {
    attacker.cleanup();
  }
});

test('hole 1: exec into a container with a user namespace: neither the runtime\'s nor the helper\'s memory', { skip }, async () => {
  // Root's container with its own user namespace (0 -> the test user's
  // ids); the attacker holds CAP_SYS_PTRACE in that namespace only.
  const owner = rootless.owner;
  const attacker = attackerBundle({ rootless: true, owner });
  try {
    const report = await raceExecs(attacker, TRIES);
    assertRuntimeUnreached(report);
    assertHelperUnreached(report);
  } finally {
    attacker.cleanup();
  }
});

test('hole 1: rootless exec: the unprivileged user\'s runtime is not reachable either', { skip }, () => {
  const attacker = attackerBundle({ rootless: true, owner: rootless.owner });
  try {
    const run = runAsUser(rootless.runner, [attacker.dir, String(TRIES)]);
    const report = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as RaceReport & { error?: string };
    assert.equal(report.error, undefined, `${report.error}\n${run.stderr}`);
    assertRuntimeUnreached(report);
    assertHelperUnreached(report);
  } finally {
    attacker.cleanup();
  }
});

test('hole 1: a container created into another\'s pid namespace by path does not lend it the runtime\'s memory', { skip }, async () => {
  const attacker = attackerBundle();
  const second = makeBundle();
  try {
    assertRuntimeUnreached(await raceJoins(attacker, second, 15));
  } finally {
    attacker.cleanup();
    second.cleanup();
  }
});

test('nothing leaks', { skip }, () => {
  assertNoLeaks(rootless.snapshot, TMP_PREFIX);
});

// The pure parts of pause/ps/events/update on the command line: ps output
// filtering, Go durations, docker sizes and runc's update flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectLayout } from '../../lib/cgroups/layout';
import { parseArgs } from '../../lib/cli/args';
import { defaultSpec } from '../../lib/config/default-spec';
import { gatherCgroupFacts } from '../../lib/container/cgroups';
import { planCgroups } from '../../lib/plan/runtime-cgroups';
import { eventsCommand, parseDuration } from '../../lib/cli/commands/events';
import { filterPsOutput } from '../../lib/cli/commands/ps';
import { parseBytes, resourcesFromFlags, updateCommand } from '../../lib/cli/commands/update';

test('ps keeps the header and the lines of the container\'s pids, wherever the PID column is', () => {
  const out = 'UID          PID    PPID  C STIME TTY          TIME CMD\nroot           1       0  0 19:00 ?        00:00:01 init\nroot         420       1  0 19:01 ?        00:00:00 sleep 60\nroot        4200       1  0 19:01 ?        00:00:00 other\n';
  assert.equal(filterPsOutput(out, [420]), 'UID          PID    PPID  C STIME TTY          TIME CMD\nroot         420       1  0 19:01 ?        00:00:00 sleep 60\n');
  assert.equal(filterPsOutput('  PID COMMAND\n 4200 other\n  420 sleep\n', [420]), '  PID COMMAND\n  420 sleep\n');
  assert.throws(() => filterPsOutput('COMMAND\nsleep\n', [1]), /no PID column/);
});

test('events --interval takes Go durations', () => {
  assert.equal(parseDuration('5s'), 5000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('1.5s'), 1500);
  for (const bad of ['', '5', 's', '5 s', '5x']) assert.throws(() => parseDuration(bad), /invalid duration/, bad);
  assert.ok(eventsCommand.flags.some((f) => f.name === 'stats'));
});

test('update: sizes as docker parses them, and only the flags given', () => {
  assert.equal(parseBytes('memory', '64m'), 64 * 1024 * 1024);
  assert.equal(parseBytes('memory', '1G'), 1024 ** 3);
  assert.equal(parseBytes('memory', '512kb'), 512 * 1024);
  assert.equal(parseBytes('memory', '1048576'), 1048576);
  assert.equal(parseBytes('memory', '-1'), -1);
  assert.throws(() => parseBytes('memory', 'lots'), /--memory/);
  const { flags } = parseArgs(['--memory', '64m', '--cpu-quota=50000', '--pids-limit', '10', '--cpuset-cpus', '0-1', '--blkio-weight', '300'], updateCommand.flags, { interspersed: true });
  assert.deepEqual(resourcesFromFlags(flags), {
    memory: { limit: 64 * 1024 * 1024 },
    cpu: { quota: 50000, cpus: '0-1' },
    pids: { limit: 10 },
    blockIO: { weight: 300 },
  });
  assert.deepEqual(resourcesFromFlags({}), {});
  assert.throws(() => resourcesFromFlags({ 'cpu-share': 'x' }), /--cpu-share: an integer/);
});

test('rootless without a delegated cgroup: no cgroup, one warning only when limits were asked for', { skip: detectLayout().kind === 'v2' ? 'a v2 host may delegate' : false }, () => {
  const spec = defaultSpec({ rootless: true });
  const facts = gatherCgroupFacts(spec, 'c', { unprivileged: true });
  assert.deepEqual(facts, { unavailable: 'unprivileged' });
  assert.deepEqual(planCgroups(spec, facts, true), { warnings: [] });
  spec.linux!.resources = { pids: { limit: 5 } };
  const planned = planCgroups(spec, gatherCgroupFacts(spec, 'c', { unprivileged: true }), true);
  assert.equal(planned.plan, undefined);
  assert.equal(planned.warnings.length, 1);
  assert.match(planned.warnings[0]!, /no cgroup is delegated/);
});

/**
 * `kapsel conformance --runtime PATH [--rootless] [--tap]`: runs the
 * conformance kit (lib/testing/conformance) against a runc-compatible
 * runtime through node:test's run(), and prints a summary (or TAP). Exit 0
 * only when every check ran and passed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { boolFlag, listFlag, stringFlag, UsageError } from '../args';
import { conformanceEntryFile } from '../../testing/conformance-entry';
import type { Command, Context } from '../command';

interface TestEvent {
  name: string;
  nesting: number;
  skip?: string | boolean;
  todo?: string | boolean;
  details?: { type?: string; error?: { message?: string; failureType?: string; cause?: { message?: string } } };
}

/** The message of a failed test's error (node:test wraps the assertion as its cause). */
function reason(ev: TestEvent): string {
  const err = ev.details?.error;
  return (err?.cause?.message ?? err?.message ?? 'failed').split('\n').slice(0, 16).join('\n      ');
}

export const conformanceCommand: Command = {
  name: 'conformance',
  summary: 'check a runc-compatible runtime against the OCI runtime spec',
  argsUsage: '',
  description:
    'Creates, starts, signals and deletes containers with the runtime at --runtime (its own --root in a temporary ' +
    'directory, a busybox rootfs), one check per MUST or SHOULD of runtime.md and of config.md\'s hooks and process ' +
    'sections, each naming the sentence it checks. Exit status 0 only if every check passes.',
  flags: [
    { name: 'runtime', type: 'string', value: 'PATH', description: 'the runtime executable to check (required)' },
    { name: 'rootless', type: 'boolean', description: 'rootless configs (a user namespace); the default when not run as root' },
    { name: 'tap', type: 'boolean', description: 'print TAP instead of a summary' },
    { name: 'busybox', type: 'string', value: 'PATH', description: 'static busybox for the rootfs (default /bin/busybox)' },
    { name: 'rootfs', type: 'string', value: 'DIR', description: 'a rootfs to copy instead (with /bin/sh, cat, sleep, grep, readlink, env, pwd)' },
    { name: 'runtime-arg', type: 'strings', value: 'ARG', description: 'a global flag for the runtime, before --root (e.g. --runtime-arg=--cgroup-manager=disabled); repeatable' },
    { name: 'area', type: 'strings', value: 'NAME', description: 'only this area (state, lifecycle, create, start, kill, delete, hooks, process); repeatable' },
  ],
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    const runtime = stringFlag(flags, 'runtime');
    if (!runtime) throw new UsageError('conformance needs --runtime PATH');
    const { OPTIONS_ENV, AREA_NAMES } = require('../../testing/conformance/run') as typeof import('../../testing/conformance/run');
    const areas = listFlag(flags, 'area');
    const unknown = areas.filter((a) => !AREA_NAMES.includes(a));
    if (unknown.length) throw new UsageError(`unknown --area ${unknown.join(', ')} (known: ${AREA_NAMES.join(', ')})`);
    const options = {
      runtime: path.resolve(runtime),
      rootless: boolFlag(flags, 'rootless') || process.geteuid?.() !== 0,
      busybox: stringFlag(flags, 'busybox') && path.resolve(stringFlag(flags, 'busybox')!),
      rootfs: stringFlag(flags, 'rootfs') && path.resolve(stringFlag(flags, 'rootfs')!),
      areas: areas.length ? areas : undefined,
      runtimeArgs: listFlag(flags, 'runtime-arg'),
    };
    if (!fs.existsSync(options.runtime)) throw new UsageError(`--runtime ${options.runtime}: no such file`);
    process.env[OPTIONS_ENV] = JSON.stringify(options);
    // Set when this command itself runs under `node --test`: run()'s child
    // would then report to that outer runner instead of to us.
    delete process.env.NODE_TEST_CONTEXT;
    const file = conformanceEntryFile();
    if (!fs.existsSync(file)) throw new UsageError(`the conformance kit is not built: ${file} is missing`);
    return runSuite(ctx, file, boolFlag(flags, 'tap'));
  },
};

async function runSuite(ctx: Context, file: string, tap: boolean): Promise<number> {
  const { run } = require('node:test') as typeof import('node:test');
  const stream = run({ files: [file], concurrency: 1 });
  const counts = { passed: 0, failed: 0, skipped: 0 };
  // Suites (the run, each area) report too: only the checks are counted.
  const isCheck = (ev: TestEvent) => ev.details?.type !== 'suite' && ev.nesting >= 2;
  stream.on('test:pass', (ev: TestEvent) => {
    if (!isCheck(ev)) return;
    if (ev.skip || ev.todo) {
      counts.skipped++;
      if (!tap) ctx.out(`skip ${ev.name}${typeof ev.skip === 'string' ? ` (${ev.skip})` : ''}\n`);
    } else {
      counts.passed++;
      if (!tap) ctx.out(`ok   ${ev.name}\n`);
    }
  });
  stream.on('test:fail', (ev: TestEvent) => {
    if (isCheck(ev)) {
      counts.failed++;
      if (!tap) ctx.out(`FAIL ${ev.name}\n      ${reason(ev)}\n`);
    } else if (ev.details?.error?.failureType !== 'subtestsFailed') {
      // A suite's own failure (its setup could not make the run's
      // directory, say), not one of its checks': the run fails too.
      counts.failed++;
      if (!tap) ctx.out(`FAIL ${ev.name}\n      ${reason(ev)}\n`);
    }
  });
  if (tap) {
    const { tap: reporter } = require('node:test/reporters') as typeof import('node:test/reporters');
    for await (const chunk of stream.compose(reporter)) ctx.out(String(chunk));
  } else {
    for await (const _ of stream) {
      // Drained for its events.
    }
  }
  ctx.out(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  return counts.failed === 0 && counts.passed > 0 ? 0 : 1;
}

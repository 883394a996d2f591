/**
 * The public types, pinned with expect-type: what each entry point takes
 * and resolves with, and the calls that must not compile (each under
 * @ts-expect-error, which is itself an error when nothing under it fails,
 * so a type that got looser fails too). Compiled, never run, by
 * test/unit/node-api-types.test.ts.
 */
import { expectTypeOf } from 'expect-type';
import type { Readable, Writable } from 'node:stream';
import {
  AbortError,
  collectOutput,
  Container,
  defaultSpec,
  ExecProcess,
  HookFailedError,
  InvalidConfigError,
  KapselError,
  parseSignal,
  SyscallError,
  validateConfig,
  type ConfigIssue,
  type ContainerState,
  type ContainerStatus,
  type CreateOptions,
  type ExitStatus,
  type KapselErrorCode,
  type LaunchPlan,
  type RunResult,
  type Signal,
  type Spec,
  type StdioOption,
  type TerminalStream,
  type ValidationReport,
  type ValidSpec,
} from 'kapsel';
import { AREAS, checkName, conformance, type Area, type Check, type ConformanceOptions } from 'kapsel/testing';

// The static entry points and what they resolve with.
expectTypeOf(Container.create).parameter(0).toEqualTypeOf<CreateOptions>();
expectTypeOf(Container.create).returns.resolves.toEqualTypeOf<Container>();
expectTypeOf(Container.run).returns.resolves.toEqualTypeOf<RunResult>();
expectTypeOf<RunResult>().toEqualTypeOf<{ id: string; exitCode: number | null; signal: NodeJS.Signals | null }>();
expectTypeOf(Container.load).returns.resolves.toEqualTypeOf<Container>();
expectTypeOf(Container.list).returns.resolves.toEqualTypeOf<ContainerState[]>();
expectTypeOf(Container.plan).returns.toEqualTypeOf<LaunchPlan>();
expectTypeOf<ContainerState['status']>().toEqualTypeOf<ContainerStatus>();
expectTypeOf<ContainerStatus>().toEqualTypeOf<'creating' | 'created' | 'running' | 'paused' | 'stopped'>();

// A container's members.
expectTypeOf<Container['id']>().toEqualTypeOf<string>();
expectTypeOf<Container['pid']>().toEqualTypeOf<number>();
expectTypeOf<Container['stdin']>().toEqualTypeOf<Writable | null>();
expectTypeOf<Container['stdout']>().toEqualTypeOf<Readable | null>();
expectTypeOf<Container['stderr']>().toEqualTypeOf<Readable | null>();
expectTypeOf<Container['terminal']>().toEqualTypeOf<TerminalStream | null>();
expectTypeOf<Container['wait']>().returns.resolves.toEqualTypeOf<ExitStatus>();
expectTypeOf<Container['kill']>().returns.toEqualTypeOf<Promise<void>>();
expectTypeOf<Container['kill']>().parameter(0).toEqualTypeOf<Signal | undefined>();
expectTypeOf<Container['stats']>().returns.resolves.toHaveProperty('memory');
expectTypeOf<Container['processes']>().returns.resolves.toEqualTypeOf<number[]>();
expectTypeOf<Container>().toMatchTypeOf<AsyncDisposable>();
expectTypeOf<ExecProcess>().toMatchTypeOf<AsyncDisposable>();
expectTypeOf<TerminalStream['resize']>().toEqualTypeOf<(columns: number, rows: number) => void>();

// An exec'd process: the same kill and wait as the container's.
expectTypeOf<Container['exec']>().returns.resolves.toEqualTypeOf<ExecProcess>();
expectTypeOf<ExecProcess['pid']>().toEqualTypeOf<number>();
expectTypeOf<ExecProcess['kill']>().returns.toEqualTypeOf<Promise<void>>();
expectTypeOf<ExecProcess['kill']>().parameter(0).toEqualTypeOf<Signal | undefined>();
expectTypeOf<ExecProcess['wait']>().returns.resolves.toEqualTypeOf<ExitStatus>();
expectTypeOf<ExitStatus>().toEqualTypeOf<{ exitCode: number | null; signal: NodeJS.Signals | null }>();

// Output as a stream, collected.
expectTypeOf(collectOutput).parameter(0).toEqualTypeOf<Readable>();
expectTypeOf(collectOutput).returns.resolves.toEqualTypeOf<Buffer>();

// Validation: the throwing form and the report.
expectTypeOf(validateConfig(null)).toEqualTypeOf<ValidSpec>();
expectTypeOf(validateConfig(null, { collect: true })).toEqualTypeOf<ValidationReport>();
expectTypeOf<ValidationReport['errors']>().toEqualTypeOf<ConfigIssue[]>();
expectTypeOf<ValidSpec>().toMatchTypeOf<Omit<Spec, 'process'>>();
expectTypeOf(defaultSpec({ rootless: true })).toEqualTypeOf<Spec>();
expectTypeOf(parseSignal).returns.toEqualTypeOf<number>();

// The errors: every one a KapselError with its code and fields.
expectTypeOf<KapselError['code']>().toEqualTypeOf<KapselErrorCode>();
expectTypeOf<AbortError>().toMatchTypeOf<KapselError>();
expectTypeOf<InvalidConfigError['jsonPath']>().toEqualTypeOf<string>();
expectTypeOf<InvalidConfigError['problem']>().toEqualTypeOf<string>();
expectTypeOf<HookFailedError['exitCode']>().toEqualTypeOf<number | null>();
expectTypeOf<HookFailedError['signal']>().toEqualTypeOf<NodeJS.Signals | null>();
expectTypeOf<HookFailedError['stderr']>().toEqualTypeOf<string>();
expectTypeOf<SyscallError['step']>().toEqualTypeOf<{ index: number; op: string } | undefined>();
expectTypeOf<'ERR_INVALID_CONFIG'>().toMatchTypeOf<KapselErrorCode>();

// kapsel/testing.
expectTypeOf(conformance).parameter(0).toEqualTypeOf<ConformanceOptions>();
expectTypeOf(conformance).returns.toEqualTypeOf<void>();
expectTypeOf(AREAS).toEqualTypeOf<readonly Area[]>();
expectTypeOf(checkName).parameter(0).toEqualTypeOf<Check>();

// stdio: what child_process.spawn takes, nothing else.
expectTypeOf<'pipe'>().toMatchTypeOf<StdioOption>();
expectTypeOf<['ignore', 'pipe', 'inherit']>().toMatchTypeOf<StdioOption>();
expectTypeOf<[0, 1, 2]>().toMatchTypeOf<StdioOption>();
expectTypeOf<'bogus'>().not.toMatchTypeOf<StdioOption>();
expectTypeOf<true>().not.toMatchTypeOf<StdioOption>();

/** Calls that must not compile, each with the reason. */
export async function wrongCalls(c: Container, p: ExecProcess): Promise<void> {
  // @ts-expect-error create needs an id
  await Container.create({ bundle: '/b' });
  // @ts-expect-error and a bundle
  await Container.create({ id: 'x' });
  // @ts-expect-error stdio takes no other string
  await Container.create({ id: 'x', bundle: '/b', stdio: 'pipes' });
  // @ts-expect-error nor a boolean for one fd
  await Container.create({ id: 'x', bundle: '/b', stdio: ['ignore', true, 'pipe'] });
  // @ts-expect-error nor a wrong string for one fd
  await Container.create({ id: 'x', bundle: '/b', stdio: ['ignore', 'pipe', 'stderr'] });
  // @ts-expect-error a signal option is an AbortSignal, not a string
  await Container.create({ id: 'x', bundle: '/b', signal: 'abort' });
  // @ts-expect-error 'SIGFOO' is no signal
  await c.kill('SIGFOO');
  // @ts-expect-error nor is 'FOO'
  await p.kill('FOO');
  // @ts-expect-error kill's options: `all` is a boolean
  await c.kill('SIGTERM', { all: 'yes' });
  // @ts-expect-error exec takes argv or a process object, not a number
  await c.exec(5);
  // @ts-expect-error nor one string (that is a shell's job: ['sh', '-c', ...])
  await c.exec('ls -l');
  // @ts-expect-error argv holds strings
  await c.exec(['sleep', 10]);
  // @ts-expect-error a process object needs cwd, as in config.json
  await c.exec({ args: ['true'] });
  // @ts-expect-error the command form's user needs a uid
  await c.exec(['id'], { user: { gid: 0 } });
  // @ts-expect-error exec's stdio as create's
  await c.exec(['true'], { stdio: 'pipes' });
  // @ts-expect-error delete's force is a boolean
  await c.delete({ force: 1 });
  // @ts-expect-error wait's signal is an AbortSignal
  await c.wait({ signal: true });
  // @ts-expect-error the report form asks for it with collect: true
  validateConfig({}, { collect: false });
  // @ts-expect-error no such error code
  const code: KapselErrorCode = 'ERR_FOO';
  void code;
  // @ts-expect-error ExitStatus.signal is a signal name, not any string
  const status: ExitStatus = { exitCode: null, signal: 'SIGFOO' };
  void status;
  // @ts-expect-error conformance needs the runtime to test
  conformance({});
  // @ts-expect-error and its areas are names
  conformance({ runtime: '/usr/bin/runc', areas: 'hooks' });
}

/** `await using` on both classes compiles (with target and lib ES2022 and @types/node, as the README says). */
export async function disposal(): Promise<void> {
  await using c = await Container.create({ id: 'x', bundle: '/b' });
  await using p = await c.exec(['true']);
  expectTypeOf(p).toEqualTypeOf<ExecProcess>();
}

/**
 * Calling functions with bad arguments, in a child process (issue 20,
 * item 7): for each function of a table, every argument (and every field
 * of an object argument, every element of an array one) is replaced in
 * turn by values of the wrong type, numbers out of range or not integers,
 * negative fds and closed fds, the others keeping a harmless value. The
 * child runs all the calls of one function and reports each; the parent
 * checks that the child survived (no SIGSEGV, no abort), that every call
 * threw the error its kind of bad value deserves, and that nothing was
 * left behind (fds, child processes, mounts, and what the table's own
 * check looks at).
 *
 *   node dist/test/helpers/bad-args.js TABLE_MODULE FUNCTION   the child
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { childProcesses, listFds } from './leaks';

/** How an argument is made bad. `safe` is its harmless value while another one is bad. */
export type ArgSpec = { name?: string; safe?: unknown; optional?: boolean } & (
  | { kind: 'fd'; atFdcwd?: boolean }
  | { kind: 'int'; min: number; max: number }
  /** A number with fractions allowed (milliseconds). */
  | { kind: 'number'; min: number; max: number }
  /** A NUL is a bad value unless `nulAllowed` (a C string would end at it). */
  | { kind: 'string'; badValues?: readonly string[]; nulAllowed?: boolean }
  | { kind: 'bool' }
  | { kind: 'bigint' }
  | { kind: 'buffer'; badValues?: readonly Buffer[] }
  | { kind: 'object'; fields: Readonly<Record<string, ArgSpec>> }
  /** badValues: arrays of the right type whose value is wrong as a whole; longer than `max` is out of range. */
  | { kind: 'array'; item?: ArgSpec; max?: number; badValues?: readonly unknown[][] }
  | { kind: 'function' }
  /** An instance of a class (an AbortSignal, a stream): no plain value of any type is one. */
  | { kind: 'instance' }
  /** Any value is taken (the function validates it as a document, with its own errors): nothing to make bad. */
  | { kind: 'any' }
  /** One of several shapes: the wrong types are those none of them takes. */
  | { kind: 'union'; of: readonly ArgSpec[] }
);

/** What a bad call must throw. */
export type Expect = 'type' | 'value' | 'range' | 'errno';

export interface BadCall {
  label: string;
  args: unknown[];
  expect: Expect;
}

/** One function of a table. */
export interface FunctionSpec {
  args: readonly ArgSpec[];
  /** For functions without arguments: what to do with what a call returns (close its fds). */
  cleanup?: (result: unknown) => void;
}

/** What a table module exports: the functions by name, how to reach them, and what a bad call's error must look like. */
export interface ArgTable {
  functions: Readonly<Record<string, FunctionSpec>>;
  /** The function `name`, bound (a method is called on its object). */
  resolve(name: string): (...args: unknown[]) => unknown;
  /** Whether `err` is the error `expect` wants; a string says why not. */
  check(err: unknown, expect: Expect, call: BadCall): true | string;
  /** Set up before the calls (and undone after) by the child. */
  setUp?(): Promise<void> | void;
  /** Leftovers the table knows of (state dirs, cgroups): described, one per entry. */
  leftovers?(): string[] | Promise<string[]>;
}

/** An fd number that was just open and is closed now (the lowest free one). */
export function closedFd(): number {
  const fd = fs.openSync('/dev/null', 'r');
  fs.closeSync(fd);
  return fd;
}

const WRONG_TYPES: ReadonlyArray<[string, unknown, ArgSpec['kind'][]]> = [
  // [label, value, the kinds that take it]
  ['undefined', undefined, []],
  ['null', null, []],
  ['true', true, ['bool']],
  ["'7'", '7', ['string']],
  ['{}', {}, ['object']],
  ['[]', [], ['array']],
  ['7n', 7n, ['bigint']],
  ['Symbol()', Symbol('bad'), []],
  ['a function', () => 7, ['function']],
  ['7', 7, ['fd', 'int', 'number']],
];

function takes(spec: ArgSpec, kind: ArgSpec['kind']): boolean {
  return spec.kind === 'union' ? spec.of.some((s) => takes(s, kind)) : spec.kind === kind;
}

/** The harmless value of an argument: undefined for an optional one without a `safe` value. */
export function safeValue(spec: ArgSpec): unknown {
  if (spec.safe === undefined && spec.optional) return undefined;
  return presentValue(spec);
}

/** A harmless value that is there (an optional object's, whose fields are made bad one by one). */
function presentValue(spec: ArgSpec): unknown {
  if (spec.safe !== undefined) return typeof spec.safe === 'function' && spec.kind !== 'function' ? (spec.safe as () => unknown)() : spec.safe;
  switch (spec.kind) {
    case 'fd':
      return closedFd();
    case 'int':
    case 'number':
      return spec.min;
    case 'string':
      return 'kapsel-bad-args';
    case 'bool':
      return false;
    case 'bigint':
      return 0n;
    case 'buffer':
      return Buffer.alloc(8);
    case 'object':
      return Object.fromEntries(Object.entries(spec.fields).flatMap(([k, f]) => (f.optional && f.safe === undefined ? [] : [[k, safeValue(f)]])));
    case 'array':
      return spec.item ? [safeValue(spec.item)] : [];
    case 'function':
      return () => undefined;
    case 'instance':
    case 'any':
      return {};
    case 'union':
      return safeValue(spec.of[0]);
  }
}

type Variant = [string, unknown, Expect];

/** Values of a type the argument does not take. */
function wrongTypes(spec: ArgSpec): Variant[] {
  const out: Variant[] = [];
  if (spec.kind === 'any') return out;
  for (const [label, value, kinds] of WRONG_TYPES) {
    if (kinds.some((k) => takes(spec, k))) continue;
    if (value === undefined && spec.optional) continue;
    out.push([label, value, 'type']);
  }
  return out;
}

/** Values of the right type that are still bad: out of range, not integers, negative or closed fds, NULs, the spec's own bad values. */
function wrongValues(spec: ArgSpec): Variant[] {
  const out: Variant[] = [];
  switch (spec.kind) {
    case 'union':
      return spec.of.flatMap(wrongValues);
    case 'fd':
    case 'int': {
      const [min, max] = spec.kind === 'int' ? [spec.min, spec.max] : [0, 2 ** 31 - 1];
      const numbers: Array<[string, number]> = [
        ['NaN', NaN],
        ['Infinity', Infinity],
        ['-Infinity', -Infinity],
        ['1.5', 1.5],
        ['2 ** 53', 2 ** 53],
        ['-(2 ** 53)', -(2 ** 53)],
        ['1e300', 1e300],
        [`${min} - 1`, min - 1],
        [`${max} + 1`, max + 1],
      ];
      if (spec.kind === 'fd') numbers.push(['-1', -1], ['2 ** 31', 2 ** 31], ['2 ** 32', 2 ** 32], ...(spec.atFdcwd ? [] : ([['-100 (AT_FDCWD)', -100]] as Array<[string, number]>)));
      for (const [label, n] of numbers) if (!(Number.isInteger(n) && n >= min && n <= max)) out.push([label, n, 'range']);
      // Open or not is the kernel's to say: EBADF (or another errno), never a crash.
      if (spec.kind === 'fd') out.push(['a closed fd', closedFd(), 'errno'], ['fd 1000000 (never open)', 1_000_000, 'errno']);
      return out;
    }
    case 'number': {
      const numbers: Array<[string, number]> = [
        ['NaN', NaN],
        ['Infinity', Infinity],
        ['-Infinity', -Infinity],
        ['1e300', 1e300],
        ['-1e300', -1e300],
        [`${spec.min} - 0.5`, spec.min - 0.5],
        [`${spec.max} + 1`, spec.max + 1],
      ];
      for (const [label, n] of numbers) if (!(n >= spec.min && n <= spec.max)) out.push([label, n, 'range']);
      return out;
    }
    case 'string':
      if (!spec.nulAllowed) out.push(['"a\\0b"', 'a\0b', 'value']);
      for (const v of spec.badValues ?? []) out.push([JSON.stringify(v), v, 'value']);
      return out;
    case 'bigint':
      return [
        ['-1n', -1n, 'range'],
        ['2n ** 64n', 2n ** 64n, 'range'],
      ];
    case 'buffer':
      return (spec.badValues ?? []).map((b) => [`a Buffer of ${b.length} bytes`, b, 'value']);
    case 'array':
      out.push(...(spec.badValues ?? []).map((a): Variant => [describe(a), a, 'value']));
      if (spec.max !== undefined && spec.item) out.push([`an array of ${spec.max + 1}`, Array.from({ length: spec.max + 1 }, () => safeValue(spec.item!)), 'range']);
      return out;
    default:
      return out;
  }
}

/** Bad fields of an object, bad items of an array (each inside a harmless whole). */
function nested(spec: ArgSpec, name: string): Variant[] {
  const out: Variant[] = [];
  if (spec.kind === 'object') {
    const base = presentValue(spec) as Record<string, unknown>;
    for (const [key, field] of Object.entries(spec.fields)) {
      for (const [label, v, e] of variants(field, `${name}.${key}`)) out.push([label, { ...base, [key]: v }, e]);
    }
  }
  if (spec.kind === 'array' && spec.item) {
    for (const [label, v, e] of variants(spec.item, `${name}[0]`)) out.push([label, [v], e]);
  }
  if (spec.kind === 'union') for (const s of spec.of) out.push(...nested(s, name));
  return out;
}

/** Every bad variant of one argument, labelled "name = what". */
function variants(spec: ArgSpec, name: string): Variant[] {
  const own = [...wrongTypes(spec), ...wrongValues(spec)].map(([label, v, e]): Variant => [`${name} = ${label}`, v, e]);
  return [...own, ...nested(spec, name)];
}

/** The bad calls of a function: one argument bad at a time, and no arguments at all. */
export function badCalls(spec: FunctionSpec): BadCall[] {
  const calls: BadCall[] = [];
  if (spec.args.length > 0 && !spec.args[0].optional && spec.args[0].kind !== 'any') calls.push({ label: `${spec.args[0].name ?? 'arg0'} = (no arguments)`, args: [], expect: 'type' });
  spec.args.forEach((arg, i) => {
    for (const [label, v, expect] of variants(arg, arg.name ?? `arg${i}`)) {
      const args = spec.args.map((a, j) => (j === i ? v : safeValue(a)));
      // A trailing optional argument left out is the same call as undefined: keep the bad one.
      calls.push({ label, args, expect });
    }
  });
  return calls;
}

// ---- the child ---------------------------------------------------------------

interface Report {
  label: string;
  ok: boolean;
  detail?: string;
}

/** Settles `p` or says it hung (a bad call must fail, not wait forever). */
function settle(p: Promise<unknown>, ms: number): Promise<{ value?: unknown; error?: unknown; hung?: true }> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ hung: true }), ms);
    p.then(
      (value) => {
        clearTimeout(timer);
        resolve({ value });
      },
      (error) => {
        clearTimeout(timer);
        resolve({ error });
      },
    );
  });
}

function describe(v: unknown): string {
  if (v instanceof Error) return `${v.name} ${(v as { code?: string }).code ?? ''}: ${v.message}`;
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

async function childMain(tableFile: string, name: string): Promise<void> {
  const table = (require(tableFile) as { table: ArgTable }).table;
  const spec = table.functions[name];
  await table.setUp?.();
  const fn = table.resolve(name);
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  const write = (r: Report | { start: string } | { leaks: string[] }): void => {
    fs.writeSync(1, `${JSON.stringify(r)}\n`);
  };
  // Loading the code under test may open fds of its own (the addon's cached init copy): warm up first.
  try {
    await settle(Promise.resolve().then(() => fn()), 5000);
  } catch {
    // only warming up
  }
  const fdsBefore = listFds();
  if (spec.args.length === 0) {
    // Nothing to make bad: extra arguments of every kind are ignored, and nothing crashes.
    write({ start: 'extra arguments' });
    const r = await settle(Promise.resolve().then(() => fn(NaN, -1, 'x', Symbol('s'), {}, 2n ** 64n)), 5000);
    if (r.value !== undefined) spec.cleanup?.(r.value);
    write({ label: 'extra arguments', ok: !r.hung && r.error === undefined, detail: r.hung ? 'hung' : describe(r.error) });
  }
  for (const call of badCalls(spec)) {
    write({ start: call.label });
    // Thrown at once or rejected: either is an error the caller gets.
    const r = await settle(Promise.resolve().then(() => fn(...call.args)), 5000);
    if (r.hung) {
      write({ label: call.label, ok: false, detail: 'neither resolved nor rejected in 5 s' });
      continue;
    }
    if (r.error === undefined) {
      write({ label: call.label, ok: false, detail: `returned ${describe(r.value)}` });
      continue;
    }
    const verdict = table.check(r.error, call.expect, call);
    write({ label: call.label, ok: verdict === true, detail: verdict === true ? undefined : `${verdict}: got ${describe(r.error)}` });
  }
  const leaks: string[] = [];
  for (const [fd, target] of listFds()) if (fdsBefore.get(fd) !== target) leaks.push(`fd ${fd} -> ${target}`);
  leaks.push(...childProcesses().map((c) => `child process ${c}`));
  if (fs.readFileSync('/proc/self/mountinfo', 'utf8') !== mounts) leaks.push('the mount table changed');
  leaks.push(...((await table.leftovers?.()) ?? []));
  write({ leaks });
}

/** Runs the bad calls of `name` from `tableFile` (a compiled table module) in a child process and returns what the parent checks. */
export function runBadCalls(
  tableFile: string,
  name: string,
): { status: number | null; signal: NodeJS.Signals | null; failures: string[]; leaks: string[] | undefined; lastStarted?: string; stderr: string; count: number } {
  // As root, in a mount namespace of its own (private: nothing propagates in or out), so that the
  // mounts other processes make and remove meanwhile do not show as its own; without root it can mount nothing.
  const child = [process.execPath, __filename, tableFile, name];
  const [file, ...args] = process.getuid?.() === 0 ? ['unshare', '--mount', '--propagation', 'private', ...child] : child;
  const res = spawnSync(file, args, { encoding: 'utf8', timeout: 120_000 });
  const lines = res.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Report & { start?: string; leaks?: string[] });
  const reports = lines.filter((l) => l.label !== undefined);
  return {
    status: res.status,
    signal: res.signal,
    failures: reports.filter((r) => !r.ok).map((r) => `${name}(${r.label}): ${r.detail}`),
    leaks: lines.find((l) => l.leaks)?.leaks,
    lastStarted: [...lines].reverse().find((l) => l.start !== undefined)?.start,
    stderr: res.stderr,
    count: reports.length,
  };
}

/** Asserts what runBadCalls found: the child survived, made calls, every one threw as it should, nothing was left. */
export function assertBadCallsHandled(tableFile: string, name: string): void {
  const r = runBadCalls(tableFile, name);
  assert.equal(r.signal, null, `the child was killed by ${r.signal} during "${r.lastStarted}"\n${r.stderr}`);
  assert.equal(r.status, 0, `the child failed during "${r.lastStarted}"\n${r.stderr}`);
  assert.ok(r.count > 0, 'no call was made');
  assert.deepEqual(r.failures, []);
  assert.deepEqual(r.leaks, []);
}

if (require.main === module) {
  childMain(path.resolve(process.argv[2]), process.argv[3]).then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`${(err as Error).stack}\n`);
      process.exit(2);
    },
  );
}

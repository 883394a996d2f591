// The plan compiler is pure (issue 18): nothing Node loads for
// lib/plan/compile.ts or lib/plan/exec-plan.ts reads a file, runs a
// program, loads the addon (and with it libseccomp), keeps a cache or
// gathers host facts. Read from the compiled JavaScript, which is what
// Node loads (tsc drops type-only imports there; a lazy require() counts).
// And Container.plan with made-up facts works where the addon and
// libseccomp cannot be loaded at all, as root and as an unprivileged user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LIB, importsOf, libSources } from '../helpers/lib-sources';
import { runAs, TEST_USER_NAME } from '../helpers/user';

/** dist/lib: the JavaScript of lib/ beside this test's. */
const DIST_LIB = path.resolve(__dirname, '../../lib');

/** What one compiled module requires: relative ones resolved to files of dist/lib, the others (builtins, packages) as written. */
function requiresOf(file: string): { files: string[]; others: string[] } {
  const text = fs.readFileSync(file, 'utf8');
  const files: string[] = [];
  const others: string[] = [];
  for (const m of text.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    const spec = m[1]!;
    if (!spec.startsWith('.')) {
      others.push(spec);
      continue;
    }
    const base = path.resolve(path.dirname(file), spec).replace(/\.js$/, '');
    const target = [`${base}.js`, path.join(base, 'index.js')].find((f) => fs.existsSync(f));
    if (target) files.push(target);
  }
  return { files, others };
}

/** Every module Node may load from `entry` on (lazy requires included), with what it requires: module -> [requirer, specifier]. */
function reachable(entry: string): Map<string, { from: string; others: string[] }> {
  const seen = new Map<string, { from: string; others: string[] }>();
  const queue: Array<[string, string]> = [[entry, '(entry)']];
  while (queue.length > 0) {
    const [file, from] = queue.shift()!;
    if (seen.has(file)) continue;
    const { files, others } = requiresOf(file);
    seen.set(file, { from, others });
    for (const f of files) queue.push([f, file]);
  }
  return seen;
}

const FORBIDDEN_BUILTINS = new Set(['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'child_process', 'node:child_process']);

/** Why `file` (a module of dist/lib) must not be reachable, or undefined. */
function forbiddenModule(file: string): string | undefined {
  const rel = path.relative(DIST_LIB, file);
  if (rel === path.join('native', 'addon.js')) return 'the addon (and through it libseccomp)';
  if (/cache/.test(path.basename(rel))) return 'a cache module';
  if (rel.startsWith(`host${path.sep}`)) return 'a host-reading module (lib/host/)';
  if (rel.startsWith(`seccomp${path.sep}`)) return 'the seccomp compiler (lib/seccomp/)';
  return undefined;
}

/** The problems of everything reachable from `entry`: "A (required by B): why". */
function impurities(entry: string): string[] {
  const problems: string[] = [];
  for (const [file, { from, others }] of reachable(entry)) {
    const by = `${path.relative(DIST_LIB, file)} (required by ${path.relative(DIST_LIB, from)})`;
    const why = forbiddenModule(file);
    if (why) problems.push(`${by}: ${why}`);
    for (const o of others) if (FORBIDDEN_BUILTINS.has(o)) problems.push(`${by}: requires ${o}`);
  }
  return problems;
}

test('the purity walk sees what it looks for: host gathering and the container layer are not pure', () => {
  const facts = impurities(path.join(DIST_LIB, 'host', 'facts.js'));
  assert.ok(facts.some((p) => /^host\/facts\.js .*requires node:fs/.test(p)), facts.join('\n'));
  assert.ok(facts.some((p) => /native\/addon\.js .*the addon/.test(p)), facts.join('\n'));
  const planning = impurities(path.join(DIST_LIB, 'container', 'planning.js'));
  // A lazy require() counts: planning loads the libseccomp compiler only on use.
  assert.ok(planning.some((p) => /^seccomp\/compile\.js/.test(p)), planning.join('\n'));
  assert.ok(planning.some((p) => /^seccomp\/disk-cache\.js .*a cache module/.test(p)), planning.join('\n'));
});

for (const entry of ['compile.js', 'exec-plan.js']) {
  test(`nothing reachable from lib/plan/${entry} reads files, runs programs, loads the addon or libseccomp, caches or gathers host facts`, () => {
    assert.deepEqual(impurities(path.join(DIST_LIB, 'plan', entry)), []);
  });
}

test('no module of lib/plan/ imports lib/host/, not even for a type (the plan defines the facts it takes: plan-facts.ts)', () => {
  const host = path.join(LIB, 'host') + path.sep;
  const arrows = libSources(path.join(LIB, 'plan')).flatMap((f) => importsOf(f).filter((t) => t.startsWith(host)).map((t) => `${path.relative(LIB, f)} -> ${path.relative(LIB, t)}`));
  assert.deepEqual(arrows, []);
});

test('no module of lib/config/ imports the seccomp compiler or the plan (validation runs once, on the config side)', () => {
  const above = ['seccomp', 'plan', 'host', 'container'].map((d) => path.join(LIB, d) + path.sep);
  const arrows = libSources(path.join(LIB, 'config')).flatMap((f) => importsOf(f).filter((t) => above.some((a) => t.startsWith(a))).map((t) => `${path.relative(LIB, f)} -> ${path.relative(LIB, t)}`));
  assert.deepEqual(arrows, []);
});

test('only the command line imports the command line: no arrow runs up from the library\'s layers into lib/cli/', () => {
  const cli = path.join(LIB, 'cli') + path.sep;
  const arrows = ['config', 'plan', 'host', 'seccomp', 'cgroups', 'state', 'hooks', 'native', 'container', 'testing'].flatMap((d) =>
    libSources(path.join(LIB, d)).flatMap((f) => importsOf(f).filter((t) => t.startsWith(cli)).map((t) => `${path.relative(LIB, f)} -> ${path.relative(LIB, t)}`)),
  );
  assert.deepEqual(arrows, []);
});

/**
 * A Node process in which no native module loads (a machine without the
 * addon, so without libseccomp): it plans a config with a seccomp profile
 * on made-up facts, without a compiler and with a fake one, and prints
 * what it got.
 */
const CHILD = `
const Module = require('node:module');
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request.endsWith('.node')) throw Object.assign(new Error('no native module on this machine: ' + request), { code: 'MODULE_NOT_FOUND' });
  return load.call(this, request, ...rest);
};
const { Container, planToJSON, defaultSpec, libseccompCompiler } = require(${JSON.stringify(path.join(DIST_LIB, 'index.js'))});
const { fakeFacts } = require(${JSON.stringify(path.resolve(__dirname, '../helpers/facts.js'))});
const config = defaultSpec({ rootless: false, cgroupNamespace: false });
config.process.noNewPrivileges = true;
config.linux.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', flags: ['SECCOMP_FILTER_FLAG_LOG'], syscalls: [{ names: ['read', 'write', 'exit_group'], action: 'SCMP_ACT_ALLOW' }] };
const seccomp = { flags: ['SECCOMP_FILTER_FLAG_LOG'], actions: ['SCMP_ACT_ERRNO', 'SCMP_ACT_ALLOW'] };
const facts = fakeFacts({ seccomp });
const step = (plan) => planToJSON(plan).steps.find((s) => s.op === 'seccomp');
const out = {};
out.plain = step(Container.plan(config, { bundle: '/b', rootfs: '/b/rootfs', facts }));
out.plainLast = Container.plan(config, { bundle: '/b', rootfs: '/b/rootfs', facts }).steps.slice(-2).map((s) => s.op);
out.fake = step(Container.plan(config, { bundle: '/b', rootfs: '/b/rootfs', facts, seccompCompiler: () => ({ program: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]) }) }));
try { Container.plan(config, { bundle: '/b', rootfs: '/b/rootfs', facts: fakeFacts({ seccomp: { ...seccomp, flags: [] } }) }); } catch (e) { out.noFlag = e.code + ' ' + e.message; }
try { Container.plan(config, { bundle: '/b', rootfs: '/b/rootfs', facts, seccompCompiler: libseccompCompiler }); } catch (e) { out.libseccomp = e.message; }
out.loaded = Object.keys(require.cache).filter((f) => /\\.node$/.test(f));
process.stdout.write(JSON.stringify(out));
`;

function checkChild(res: { status: number | null; stdout: string; stderr: string }, who: string): void {
  assert.equal(res.status, 0, `${who}: ${res.stderr}`);
  const out = JSON.parse(res.stdout) as Record<string, unknown>;
  const plain = out.plain as { program: string; flags: number; profile?: { defaultAction: string }; summary?: unknown };
  assert.equal(plain.program, '', `${who}: no program without a compiler`);
  assert.equal(plain.flags, 2, `${who}: the flags are the plan's, from the facts`);
  assert.equal(plain.profile?.defaultAction, 'SCMP_ACT_ERRNO');
  assert.deepEqual(out.plainLast, ['seccomp', 'exec'], `${who}: placed as with a program`);
  const fake = out.fake as { program: string; profile?: unknown };
  assert.equal(fake.program, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]).toString('base64'));
  assert.equal(fake.profile, undefined);
  assert.match(String(out.noFlag), /^ERR_INVALID_CONFIG .*\/linux\/seccomp\/flags\/0.*not supported by this kernel/);
  // The real compiler cannot run here: the hook above works, and planning never needed it.
  assert.match(String(out.libseccomp), /no native module on this machine/);
  assert.deepEqual(out.loaded, []);
}

test('Container.plan with made-up facts works where neither the addon nor libseccomp can be loaded', () => {
  const res = spawnSync(process.execPath, ['-e', CHILD], { encoding: 'utf8', timeout: 60_000 });
  checkChild({ status: res.status, stdout: res.stdout, stderr: res.stderr }, `uid ${process.getuid!()}`);
});

test('... and as an unprivileged user', { skip: process.getuid!() !== 0 ? 'not root: the test above already ran unprivileged' : false }, () => {
  checkChild(runAs(TEST_USER_NAME, [process.execPath, '-e', CHILD], {}), TEST_USER_NAME);
});

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleStamp, cachePath, cacheTrusted, compileBundle, loadedBundles, requireBundle, runBundle, stampSource, writeCodeCache } from '../../lib/cli/code-cache';
import { loadMain } from '../../lib/cli/start';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-code-cache-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

let count = 0;
/**
 * A new bundle file with `source`, in a directory of its own. Each gets a
 * distinct text: V8 keeps compiled scripts by source within a process, and
 * would answer a second compile from there without looking at the cache.
 */
function bundleFile(source: string): string {
  const dir = path.join(tmp, `b${count++}`);
  fs.mkdirSync(dir);
  const file = path.join(dir, 'bundle.js');
  fs.writeFileSync(file, `${source}\n// bundle ${count} of ${process.pid}\n`);
  return file;
}

/**
 * Compiles and runs `file` in a fresh Node process: whether V8 accepted
 * its cache, and what the bundle's answer() returned there.
 */
function inFreshProcess(file: string): { accepted: boolean; answer: number } {
  const codeCache = path.resolve(__dirname, '..', '..', 'lib', 'cli', 'code-cache.js');
  const script = `
    const { compileBundle, runBundle } = require(${JSON.stringify(codeCache)});
    const bundle = compileBundle(${JSON.stringify(file)});
    const answer = runBundle(bundle, require).answer();
    process.stdout.write(JSON.stringify({ accepted: bundle.cacheAccepted, answer }));`;
  const res = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  return JSON.parse(res.stdout) as { accepted: boolean; answer: number };
}

/** Sets the file's times to `seconds` since the epoch (as a copy or an npm install might). */
function touch(file: string, seconds: number): void {
  fs.utimesSync(file, seconds, seconds);
}

/** A bundle file as scripts/build-cli-bundle.js writes one: its build stamp on the first line. */
function stampedBundleFile(source: string): string {
  const file = bundleFile(source);
  fs.writeFileSync(file, stampSource(fs.readFileSync(file, 'utf8')));
  return file;
}

const SOURCE = `
  function answer() { return 6 * 7; }
  module.exports = { answer, dirname: __dirname, filename: __filename, os: require('node:os').platform(), self: this === exports };
`;

test('a bundle runs as a CommonJS module: exports, require, __filename, __dirname, this', () => {
  const file = bundleFile(SOURCE);
  const exported = runBundle(compileBundle(file), require) as Record<string, unknown>;
  assert.equal((exported.answer as () => number)(), 42);
  assert.equal(exported.filename, file);
  assert.equal(exported.dirname, path.dirname(file));
  assert.equal(exported.os, os.platform());
  assert.equal(exported.self, true);
});

test('without a cache file the bundle compiles as any script', () => {
  const file = bundleFile(SOURCE);
  const compiled = compileBundle(file);
  assert.equal(compiled.cacheAccepted, false);
  assert.equal(fs.existsSync(cachePath(file)), false);
});

test('a cache written after a run is accepted for the same bundle file', () => {
  const file = bundleFile(SOURCE);
  const first = compileBundle(file);
  (runBundle(first, require) as { answer: () => number }).answer();
  assert.ok(writeCodeCache(first) > 0);
  assert.equal(path.dirname(cachePath(file)), path.dirname(file));
  assert.deepEqual(inFreshProcess(file), { accepted: true, answer: 42 });
});

test('a cache is ignored once the bundle changed, even at the same length (V8 checks only the length)', () => {
  for (const stamped of [false, true]) {
    const file = (stamped ? stampedBundleFile : bundleFile)('module.exports = { answer() { return 1; } };');
    const old = compileBundle(file);
    (runBundle(old, require) as { answer: () => number }).answer();
    writeCodeCache(old);
    const text = fs.readFileSync(file, 'utf8');
    const changed = text.replace('return 1', 'return 2');
    // Rebuilt: a new stamp (same length) for a stamped bundle; the text alone for another.
    fs.writeFileSync(file, stamped ? stampSource(changed) : changed);
    assert.equal(fs.statSync(file).size, text.length);
    // Even with the old file times: the stamp, not the mtime, tells the two apart.
    const { mtime } = fs.statSync(file);
    touch(file, mtime.getTime() / 1000 - 3600);
    assert.deepEqual(inFreshProcess(file), { accepted: false, answer: 2 }, stamped ? 'stamped' : 'unstamped');
  }
});

test('a cache still matches its bundle after the files got new times (a copy, an npm install)', () => {
  const file = stampedBundleFile(SOURCE);
  const compiled = compileBundle(file);
  runBundle(compiled, require);
  writeCodeCache(compiled);
  touch(file, 2_000_000_000);
  touch(cachePath(file), 1_000_000);
  assert.deepEqual(inFreshProcess(file), { accepted: true, answer: 42 });
});

test('a cache of another Node version, or a damaged one, is ignored', () => {
  const file = bundleFile(SOURCE);
  const compiled = compileBundle(file);
  runBundle(compiled, require);
  writeCodeCache(compiled);
  const good = fs.readFileSync(cachePath(file));
  const headerEnd = good.indexOf(10);
  const header = good.toString('latin1', 0, headerEnd);
  assert.match(header, new RegExp(`node=${process.version.replace(/\./g, '\\.')} arch=${process.arch}$`));

  assert.deepEqual(inFreshProcess(file), { accepted: true, answer: 42 });

  fs.writeFileSync(cachePath(file), Buffer.concat([Buffer.from(header.replace(process.version, 'v0.0.1'), 'latin1'), good.subarray(headerEnd)]));
  assert.deepEqual(inFreshProcess(file), { accepted: false, answer: 42 });

  // The right header over data V8 cannot use: V8 rejects it, the bundle still runs.
  fs.writeFileSync(cachePath(file), Buffer.concat([good.subarray(0, headerEnd + 1), Buffer.alloc(64, 0xab)]));
  assert.deepEqual(inFreshProcess(file), { accepted: false, answer: 42 });

  fs.writeFileSync(cachePath(file), 'no header line at all');
  assert.deepEqual(inFreshProcess(file), { accepted: false, answer: 42 });
});

test('a bundle can have several caches; each is written where compileBundle was told to read', () => {
  const file = bundleFile(SOURCE);
  const other = cachePath(file, 'other');
  assert.equal(other, `${file}.other.cache`);
  const compiled = compileBundle(file, other);
  assert.equal(compiled.cacheFile, other);
  runBundle(compiled, require);
  writeCodeCache(compiled);
  assert.ok(fs.existsSync(other));
  assert.equal(fs.existsSync(cachePath(file)), false);
});

test('requireBundle runs a bundle once per process and lists it for the cache builder', () => {
  const file = bundleFile('globalThis.kapselCodeCacheRuns = (globalThis.kapselCodeCacheRuns || 0) + 1; module.exports = {};');
  const first = requireBundle(file, require);
  assert.equal(requireBundle(file, require), first);
  assert.equal((globalThis as { kapselCodeCacheRuns?: number }).kapselCodeCacheRuns, 1);
  assert.ok(loadedBundles().some((bundle) => bundle.file === file));
});

test('start: main() comes from a bundle with the build\'s stamp, else from main.js', async () => {
  const file = stampedBundleFile('module.exports = { main: async (argv) => 100 + argv.length };');
  const stamp = bundleStamp(fs.readFileSync(file, 'utf8'));
  assert.equal(await loadMain(file, [], stamp)(['a', 'b']), 102);
  const mainJs = (require('../../lib/cli/main') as typeof import('../../lib/cli/main')).main;
  assert.equal(loadMain(path.join(tmp, 'no-such-dir', 'kapsel.js'), [], stamp), mainJs);
});

test('start: a bundle of another build (tsc ran after it: the placeholder stamp) is not used, whatever its file times', () => {
  const file = stampedBundleFile('module.exports = { main: async () => 7 };');
  const mainJs = (require('../../lib/cli/main') as typeof import('../../lib/cli/main')).main;
  touch(file, 2_000_000_000);
  assert.equal(loadMain(file, [], 'unbundled'), mainJs);
  assert.equal(loadMain(file, [], 'f'.repeat(64)), mainJs);
  // An unstamped bundle neither.
  assert.equal(loadMain(bundleFile('module.exports = { main: async () => 7 };'), [], 'f'.repeat(64)), mainJs);
});

test('start: a bundle that fails to load is an error, not a silent fallback', () => {
  const file = stampedBundleFile('throw new Error("broken bundle");');
  assert.throws(() => loadMain(file, [], bundleStamp(fs.readFileSync(file, 'utf8'))), /broken bundle/);
});

test('a cache that someone who cannot change the bundle could write is refused (its bytecode would run)', () => {
  const file = bundleFile(SOURCE);
  fs.chmodSync(file, 0o644);
  const compiled = compileBundle(file);
  runBundle(compiled, require);
  writeCodeCache(compiled);
  const cache = cachePath(file);
  fs.chmodSync(cache, 0o644);
  assert.deepEqual(inFreshProcess(file), { accepted: true, answer: 42 });
  fs.chmodSync(cache, 0o646);
  assert.deepEqual(inFreshProcess(file), { accepted: false, answer: 42 });
  fs.chmodSync(cache, 0o664);
  assert.deepEqual(inFreshProcess(file), { accepted: false, answer: 42 });
  // A bundle its group may change: a cache its group may change is no weaker.
  fs.chmodSync(file, 0o664);
  assert.deepEqual(inFreshProcess(file), { accepted: true, answer: 42 });
});

test('a cache owned by another user than the bundle\'s is refused', { skip: process.getuid?.() !== 0 && 'needs root (chown)' }, () => {
  const file = bundleFile(SOURCE);
  const compiled = compileBundle(file);
  runBundle(compiled, require);
  writeCodeCache(compiled);
  const cache = cachePath(file);
  fs.chmodSync(cache, 0o644);
  fs.chownSync(cache, 65534, 65534);
  assert.deepEqual(inFreshProcess(file), { accepted: false, answer: 42 });
  // Root may write the bundle anyway: a root-owned cache of a user's bundle is as trusted.
  fs.chownSync(cache, 0, 0);
  fs.chownSync(file, 65534, 65534);
  assert.deepEqual(inFreshProcess(file), { accepted: true, answer: 42 });
});

test('cacheTrusted: owner, group and other write bits against the bundle\'s', () => {
  const file = (uid: number, gid: number, mode: number) => ({ uid, gid, mode: 0o100000 | mode, isFile: () => true });
  const bundle = { uid: 1000, gid: 1000, mode: 0o100644 };
  assert.equal(cacheTrusted(file(1000, 1000, 0o644), bundle), true);
  assert.equal(cacheTrusted(file(0, 0, 0o644), bundle), true);
  assert.equal(cacheTrusted(file(1001, 1000, 0o644), bundle), false);
  assert.equal(cacheTrusted(file(1000, 1000, 0o664), bundle), false);
  assert.equal(cacheTrusted(file(1000, 1000, 0o646), bundle), false);
  assert.equal(cacheTrusted(file(1000, 1000, 0o664), { ...bundle, mode: 0o100664 }), true);
  assert.equal(cacheTrusted(file(1000, 1001, 0o664), { ...bundle, mode: 0o100664 }), false);
  assert.equal(cacheTrusted(file(1000, 1001, 0o666), { ...bundle, mode: 0o100666 }), true);
  assert.equal(cacheTrusted({ ...file(1000, 1000, 0o644), isFile: () => false }, bundle), false);
});

/**
 * The built CLI bundle (scripts/build-cli-bundle.js, made by `npm test`'s
 * pretest and by `npm install`) against the modules it was made from: the
 * same answers, a code cache V8 accepts, and what a command does not use
 * left unloaded.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleStamp, cachePath, stampSource } from '../../lib/cli/code-cache';
import { main as moduleMain, type MainIo } from '../../lib/cli/main';
import { BUNDLE, cacheFor, CREATING_CACHE } from '../../lib/cli/start';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-cli-bundle-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const START = path.resolve(__dirname, '..', '..', 'lib', 'cli', 'start.js');

type Main = typeof moduleMain;

/**
 * The config validator the CLI loads with a code cache: the library's own
 * precompiled file (scripts/build-validators.js), not a copy in the bundle.
 */
const VALIDATOR = path.resolve(__dirname, '..', '..', 'lib', 'config', 'generated', 'config-validator.js');

/** Runs a main() in-process, capturing what it writes; log lines carry a fixed time. */
async function capture(main: Main, argv: string[]) {
  let out = '';
  let err = '';
  const io: MainIo = {
    out: (t) => (out += t),
    logSinks: { stderr: (t) => (err += t), appendFile: (f, t) => fs.appendFileSync(f, t), now: () => new Date(0) },
  };
  const code = await main(argv, io);
  return { code, out, err };
}

/** main() of the bundle, loaded in a fresh process: [exit status, stdout, stderr]. */
function viaStart(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const res = spawnSync(process.execPath, [START, ...argv], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: res.status, out: res.stdout, err: res.stderr };
}

test('the bundle and its code caches exist after the build', () => {
  assert.ok(fs.existsSync(BUNDLE), `${BUNDLE} (built by scripts/build-cli-bundle.js)`);
  assert.ok(fs.existsSync(cachePath(BUNDLE)), `${cachePath(BUNDLE)} (built by scripts/build-cli-cache.js)`);
  assert.ok(fs.existsSync(cachePath(BUNDLE, CREATING_CACHE)), `${cachePath(BUNDLE, CREATING_CACHE)} (built by scripts/build-cli-cache.js)`);
  assert.ok(fs.existsSync(cachePath(VALIDATOR)), `${cachePath(VALIDATOR)} (built by scripts/build-cli-cache.js)`);
});

test('V8 accepts each built code cache in a fresh process', () => {
  const codeCache = path.resolve(__dirname, '..', '..', 'lib', 'cli', 'code-cache.js');
  for (const [file, cache] of [[BUNDLE, cachePath(BUNDLE)], [BUNDLE, cachePath(BUNDLE, CREATING_CACHE)], [VALIDATOR, cachePath(VALIDATOR)]]) {
    const script = `process.stdout.write(String(require(${JSON.stringify(codeCache)}).compileBundle(${JSON.stringify(file)}, ${JSON.stringify(cache)}).cacheAccepted))`;
    const res = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.equal(res.stdout, 'true', `${cache}: ${res.stderr}`);
  }
});

test('the bundle and the modules beside it carry the same build stamp, so start.js runs the bundle', () => {
  const { BUILD_STAMP } = require('../../lib/cli/build-stamp') as { BUILD_STAMP: string };
  assert.match(BUILD_STAMP, /^[0-9a-f]{64}$/, 'dist/lib/cli/build-stamp.js: written by scripts/build-cli-bundle.js after tsc');
  assert.equal(fs.readFileSync(BUNDLE, 'utf8').split('\n')[0], `// kapsel-build ${BUILD_STAMP}`);
  assert.equal(bundleStamp(fs.readFileSync(BUNDLE, 'utf8')), BUILD_STAMP);
  // The stamp is the hash of the bundle's text: stamping it again changes nothing.
  assert.equal(stampSource(fs.readFileSync(BUNDLE, 'utf8')), fs.readFileSync(BUNDLE, 'utf8'));
  assert.match(fs.readFileSync(VALIDATOR, 'utf8'), /^\/\/ kapsel-build [0-9a-f]{64}\n/);
  // No second copy of the validators next to the bundle.
  assert.equal(fs.existsSync(path.join(path.dirname(BUNDLE), 'validators')), false);
});

test('create, run, plan, exec and update read the larger cache; the other commands the smaller one', () => {
  assert.equal(cacheFor(BUNDLE, ['--root', '/r', 'run', '--bundle', '/b', 'id']), cachePath(BUNDLE, CREATING_CACHE));
  assert.equal(cacheFor(BUNDLE, ['create', 'id']), cachePath(BUNDLE, CREATING_CACHE));
  assert.equal(cacheFor(BUNDLE, ['exec', 'id', 'sh']), cachePath(BUNDLE, CREATING_CACHE));
  assert.equal(cacheFor(BUNDLE, ['--root', '/r', 'state', 'id']), cachePath(BUNDLE));
  assert.equal(cacheFor(BUNDLE, ['delete', '--force', 'id']), cachePath(BUNDLE));
  assert.equal(cacheFor(BUNDLE, []), cachePath(BUNDLE));
});

test('the bundle answers as the modules do: help, version, errors, spec, plan, list', async () => {
  const bundleMain = (require(BUNDLE) as { main: Main }).main;
  const root = path.join(tmp, 'root');
  const bundles = { modules: path.join(tmp, 'bundle-modules'), bundle: path.join(tmp, 'bundle-bundle') };
  for (const dir of Object.values(bundles)) fs.mkdirSync(path.join(dir, 'rootfs'), { recursive: true });
  const cases = (dir: string): string[][] => [
    ['--help'],
    ['help', 'run'],
    ['--version'],
    ['--root', root, 'state', 'missing'],
    ['--root', root, '--log-format', 'json', 'kill', 'missing', 'NOSIG'],
    ['--root', root, 'list'],
    ['--root', root, 'list', '--format', 'json'],
    ['--root', root, 'delete', '--force', 'missing'],
    ['--root', root, 'run', '--bogus', 'x'],
    ['spec', '--bundle', dir],
    ['spec', '--bundle', dir],
    ['--root', root, 'plan', '--bundle', dir, '--format', 'json'],
    ['validate', '--bundle', dir],
    ['validate', '--json', '--bundle', path.join(tmp, 'missing')],
    ['--root', root, 'create', '--bundle', path.join(tmp, 'missing'), 'x'],
  ];
  const fromModules = cases(bundles.modules);
  const fromBundle = cases(bundles.bundle);
  for (let i = 0; i < fromModules.length; i++) {
    const expected = await capture(moduleMain, fromModules[i]);
    const actual = await capture(bundleMain, fromBundle[i]);
    const normalise = (text: string) => text.split(bundles.bundle).join(bundles.modules);
    assert.deepEqual({ ...actual, out: normalise(actual.out), err: normalise(actual.err) }, expected, fromModules[i].join(' '));
  }
  assert.equal(fs.readFileSync(path.join(bundles.bundle, 'config.json'), 'utf8'), fs.readFileSync(path.join(bundles.modules, 'config.json'), 'utf8'));
});

test('start.js runs the bundle: a config error names the JSON path, as the validators do', () => {
  const dir = path.join(tmp, 'bad-config');
  fs.mkdirSync(path.join(dir, 'rootfs'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ociVersion: '1.0.2', root: { path: 'rootfs' }, process: { cwd: 'relative', args: ['/x'] } }));
  const res = viaStart(['--root', path.join(tmp, 'root'), 'plan', '--bundle', dir]);
  assert.equal(res.code, 1);
  assert.match(res.err, /\/process\/cwd/);
});

test('what a command does not use stays unloaded: child_process, crypto, net, the streams and perf_hooks for create, the addon for state', () => {
  const root = JSON.stringify(path.join(tmp, 'root'));
  // Only what loads after this script starts (node -e loads some on its own).
  const script = `
    const before = new Set(process.moduleLoadList);
    const builtins = () => process.moduleLoadList.filter((m) => !before.has(m) && /child_process|crypto|NativeModule (net|stream|perf_hooks|internal\\/(streams|perf)\\/)/.test(m));
    const addons = () => Object.keys(require.cache).filter((f) => f.endsWith('.node'));
    // The bundle itself, whether or not tsc ran after it was made.
    const { requireBundle } = require(${JSON.stringify(path.join(path.dirname(START), 'code-cache.js'))});
    const { main } = requireBundle(${JSON.stringify(BUNDLE)}, require('node:module').createRequire(${JSON.stringify(START)}));
    (async () => {
      const state = await main(['--root', ${root}, 'state', 'missing']);
      const afterState = { builtins: builtins(), addons: addons() };
      // create's modules load (hooks, launch, planning), then the missing bundle fails it.
      const create = await main(['--root', ${root}, 'create', '--bundle', ${JSON.stringify(path.join(tmp, 'missing'))}, 'x']);
      require('node:fs').writeSync(3, JSON.stringify({ state, create, afterState, afterCreate: { builtins: builtins() } }));
    })();`;
  const res = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  assert.equal(res.status, 0, res.stderr);
  const report = JSON.parse(String(res.output[3])) as Record<string, unknown>;
  assert.deepEqual(report, { state: 1, create: 1, afterState: { builtins: [], addons: [] }, afterCreate: { builtins: [] } });
});

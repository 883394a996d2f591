/**
 * kapsel as a user gets it: the tree packed with `npm pack` (twice: the
 * same bytes), installed from the tarball into a fresh project twice, and
 * used from there, through the library and through `kapsel run`:
 *   - with --ignore-scripts and no compiler on PATH: the prebuilt native
 *     part (prebuilds/linux-x64/) is what runs;
 *   - with scripts and --build-from-source: the install script builds it
 *     with npm's own node-gyp (node-gyp is no dependency) and that runs.
 * Installs use npm's cache first (--prefer-offline): this machine reaches
 * the npm registry only.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeBundle, REPO_ROOT, type Bundle } from '../helpers/bundle';
import { assertNoLeaks, snapshotSystem, type SystemSnapshot } from '../helpers/leaks';
import { tempDir, TMP_PREFIX } from '../helpers/tmp';

const skip = process.getuid!() !== 0 ? 'needs root' : process.arch !== 'x64' ? 'the package ships a prebuild for linux-x64 only' : false;

/** What the package may hold, and nothing else (package.json "files", plus what npm always adds). */
const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE$/,
  /^bin\/kapsel$/,
  /^binding\.gyp$/,
  /^native\/.+\.(cc|h)$/,
  /^prebuilds\/linux-x64\/(kapsel_native\.node|kapsel-init)$/,
  /^scripts\/(install|native-build|record-node-path|build-cli-cache)\.js$/,
  /^dist\/lib\/.+(\.js|\.d\.ts)$/,
];
const REQUIRED = [
  'LICENSE',
  'README.md',
  'bin/kapsel',
  'binding.gyp',
  'dist/lib/index.js',
  'dist/lib/index.d.ts',
  'dist/lib/cli-bundle/kapsel.js',
  'dist/lib/cli/start.js',
  'dist/lib/config/generated/config-validator.js',
  'native/addon/module.cc',
  'native/init/main.cc',
  'prebuilds/linux-x64/kapsel_native.node',
  'prebuilds/linux-x64/kapsel-init',
  'scripts/install.js',
];
/** The tree npm packs: what the package is built from (tests and examples are not). */
const SOURCES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.package.json', 'README.md', 'LICENSE', 'binding.gyp', 'bin', 'lib', 'native', 'scripts'];
const COMPILERS = ['cc', 'gcc', 'g++', 'c++', 'clang', 'make', 'python3'];

let snapshot: SystemSnapshot;
let work: string;
let tarball: string;
let packed: { path: string }[];
let bundle: Bundle;
/** A PATH with node on it and nothing else. */
let bareBin: string;

/** npm's own CLI script, run with this test's node (so a Node 24 run installs with Node 24). */
function npmCli(): string {
  const npm = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim();
  assert.ok(npm, 'npm on PATH');
  return path.join(path.dirname(fs.realpathSync(npm)), 'npm-cli.js');
}

function npm(cwd: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeout = 600_000) {
  const res = spawnSync(process.execPath, [npmCli(), ...args], { cwd, env, encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
  assert.equal(res.status, 0, `npm ${args.join(' ')} in ${cwd}:\n${res.stderr}`);
  return res.stdout;
}

function run(file: string, args: string[], options: SpawnSyncOptions) {
  const res = spawnSync(file, args, { encoding: 'utf8', timeout: 120_000, ...options });
  return { status: res.status, stdout: String(res.stdout), stderr: String(res.stderr) };
}

/** Copies the package's sources, and a prebuild or build already made from them (prepack then reuses it). */
function copySources(dest: string): void {
  for (const entry of SOURCES) fs.cpSync(path.join(REPO_ROOT, entry), path.join(dest, entry), { recursive: true });
  for (const made of ['prebuilds', path.join('build', 'Release'), path.join('build', 'kapsel.sources')]) {
    const from = path.join(REPO_ROOT, made);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(dest, made), { recursive: true });
  }
  // The devDependencies the package build needs (tsc, esbuild).
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dest, 'node_modules'));
}

before(() => {
  if (skip) return;
  snapshot = snapshotSystem();
  work = tempDir('package');
  const src = path.join(work, 'src');
  copySources(src);
  const packs = ['pack-1', 'pack-2'].map((name) => path.join(work, name));
  const lists = packs.map((dest) => {
    fs.mkdirSync(dest);
    // stdout must be the JSON alone: the build's own output goes to stderr.
    return JSON.parse(npm(src, ['pack', '--json', '--pack-destination', dest])) as { filename: string; files: { path: string }[] }[];
  });
  tarball = path.join(packs[0], lists[0][0].filename);
  packed = lists[0][0].files;
  bundle = makeBundle({
    edit(spec) {
      spec.process!.args = ['/hello-world'];
    },
  });
  bareBin = path.join(work, 'bare-bin');
  fs.mkdirSync(bareBin);
  fs.symlinkSync(process.execPath, path.join(bareBin, 'node'));
});

after(() => {
  if (skip) return;
  bundle?.cleanup();
  fs.rmSync(work, { recursive: true, force: true });
  assertNoLeaks(snapshot, TMP_PREFIX);
});

test('npm pack: the library, its types, the CLI bundle, the prebuilds, the native sources, README and LICENSE, and nothing else', { skip }, () => {
  const names = packed.map((file) => file.path);
  assert.deepEqual(
    names.filter((name) => !ALLOWED.some((pattern) => pattern.test(name))),
    [],
  );
  for (const name of REQUIRED) assert.ok(names.includes(name), `${name} is in the package`);
  // The validators once (the CLI loads the library's own files).
  assert.deepEqual(
    names.filter((name) => name.endsWith('config-validator.js')),
    ['dist/lib/config/generated/config-validator.js'],
  );
  const unpacked = path.join(work, 'unpacked');
  fs.mkdirSync(unpacked);
  assert.equal(spawnSync('tar', ['-xzf', tarball, '-C', unpacked]).status, 0);
  const root = path.join(unpacked, 'package');
  // No map, so no comment pointing to one (or to sources the package does not hold).
  const mapped = names.filter((name) => name.endsWith('.js') && fs.readFileSync(path.join(root, name), 'utf8').includes('sourceMappingURL'));
  assert.deepEqual(mapped, []);
  const licence = fs.readFileSync(path.join(root, 'LICENSE'), 'utf8');
  assert.match(licence, /Apache License\s+Version 2\.0, January 2004/);
  assert.match(licence, /END OF TERMS AND CONDITIONS/);
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  assert.equal(manifest.dependencies['node-gyp'], undefined, 'node-gyp is no runtime dependency');
});

test('npm pack twice: the same bytes', { skip }, () => {
  const second = path.join(work, 'pack-2', path.basename(tarball));
  assert.ok(fs.readFileSync(tarball).equals(fs.readFileSync(second)), `${tarball} and ${second} differ`);
});

/** A fresh project with the tarball installed: its directory. */
function install(name: string, args: string[], env: NodeJS.ProcessEnv): string {
  const project = path.join(work, name);
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }));
  npm(project, ['install', '--prefer-offline', '--no-audit', '--no-fund', ...args, tarball], env);
  return project;
}

/**
 * Uses the installed kapsel: a container's whole life through the library
 * (create, start, wait, delete, its output in a file), then `kapsel run` of
 * the same bundle through the installed bin. Returns the directory the
 * native part was loaded from.
 */
function useInstalled(project: string, env: NodeJS.ProcessEnv): string {
  const pkg = path.join(project, 'node_modules', 'kapsel');
  const root = tempDir('package-root');
  const script = path.join(project, 'lifecycle.js');
  fs.writeFileSync(
    script,
    `const fs = require('node:fs');
const { Container } = require('kapsel');
const { nativeBuildDir } = require(${JSON.stringify(path.join(pkg, 'dist', 'lib', 'native', 'addon.js'))});
(async () => {
  const [bundle, root, outFile] = process.argv.slice(2);
  const out = fs.openSync(outFile, 'w');
  const container = await Container.create({ id: 'lib-' + process.pid, bundle, root, stdio: [0, out, 2] });
  fs.closeSync(out);
  await container.start();
  const { exitCode } = await container.wait();
  await container.delete({ force: true });
  process.stdout.write(JSON.stringify({ exitCode, output: fs.readFileSync(outFile, 'utf8'), nativeDir: nativeBuildDir() }));
})().catch((err) => { console.error(err.code, err.message); process.exit(1); });
`,
  );
  const lib = run(process.execPath, [script, bundle.dir, root, path.join(project, 'lib-out')], { cwd: project, env });
  assert.equal(lib.status, 0, lib.stderr);
  const report = JSON.parse(lib.stdout) as { exitCode: number; output: string; nativeDir: string };
  assert.deepEqual({ exitCode: report.exitCode, output: report.output }, { exitCode: 0, output: 'Hello World\n' });

  const cli = run(path.join(project, 'node_modules', '.bin', 'kapsel'), ['--root', root, 'run', '--bundle', bundle.dir, `cli-${process.pid}`], { cwd: project, env });
  assert.deepEqual(cli, { status: 0, stdout: 'Hello World\n', stderr: '' });
  fs.rmSync(root, { recursive: true, force: true });
  return path.relative(pkg, report.nativeDir);
}

test('installed with --ignore-scripts and no compiler on PATH: the prebuild runs a container, from the library and from `kapsel run`', { skip }, () => {
  const env = { ...process.env, PATH: bareBin };
  const found = COMPILERS.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { env }).status === 0);
  assert.deepEqual(found, [], 'no compiler, make or python3 on the PATH the install and the container get');
  const project = install('from-prebuild', ['--ignore-scripts'], env);
  assert.equal(fs.existsSync(path.join(project, 'node_modules', 'kapsel', 'build')), false, 'nothing was built');
  assert.equal(useInstalled(project, env), path.join('prebuilds', 'linux-x64'));
});

/**
 * The source build is the same C++ under every Node (one N-API addon): CI
 * runs it in one of its two whole-suite runs (KAPSEL_TEST_SOURCE_BUILD_ONCE
 * in the other, .ci/run), which keeps CI within its time.
 */
const skipSourceBuild = skip || (process.env.KAPSEL_TEST_SOURCE_BUILD_ONCE === '1' ? 'built from source in the other Node run of this CI (.ci/run)' : false);

test('installed with scripts and --build-from-source: the install script builds the native part (npm\'s node-gyp) and that runs', { skip: skipSourceBuild }, () => {
  const project = install('from-source', ['--build-from-source'], process.env);
  const pkg = path.join(project, 'node_modules', 'kapsel');
  assert.equal(fs.existsSync(path.join(pkg, 'node_modules', 'node-gyp')), false);
  assert.equal(fs.existsSync(path.join(project, 'node_modules', 'node-gyp')), false, 'node-gyp was not installed as a dependency');
  assert.ok(fs.existsSync(path.join(pkg, 'dist', 'node-path')), 'the install script recorded the node path');
  assert.ok(fs.existsSync(path.join(pkg, 'dist', 'lib', 'cli-bundle', 'kapsel.js.cache')), 'the install script made the code caches');
  assert.equal(useInstalled(project, process.env), path.join('build', 'Release'));
});

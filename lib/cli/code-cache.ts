/**
 * Loads the CLI's one-file bundle (scripts/build-cli-bundle.js) with a V8
 * code cache: the bytecode of the functions a build-time warm-up ran
 * (scripts/build-cli-cache.js), so that a CLI call neither parses nor
 * compiles them again. Node 20 has no module.enableCompileCache; this is
 * the same mechanism by hand, through vm.Script's cachedData.
 *
 * V8 checks a cache against its own version, its flags and the source's
 * length only, so the cache file starts with a header line naming the
 * bundle it was made from (its size and build stamp: bundleStamp) and the
 * Node version and architecture. Not the bundle's mtime: an npm install
 * or a copy gives files new times, and a cache that still matched
 * would be thrown away. A cache that does not match, or that V8 rejects, is
 * ignored: the bundle then compiles as any script (never an error). So is
 * a cache that someone who cannot change the bundle could have written
 * (cacheTrusted): its bytecode would run as the CLI's user.
 *
 * Imports are `import x = require()`: plain requires, no tslib helper for
 * the one module every CLI call loads before the bundle.
 */
import fs = require('node:fs');
import path = require('node:path');
import vm = require('node:vm');

const MAGIC = 'kapsel-code-cache/2';

/** The first line of a stamped bundle: "// kapsel-build <sha256 of the rest>". */
const STAMP_LINE = /^\/\/ kapsel-build ([0-9a-f]{64})\n/;

function sha256(text: string): string {
  // Loaded only here (it is costly to load: ~1 ms), for an unstamped bundle or at build time.
  return (require('node:crypto') as typeof import('node:crypto')).createHash('sha256').update(text).digest('hex');
}

/**
 * `source` with a build stamp as its first line: the hash of the rest (an
 * earlier stamp is replaced). scripts/build-cli-bundle.js stamps every file
 * it makes to be loaded with a code cache.
 */
export function stampSource(source: string): string {
  const body = source.replace(STAMP_LINE, '');
  return `// kapsel-build ${sha256(body)}\n${body}`;
}

/**
 * The identity of a bundle's text: its build stamp, read from its first
 * line; for a file the build did not stamp, the hash of its text.
 */
export function bundleStamp(source: string): string {
  return STAMP_LINE.exec(source)?.[1] ?? sha256(source);
}

/** The CommonJS module wrapper, as Node's own loader passes it. */
type ModuleWrapper = (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;

/** A compiled bundle, ready to run. */
export interface CompiledBundle {
  file: string;
  /** The code cache file given to V8 (whether it existed or not); writeCodeCache writes it. */
  cacheFile: string;
  /** The bundle file as it was read (whose owner and mode the cache's must match). */
  stat: fs.BigIntStats;
  /** The bundle's build stamp (bundleStamp): the cache's header names it. */
  stamp: string;
  script: vm.Script;
  /** Whether a code cache was given to V8 and accepted. */
  cacheAccepted: boolean;
}

/**
 * Where a code cache of `bundle` lives: next to it. A bundle may have
 * several, each made by another warm-up (`variant`); the caller picks one.
 */
export function cachePath(bundle: string, variant?: string): string {
  return variant ? `${bundle}.${variant}.cache` : `${bundle}.cache`;
}

/** The header line that ties a cache to one bundle text and one Node binary. */
function header(bundle: { stat: fs.BigIntStats; stamp: string }): string {
  return `${MAGIC} size=${bundle.stat.size} stamp=${bundle.stamp} node=${process.version} arch=${process.arch}\n`;
}

/**
 * Whether a cache file (`cache`, fstat'ed through the fd it is read from)
 * is as trusted as the bundle (`bundle`) it goes with. V8 runs whatever
 * bytecode a cache holds once its header and the source's length match,
 * so whoever can write the cache can run code in every CLI call, as root
 * when root runs it. So the cache must be a regular file owned by the
 * bundle's owner (or by root, who can write the bundle anyway), and
 * writable by a group or by others only where the bundle is too: a cache
 * left writable by someone who cannot change the bundle is refused.
 */
export function cacheTrusted(cache: Pick<fs.Stats, 'uid' | 'gid' | 'mode' | 'isFile'>, bundle: Pick<fs.Stats, 'uid' | 'gid' | 'mode'>): boolean {
  if (!cache.isFile()) return false;
  if (cache.uid !== bundle.uid && cache.uid !== 0) return false;
  if (cache.mode & 0o002 && !(bundle.mode & 0o002)) return false;
  if (cache.mode & 0o020 && !(bundle.mode & 0o002) && !(bundle.mode & 0o020 && bundle.gid === cache.gid)) return false;
  return true;
}

/** The cache's V8 data if it is trusted as the bundle is (`bundleStat`) and its header matches `expected`, else undefined. */
function readCache(file: string, expected: string, bundleStat: fs.BigIntStats): Buffer | undefined {
  let data: Buffer;
  let fd: number | undefined;
  try {
    // Non-blocking: a fifo planted in its place must not stall the CLI.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const st = fs.fstatSync(fd);
    const bundle = { uid: Number(bundleStat.uid), gid: Number(bundleStat.gid), mode: Number(bundleStat.mode) };
    if (!cacheTrusted(st, bundle)) return undefined;
    data = fs.readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  const end = data.indexOf(10);
  if (end < 0 || data.toString('latin1', 0, end + 1) !== expected) return undefined;
  return data.subarray(end + 1);
}

/** The bundle's text and identity, read through one fd so that both describe the same file. */
function readBundle(file: string): { source: string; stat: fs.BigIntStats } {
  const fd = fs.openSync(file, 'r');
  try {
    return { stat: fs.fstatSync(fd, { bigint: true }), source: fs.readFileSync(fd, 'utf8') };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Compiles `file` (a CommonJS bundle) in this context, with its code cache
 * `cacheFile` when that matches. Throws ENOENT when the bundle does not exist.
 */
export function compileBundle(file: string, cacheFile: string = cachePath(file)): CompiledBundle {
  const { source, stat } = readBundle(file);
  const stamp = bundleStamp(source);
  const cachedData = readCache(cacheFile, header({ stat, stamp }), stat);
  // The same wrapper as Node's CommonJS loader, so that the bundle sees
  // exports, require, module, __filename and __dirname as it would there.
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n})`;
  const script = new vm.Script(wrapped, { filename: file, cachedData });
  return { file, cacheFile, stat, stamp, script, cacheAccepted: cachedData !== undefined && !script.cachedDataRejected };
}

/**
 * Runs a compiled bundle as a CommonJS module and returns its exports.
 * `require` resolves as it would from the bundle's directory: it must be
 * the require of a module in a sibling directory (same node_modules).
 */
export function runBundle(bundle: CompiledBundle, require: NodeJS.Require): unknown {
  const wrapper = bundle.script.runInThisContext() as ModuleWrapper;
  const module = { exports: {} };
  wrapper.call(module.exports, module.exports, require, module, bundle.file, path.dirname(bundle.file));
  return module.exports;
}

/** The bundles required in this process, by path, with their exports. */
const loaded = new Map<string, { bundle: CompiledBundle; exports: unknown }>();

/**
 * Requires a bundle file once per process (as Node's require would):
 * compiled with its code cache, run, its exports kept. The CLI bundle
 * requires its big, rarely needed parts (the validators) through this too,
 * each a file with its own cache, so that commands that do not use them
 * neither read nor deserialize them.
 */
export function requireBundle(file: string, require: NodeJS.Require, cacheFile?: string): unknown {
  let entry = loaded.get(file);
  if (!entry) {
    const bundle = compileBundle(file, cacheFile);
    entry = { bundle, exports: runBundle(bundle, require) };
    loaded.set(file, entry);
  }
  return entry.exports;
}

/** The bundles requireBundle loaded in this process (what scripts/build-cli-cache.js saves). */
export function loadedBundles(): CompiledBundle[] {
  return [...loaded.values()].map((entry) => entry.bundle);
}

/**
 * Writes the code cache of a bundle that has run (its functions compiled
 * so far are in it), atomically: CLI calls running at the same time read
 * the old cache or the new one, never half of one.
 */
export function writeCodeCache(bundle: CompiledBundle): number {
  const data = bundle.script.createCachedData();
  const target = bundle.cacheFile;
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    // The header names the bundle as it was compiled: had the file changed
    // since, the cache does not match it and is ignored.
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(header(bundle), 'latin1'), data]));
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  return data.length;
}

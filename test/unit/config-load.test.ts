import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BundleError, InvalidConfigError } from '../../lib/errors';
import { loadBundle } from '../../lib/config/load';
import { defaultSpec } from '../../lib/config/default-spec';
import { describeJsonError, jsonErrorOffset, lineColumn } from '../../lib/config/json-error';

// realpath: os.tmpdir() may itself be behind a symlink, and loadBundle returns real paths.
const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-config-load-')));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

let counter = 0;

/** Creates a bundle directory with the given config (object or raw text) and, by default, a rootfs. */
function makeBundle(config: unknown = defaultSpec({ rootless: false, cgroupNamespace: false }), rootfs: string | null = 'rootfs'): string {
  const dir = path.join(tmp, `bundle-${++counter}`);
  fs.mkdirSync(dir);
  if (config !== null) {
    fs.writeFileSync(path.join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  }
  if (rootfs !== null) fs.mkdirSync(path.join(dir, rootfs), { recursive: true });
  return dir;
}

function withRoot(rootPath: string): unknown {
  const s = defaultSpec({ rootless: false, cgroupNamespace: false });
  s.root = { path: rootPath };
  return s;
}

function bundleError(fn: () => unknown, expectedPath: string, message: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof BundleError, `expected BundleError, got ${String(err)}`);
    assert.equal(err.code, 'ERR_BUNDLE');
    assert.equal(err.path, expectedPath);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

test('loads a bundle: absolute bundle, validated config, rootfs resolved against the bundle', () => {
  const dir = makeBundle();
  const loaded = loadBundle(dir);
  assert.equal(loaded.bundle, dir);
  assert.equal(loaded.rootfs, path.join(dir, 'rootfs'));
  assert.equal(loaded.config.process?.args?.[0], 'sh');
  assert.equal(loaded.config.hostname, 'kapsel');
});

test('a relative bundle path is made absolute', () => {
  const dir = makeBundle();
  const loaded = loadBundle(path.relative(process.cwd(), dir));
  assert.equal(loaded.bundle, dir);
  assert.ok(path.isAbsolute(loaded.rootfs));
});

test('a trailing slash and "." segments in the bundle path are normalized', () => {
  const dir = makeBundle();
  assert.equal(loadBundle(`${dir}/./`).bundle, dir);
});

test('a bundle reached through a symlink is returned as its real path', () => {
  const dir = makeBundle();
  const link = path.join(tmp, `link-${++counter}`);
  fs.symlinkSync(dir, link);
  const loaded = loadBundle(link);
  assert.equal(loaded.bundle, dir);
  assert.equal(loaded.rootfs, path.join(dir, 'rootfs'));
});

test('a nested relative root.path is resolved against the bundle, not the cwd', () => {
  const dir = makeBundle(withRoot('images/alpine/rootfs'), 'images/alpine/rootfs');
  assert.equal(loadBundle(dir).rootfs, path.join(dir, 'images/alpine/rootfs'));
});

test('root.path "./rootfs" and "rootfs/" resolve to the same directory', () => {
  for (const p of ['./rootfs', 'rootfs/']) {
    const dir = makeBundle(withRoot(p));
    assert.equal(loadBundle(dir).rootfs, path.join(dir, 'rootfs'));
  }
});

test('an absolute root.path is kept', () => {
  const elsewhere = path.join(tmp, `elsewhere-${++counter}`);
  fs.mkdirSync(elsewhere);
  const dir = makeBundle(withRoot(elsewhere), null);
  assert.equal(loadBundle(dir).rootfs, elsewhere);
});

test('a symlinked rootfs is returned as its real path', () => {
  const real = path.join(tmp, `realroot-${++counter}`);
  fs.mkdirSync(real);
  const dir = makeBundle(undefined, null);
  fs.symlinkSync(real, path.join(dir, 'rootfs'));
  assert.equal(loadBundle(dir).rootfs, real);
});

test('missing bundle directory: BundleError naming the bundle', () => {
  const missing = path.join(tmp, 'does-not-exist');
  bundleError(() => loadBundle(missing), missing, `bundle ${missing}: no such file or directory`);
});

test('bundle path is a file: BundleError "not a directory"', () => {
  const file = path.join(tmp, `file-${++counter}`);
  fs.writeFileSync(file, '');
  bundleError(() => loadBundle(file), file, `bundle ${file}: not a directory`);
});

test('missing config.json: BundleError "open <path>: no such file or directory"', () => {
  const dir = makeBundle(null);
  const file = path.join(dir, 'config.json');
  bundleError(() => loadBundle(dir), file, `open ${file}: no such file or directory`);
});

test('config.json is a directory: BundleError naming it', () => {
  const dir = makeBundle(null);
  const file = path.join(dir, 'config.json');
  fs.mkdirSync(file);
  bundleError(() => loadBundle(dir), file, `read ${file}: is a directory`);
});

test('invalid JSON: InvalidConfigError at "/" with line, column and position', () => {
  const dir = makeBundle('{\n  "ociVersion": "1.0.2",\n  "root": }\n');
  assert.throws(
    () => loadBundle(dir),
    (err: unknown) => {
      assert.ok(err instanceof InvalidConfigError);
      assert.equal(err.jsonPath, '/');
      assert.equal(err.problem, 'invalid JSON: unexpected "}" at line 3, column 11 (position 37)');
      return true;
    },
  );
});

test('empty config.json: invalid JSON, unexpected end of input', () => {
  const dir = makeBundle('');
  assert.throws(() => loadBundle(dir), {
    jsonPath: '/',
    problem: 'invalid JSON: unexpected end of input at line 1, column 1 (position 0)',
  });
});

test('truncated config.json: unexpected end of input at the end', () => {
  const text = '{"ociVersion": "1.0.2"';
  const dir = makeBundle(text);
  assert.throws(() => loadBundle(dir), { jsonPath: '/', problem: `invalid JSON: unexpected end of input at line 1, column 23 (position ${text.length})` });
});

test('config.json with the wrong type: InvalidConfigError with the JSON path', () => {
  const s = defaultSpec({ rootless: false, cgroupNamespace: false }) as unknown as { process: { args: unknown } };
  s.process.args = 'sh';
  const dir = makeBundle(s);
  assert.throws(() => loadBundle(dir), (err: unknown) => {
    assert.ok(err instanceof InvalidConfigError);
    assert.equal(err.jsonPath, '/process/args');
    assert.equal(err.message, 'invalid config.json: /process/args: must be array');
    return true;
  });
});

test('config.json that is not an object: InvalidConfigError at "/"', () => {
  const dir = makeBundle('[]');
  assert.throws(() => loadBundle(dir), { jsonPath: '/', problem: 'must be object' });
});

test('missing rootfs: BundleError naming the rootfs path', () => {
  const dir = makeBundle(undefined, null);
  const rootfs = path.join(dir, 'rootfs');
  bundleError(() => loadBundle(dir), rootfs, `rootfs ${rootfs}: no such file or directory`);
});

test('missing absolute rootfs: BundleError naming it', () => {
  const rootfs = path.join(tmp, 'no-such-rootfs');
  const dir = makeBundle(withRoot(rootfs), null);
  bundleError(() => loadBundle(dir), rootfs, `rootfs ${rootfs}: no such file or directory`);
});

test('rootfs is a file: BundleError "not a directory"', () => {
  const dir = makeBundle(undefined, null);
  const rootfs = path.join(dir, 'rootfs');
  fs.writeFileSync(rootfs, '');
  bundleError(() => loadBundle(dir), rootfs, `rootfs ${rootfs}: not a directory`);
});

test('rootfs is a dangling symlink: BundleError naming it', () => {
  const dir = makeBundle(undefined, null);
  const rootfs = path.join(dir, 'rootfs');
  fs.symlinkSync(path.join(tmp, 'nowhere'), rootfs);
  bundleError(() => loadBundle(dir), rootfs, /no such file or directory/);
});

test('jsonErrorOffset: -1 for valid JSON', () => {
  for (const text of ['{}', '[]', ' 1 ', '-0.5e+3', '"a\\u00e9\\n"', 'true', 'null', '{"a":[1,{"b":false}],"c":"\\\\"}']) {
    assert.equal(jsonErrorOffset(text), -1, text);
  }
});

test('jsonErrorOffset agrees with V8 wherever V8 reports a position', () => {
  const samples = [
    '{"a":1',
    '{"a":1}}',
    '{a:1}',
    '{"a":"x\ny"}',
    '{"a" 1}',
    '[1 2]',
    '{"a":01}',
    '{"a":1.}',
    '{"a":"\\x"}',
    '{"a":"\\u12G4"}',
    '[1,]',
    '{"a":1,}',
    '  {"a": tru}',
    '{"a":-}',
    '\ufeff{}',
  ];
  let compared = 0;
  for (const text of samples) {
    const offset = jsonErrorOffset(text);
    assert.ok(offset >= 0, `no error found in ${JSON.stringify(text)}`);
    try {
      JSON.parse(text);
      assert.fail(`V8 accepted ${JSON.stringify(text)}`);
    } catch (err) {
      const m = /at position (\d+)/.exec((err as Error).message);
      if (m) {
        assert.equal(offset, Number(m[1]), `${JSON.stringify(text)}: ${(err as Error).message}`);
        compared++;
      }
    }
  }
  assert.ok(compared >= 5, `only ${compared} samples had a V8 position`);
});

test('lineColumn and describeJsonError', () => {
  assert.deepEqual(lineColumn('ab\ncd', 0), { line: 1, column: 1 });
  assert.deepEqual(lineColumn('ab\ncd', 4), { line: 2, column: 2 });
  assert.equal(describeJsonError('[1,]', 'fallback'), 'unexpected "]" at line 1, column 4 (position 3)');
  assert.equal(describeJsonError('[1]', 'fallback'), 'fallback');
});

/**
 * Where lib/native/addon.ts finds the native part (the addon and the init
 * helper): a local build first, then the package's prebuild for this
 * platform; and the typed error, saying what to run and what that needs,
 * when there is neither. Against package roots made here, not the real one.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NativeMissingError } from '../../lib/errors';
import { ADDON_FILE, findNativeDir, INIT_HELPER_FILE } from '../../lib/native/addon';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-native-lookup-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const PREBUILD = path.join('prebuilds', `${process.platform}-${process.arch}`);
let count = 0;

/** A package root holding, in each of `dirs`, the files named there. */
function packageRoot(dirs: Record<string, string[]>): string {
  const root = path.join(tmp, `root${count++}`);
  for (const [dir, files] of Object.entries(dirs)) {
    fs.mkdirSync(path.join(root, dir), { recursive: true });
    for (const file of files) fs.writeFileSync(path.join(root, dir, file), '');
  }
  fs.mkdirSync(root, { recursive: true });
  return root;
}

const BOTH = [ADDON_FILE, INIT_HELPER_FILE];

test('a local build (build/Release) comes before the prebuild, as node-gyp-build looks', () => {
  const root = packageRoot({ 'build/Release': BOTH, [PREBUILD]: BOTH });
  assert.equal(findNativeDir(root), path.join(root, 'build', 'Release'));
});

test('without a local build the prebuild for this platform and architecture is used', () => {
  const root = packageRoot({ [PREBUILD]: BOTH });
  assert.equal(findNativeDir(root), path.join(root, PREBUILD));
});

test('a build with only half of the native part (a failed build) is passed over: addon and helper come from one place', () => {
  const root = packageRoot({ 'build/Release': [ADDON_FILE], [PREBUILD]: BOTH });
  assert.equal(findNativeDir(root), path.join(root, PREBUILD));
});

test('a prebuild for another platform is not used', () => {
  const root = packageRoot({ 'prebuilds/linux-arm64-not-this-one': BOTH, 'build/Release': [INIT_HELPER_FILE] });
  assert.throws(() => findNativeDir(root), NativeMissingError);
});

test('neither: a NativeMissingError saying what is missing, what to run and what the build needs', () => {
  const root = packageRoot({});
  assert.throws(
    () => findNativeDir(root),
    (err: unknown) => {
      assert.ok(err instanceof NativeMissingError);
      assert.equal(err.code, 'ERR_NATIVE_MISSING');
      assert.equal(err.name, 'NativeMissingError');
      assert.match(err.message, new RegExp(`no prebuild for ${process.platform}-${process.arch}`));
      assert.match(err.message, /`npm rebuild kapsel`/);
      assert.match(err.message, new RegExp(`npx node-gyp rebuild\` in ${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      for (const need of ['compiler', 'python3', 'make', 'glibc-static']) assert.ok(err.message.includes(need), `${need} in: ${err.message}`);
      return true;
    },
  );
});

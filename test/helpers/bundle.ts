/**
 * Test bundles: a temporary directory holding config.json (from
 * defaultSpec, with the probe as the process) and a minimal rootfs with the
 * static fixtures (/probe, /hello-world) and an /etc/passwd and /etc/group.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultSpec } from '../../lib/config/default-spec';
import type { Spec } from '../../lib/config/types';
import { tempDir } from './tmp';

/** The repository root, from dist/test/helpers. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
/** Where scripts/build-fixtures.js puts the static fixtures. */
export const FIXTURES_BIN = path.join(REPO_ROOT, 'test', 'fixtures', 'bin');

/** Container user used by the tests that drop privileges (see PASSWD). */
export const TEST_USER = { uid: 1000, gid: 1000, home: '/home/user' };

const PASSWD = `root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:${TEST_USER.home}:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n`;
const GROUP = 'root:x:0:\nuser:x:1000:\nnobody:x:65534:\n';

export interface Owner {
  uid: number;
  gid: number;
}

export interface BundleOptions {
  /** Start from the `spec --rootless` config (user namespace mapping the owner, or the caller, to root). */
  rootless?: boolean;
  /** chown the whole bundle to this user (rootless runs by that user). */
  owner?: Owner;
  /**
   * Changes to the spec before config.json is first written; the rootfs
   * (with the fixtures and /etc) already exists, to add files to it.
   */
  edit?: (spec: Spec, paths: { dir: string; rootfs: string }) => void;
}

export interface Bundle {
  /** The bundle directory. */
  dir: string;
  /** Its rootfs directory. */
  rootfs: string;
  /** The config; after changing it, call write(). */
  config: Spec;
  /** (Re)writes config.json from `config`. */
  write(): void;
  /** Removes the bundle directory. */
  cleanup(): void;
}

/**
 * A skip reason when the static fixture `name` has not been built, else
 * false: a test without its fixture skips and says why, instead of failing
 * somewhere less clear (or, for a spawned fixture, leaving a child with no
 * pid behind; see test/helpers/child.ts).
 */
export function missingFixture(name: string): string | false {
  const source = path.join(FIXTURES_BIN, name);
  return fs.existsSync(source) ? false : `${source} is missing: run "node scripts/build-fixtures.js" first`;
}

function copyFixture(name: string, rootfs: string): void {
  const source = path.join(FIXTURES_BIN, name);
  const missing = missingFixture(name);
  if (missing) throw new Error(missing);
  fs.copyFileSync(source, path.join(rootfs, name));
  fs.chmodSync(path.join(rootfs, name), 0o755);
}

/** Bundle options that add the cgroup probe (test/fixtures/cgprobe.c) at /cgprobe, then apply `edit`. */
export function withCgprobe(edit?: (spec: Spec) => void): BundleOptions {
  return {
    edit(spec, { rootfs }) {
      copyFixture('cgprobe', rootfs);
      edit?.(spec);
    },
  };
}

function chownTree(p: string, owner: Owner): void {
  fs.lchownSync(p, owner.uid, owner.gid);
  if (fs.lstatSync(p).isDirectory()) {
    for (const entry of fs.readdirSync(p)) chownTree(path.join(p, entry), owner);
  }
}

/** A Bundle for a directory someone else made (the rootless runners get it from the test). */
export function existingBundle(dir: string): Bundle {
  const configPath = path.join(dir, 'config.json');
  const bundle: Bundle = {
    dir,
    rootfs: path.join(dir, 'rootfs'),
    config: JSON.parse(fs.readFileSync(configPath, 'utf8')) as Spec,
    write() {
      fs.writeFileSync(configPath, JSON.stringify(bundle.config, null, 2));
    },
    cleanup() {
      // its maker removes it
    },
  };
  return bundle;
}

export function makeBundle(opts: BundleOptions = {}): Bundle {
  const dir = tempDir('bundle');
  // mkdtemp makes a 0700 directory: the rootless tests' user must get in.
  fs.chmodSync(dir, 0o755);
  const rootfs = path.join(dir, 'rootfs');
  fs.mkdirSync(path.join(rootfs, 'etc'), { recursive: true });
  copyFixture('probe', rootfs);
  copyFixture('hello-world', rootfs);
  fs.writeFileSync(path.join(rootfs, 'etc', 'passwd'), PASSWD);
  fs.writeFileSync(path.join(rootfs, 'etc', 'group'), GROUP);

  const config = defaultSpec({ rootless: opts.rootless ?? false, uid: opts.owner?.uid, gid: opts.owner?.gid });
  config.process!.terminal = false;
  config.process!.args = ['/probe', 'report'];
  opts.edit?.(config, { dir, rootfs });

  const bundle: Bundle = {
    dir,
    rootfs,
    config,
    write() {
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(bundle.config, null, 2));
      if (opts.owner) fs.lchownSync(path.join(dir, 'config.json'), opts.owner.uid, opts.owner.gid);
    },
    cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  bundle.write();
  if (opts.owner) chownTree(dir, opts.owner);
  return bundle;
}

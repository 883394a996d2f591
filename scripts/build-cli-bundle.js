#!/usr/bin/env node
// Bundles the command line (dist/lib/cli/main.js and everything it may
// require: the container layer, the precompiled validators, ajv's runtime
// helpers) into one file, dist/lib/cli-bundle/kapsel.js, which
// dist/lib/cli/start.js loads with a V8 code cache (scripts/build-cli-cache.js).
// One file instead of ~40 is what makes a CLI call cheap: each module costs
// a path resolution (package.json lookups, stat, realpath), a read and a
// compile. The modules' lazy requires stay lazy (esbuild wraps each module
// in a function run on first require). The unbundled dist/ is untouched:
// the library's `import` and the tests use it.
//
// Runs after tsc and scripts/build-validators.js (it bundles their output);
// needs esbuild, a devDependency. KAPSEL_CLI_BUNDLE_READABLE=1 leaves the
// code unminified (readable names and lines in a --cpu-prof profile).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const repo = path.resolve(__dirname, '..');
const dist = path.join(repo, 'dist', 'lib');
const outfile = path.join(dist, 'cli-bundle', 'kapsel.js');

// ajv itself is only the fallback when the precompiled validators are
// missing (lib/config/validate.ts): left to Node's require, not bundled.
// Its runtime helpers, which the generated validators import
// (ajv/dist/runtime/...), are bundled.
const ajvOutside = {
  name: 'ajv-outside',
  setup(build) {
    build.onResolve({ filter: /^ajv$/ }, () => ({ path: 'ajv', external: true }));
  },
};

// tsc's helpers (importHelpers), with __importStar's namespaces shared.
const tslibShared = {
  name: 'tslib-shared-namespaces',
  setup(build) {
    build.onResolve({ filter: /^tslib$/ }, () => ({ path: path.join(__dirname, 'cli-bundle', 'tslib.js') }));
  },
};

// Node built-ins that are costly to load (not in Node's start-up snapshot:
// child_process pulls in net and the streams, ~1.1 ms) and that only some
// paths use (hooks, newuidmap, ps; seccomp's profile hash; net for the
// sockets of piped stdio, which the CLI never asks for): the bundle
// gets a stand-in whose properties load the real module on first use.
// The modules read them at call time (tsc compiles `import { spawn }` to
// `child_process_1.spawn(...)`), so nothing else changes.
const LAZY_BUILTINS = ['child_process', 'crypto', 'net'];
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(build) {
    const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.join('|')})$`);
    build.onResolve({ filter }, (args) =>
      // The stand-in's own require is of the real module.
      args.namespace === 'lazy-builtin' ? { path: args.path, external: true } : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' },
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => {
      const names = Object.keys(require(args.path));
      const getters = names.map((name) => `  get ${JSON.stringify(name)}() { return load()[${JSON.stringify(name)}]; },`);
      return {
        contents:
          `let real;\nconst load = () => real || (real = require(${JSON.stringify(`node:${args.path}`)}));\n` +
          `module.exports = {\n${getters.join('\n')}\n};\n`,
        loader: 'js',
      };
    });
  },
};

// The precompiled validators (dist/lib/config/generated/, ~60% of the
// CLI's code) are needed by create, run and plan only: the bundle does not
// hold them but requires them, each with its own code cache, when
// lib/config/validate.ts asks for one. Commands that do not validate a
// config neither read nor deserialize them. They are the library's own
// files (one copy in the package), stamped below like the bundle. The
// bundle's require is that of dist/lib/cli/start.js, so "./code-cache" is
// the loader start.js itself uses, and the validators' own requires
// (ajv/dist/runtime/...) resolve from there.
const GENERATED = path.join(dist, 'config', 'generated');
const splitValidators = {
  name: 'split-validators',
  setup(build) {
    build.onLoad({ filter: /[\\/]config[\\/]generated[\\/][^\\/]+-validator\.js$/ }, (args) => {
      return {
        contents:
          `module.exports = require("./code-cache").requireBundle(` +
          `require("node:path").join(__dirname, ${JSON.stringify(path.relative(path.dirname(outfile), args.path))}), require);\n`,
        loader: 'js',
        resolveDir: path.dirname(outfile),
      };
    });
    build.onResolve({ filter: /^\.\/code-cache$/ }, (args) => ({ path: args.path, external: true }));
  },
};

/** Writes `text` to `file` atomically (CLI calls may be reading it). */
function writeAtomically(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

async function main() {
  const result = await esbuild.build({
    entryPoints: [path.join(dist, 'cli', 'main.js')],
    outfile,
    bundle: true,
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    format: 'cjs',
    // Less than half the size: less to read, less to pre-parse.
    minify: !process.env.KAPSEL_CLI_BUNDLE_READABLE,
    // Errors take their name from their class (errors.ts: new.target.name).
    keepNames: true,
    plugins: [ajvOutside, tslibShared, lazyBuiltins, splitValidators],
    metafile: true,
    absWorkingDir: repo,
    // Written below, once checked.
    write: false,
    logLevel: 'warning',
  });

  // __dirname in the bundle is the bundle's directory: a module that finds
  // files from its own __dirname (or __filename) must sit at the bundle's
  // depth below dist/ (dist/lib/<dir>/), or it would look in the wrong place.
  const depth = (file) => path.relative(dist, path.dirname(file)).split(path.sep).length;
  for (const input of Object.keys(result.metafile.inputs)) {
    const file = path.resolve(repo, input);
    if (!file.startsWith(dist + path.sep)) continue;
    if (/__dirname|__filename/.test(fs.readFileSync(file, 'utf8')) && depth(file) !== depth(outfile)) {
      console.error(`build-cli-bundle: ${input} uses __dirname or __filename at another depth than ${path.relative(repo, outfile)}`);
      process.exit(1);
    }
  }
  // Each file loaded with a code cache gets its build stamp as its first
  // line (lib/cli/code-cache.ts: a cache names the stamp of the text it was
  // made from), and dist/lib/cli/build-stamp.js, which tsc writes with a
  // placeholder, gets the bundle's: start.js runs the bundle only when the
  // two agree (lib/cli/build-stamp.ts).
  const { stampSource, bundleStamp } = require(path.join(dist, 'cli', 'code-cache.js'));
  for (const name of fs.readdirSync(GENERATED).filter((file) => file.endsWith('-validator.js'))) {
    const file = path.join(GENERATED, name);
    writeAtomically(file, stampSource(fs.readFileSync(file, 'utf8')));
  }
  const [bundle] = result.outputFiles;
  const stamped = stampSource(bundle.text);
  const stampFile = path.join(dist, 'cli', 'build-stamp.js');
  const placeholder = /^exports\.BUILD_STAMP = '[^']*';$/m;
  const stampModule = fs.readFileSync(stampFile, 'utf8');
  if (!placeholder.test(stampModule)) {
    console.error(`build-cli-bundle: ${path.relative(repo, stampFile)} does not set BUILD_STAMP as expected`);
    process.exit(1);
  }
  // The bundle first: a CLI call in between sees a stamp that does not match yet and runs main.js.
  writeAtomically(outfile, stamped);
  writeAtomically(stampFile, stampModule.replace(placeholder, `exports.BUILD_STAMP = '${bundleStamp(stamped)}';`));
  // Validators of an earlier layout (copies in cli-bundle/validators/) go.
  fs.rmSync(path.join(path.dirname(outfile), 'validators'), { recursive: true, force: true });
}

main().catch((err) => {
  console.error(`build-cli-bundle: ${err.message}`);
  process.exit(1);
});

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
// paths use (hooks, newuidmap, ps; seccomp's profile hash): the bundle
// gets a stand-in whose properties load the real module on first use.
// The modules read them at call time (tsc compiles `import { spawn }` to
// `child_process_1.spawn(...)`), so nothing else changes.
const LAZY_BUILTINS = ['child_process', 'crypto'];
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
// bundle's size) are needed by create, run and plan only: each is its own
// file under validators/, with its own code cache, which the bundle
// requires when lib/config/validate.ts asks for it. Commands that do not
// validate a config neither read nor deserialize them. The bundle's
// require is that of dist/lib/cli/start.js, so "./code-cache" is the
// loader start.js itself uses.
const GENERATED = path.join(dist, 'config', 'generated');
const validatorsDir = path.join(path.dirname(outfile), 'validators');
const splitValidators = {
  name: 'split-validators',
  setup(build) {
    build.onLoad({ filter: /[\\/]config[\\/]generated[\\/][^\\/]+-validator\.js$/ }, (args) => {
      const name = path.basename(args.path);
      return {
        contents:
          `module.exports = require("./code-cache").requireBundle(` +
          `require("node:path").join(__dirname, ${JSON.stringify(path.relative(path.dirname(outfile), path.join(validatorsDir, name)))}), require);\n`,
        loader: 'js',
        resolveDir: path.dirname(outfile),
      };
    });
    build.onResolve({ filter: /^\.\/code-cache$/ }, (args) => ({ path: args.path, external: true }));
  },
};

async function main() {
  const validators = fs.readdirSync(GENERATED).filter((name) => name.endsWith('-validator.js'));
  const validatorBuild = await esbuild.build({
    entryPoints: validators.map((name) => path.join(GENERATED, name)),
    outdir: validatorsDir,
    bundle: true,
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    format: 'cjs',
    minify: !process.env.KAPSEL_CLI_BUNDLE_READABLE,
    absWorkingDir: repo,
    write: false,
    logLevel: 'warning',
  });

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
  // Validators of an older build that no longer exist go too.
  fs.rmSync(validatorsDir, { recursive: true, force: true });
  for (const out of [...validatorBuild.outputFiles, ...result.outputFiles]) {
    fs.mkdirSync(path.dirname(out.path), { recursive: true });
    const tmp = `${out.path}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, out.contents);
    fs.renameSync(tmp, out.path);
  }
}

main().catch((err) => {
  console.error(`build-cli-bundle: ${err.message}`);
  process.exit(1);
});

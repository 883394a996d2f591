// tslib as the CLI bundle sees it (scripts/build-cli-bundle.js maps
// `require("tslib")` here): tslib itself, except that __importStar makes
// the namespace object of a CommonJS module once, not once per importing
// module. tsc compiles each `import * as fs from 'node:fs'` to
// __importStar(require('node:fs')), which copies every property of fs
// into a new object: ~130 such imports cost ~4 ms of every CLI call. The
// namespaces are read-only views (getters onto the module), so one shared
// per module reads exactly as one per importer.
'use strict';
const tslib = require('tslib/tslib.js');

const namespaces = new WeakMap();

function __importStar(mod) {
  if (mod === null || (typeof mod !== 'object' && typeof mod !== 'function') || mod.__esModule) return tslib.__importStar(mod);
  let namespace = namespaces.get(mod);
  if (namespace === undefined) {
    namespace = tslib.__importStar(mod);
    namespaces.set(mod, namespace);
  }
  return namespace;
}

module.exports = { ...tslib, __importStar };

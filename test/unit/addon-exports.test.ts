// The library's addon exports only what lib/ calls (issue 18, item 4): a
// function only tests use belongs to the test addon (test/helpers/test-addon.ts),
// so the addon every user loads carries no entry point nobody needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { native } from '../../lib/native/addon';
import { LIB, libSources } from '../helpers/lib-sources';

test('every function the library addon exports is called from lib/', () => {
  const code = libSources()
    .filter((file) => path.relative(LIB, file) !== path.join('native', 'addon.ts'))
    .map((file) => fs.readFileSync(file, 'utf8'))
    .join('\n');
  const exported = Object.keys(native()).filter((name) => typeof (native() as unknown as Record<string, unknown>)[name] === 'function');
  assert.ok(exported.length > 0);
  // A call through the addon object: native().name(...), or name: (...) => native().name in a table.
  const unused = exported.filter((name) => !new RegExp(`\\.${name}\\b`).test(code));
  assert.deepEqual(unused, [], 'exported by the library addon but called nowhere in lib/: move them to the test addon');
});

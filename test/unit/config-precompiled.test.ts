// The validators precompiled at build time (scripts/build-validators.js)
// must be what the schemas say: they answer like a fresh ajv compile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultSpec } from '../../lib/config';
import { createAjv, SCHEMAS } from '../../lib/config/validate';

const generated = path.resolve(__dirname, '..', '..', 'lib', 'config', 'generated');

test('every schema has a precompiled validator that agrees with ajv', () => {
  const good = defaultSpec({ rootless: false });
  const bad = { ...good, process: { ...good.process, args: 'sh' } };
  const badPath = { ...good, hooks: { poststop: [{ path: 'relative' }] } };
  for (const name of Object.keys(SCHEMAS) as (keyof typeof SCHEMAS)[]) {
    const file = path.join(generated, `${name}-validator.js`);
    assert.ok(fs.existsSync(file), `${file} is missing: run scripts/build-validators.js`);
  }
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const precompiled = require(path.join(generated, 'config-validator.js')) as (v: unknown) => boolean & { errors?: unknown };
  const compiled = createAjv().compile(SCHEMAS.config);
  for (const doc of [good, bad, badPath, {}, { ociVersion: '1.0.0', root: { path: 'r' } }]) {
    const a = precompiled(doc);
    const b = compiled(doc);
    assert.equal(a, b, JSON.stringify(doc).slice(0, 80));
    const errA = (precompiled as unknown as { errors?: { instancePath: string; keyword: string }[] }).errors?.[0];
    assert.deepEqual(errA && [errA.instancePath, errA.keyword], compiled.errors?.[0] && [compiled.errors[0].instancePath, compiled.errors[0].keyword]);
  }
});

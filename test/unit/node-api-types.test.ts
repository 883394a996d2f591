/**
 * The public types as a user compiles them: the type tests in test/types
 * (expect-type assertions, `await using`, the typed events, the short
 * forms, and calls that must NOT compile, each under @ts-expect-error)
 * are type-checked against the built declarations (dist/lib) with the
 * settings the README gives (test/types/tsconfig.json: TypeScript 5.9,
 * target and lib ES2022, @types/node, strict).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../helpers/bundle';
import { typecheck, typeTestFiles } from '../helpers/typecheck';

test('the type tests (test/types) compile: the public types are as documented, and wrong calls do not compile', () => {
  const files = typeTestFiles();
  assert.deepEqual(files.map((f) => path.basename(f)).sort(), ['lifecycle.ts', 'public-api.ts']);
  assert.deepEqual(typecheck(files), []);
});

test('the type check fails on a wrong expectation and on an expected error that is not there', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-types-'));
  try {
    const file = path.join(dir, 'wrong.ts');
    fs.writeFileSync(
      file,
      [
        "import { expectTypeOf } from 'expect-type';",
        "import { Container, type ExitStatus } from 'kapsel';",
        'expectTypeOf<ExitStatus>().toEqualTypeOf<{ exitCode: number; signal: string }>();',
        'export async function f(c: Container): Promise<void> {',
        '  // @ts-expect-error (wrongly: SIGTERM is a signal)',
        "  await c.kill('SIGTERM');",
        '}',
        '',
      ].join('\n'),
    );
    // expect-type resolves from the repository's node_modules: link it in.
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    const errors = typecheck([file]);
    assert.ok(errors.some((e) => e.startsWith('wrong.ts:3:')), errors.join('\n'));
    assert.ok(errors.some((e) => e.startsWith('wrong.ts:5:') && /Unused '@ts-expect-error' directive/.test(e)), errors.join('\n'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

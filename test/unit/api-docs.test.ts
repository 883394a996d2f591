/**
 * The API reference builds, and is complete: typedoc, run as `npm run docs`
 * runs it (typedoc.json: the package's two entries, kapsel and
 * kapsel/testing), reports no export or member without TSDoc, no
 * `{@link}` to nothing and no type the entries use but do not export; and
 * every link in the HTML it writes reaches a page and an anchor of the
 * reference. A failure lists each one by name (e.g. `kapsel.Container.kill
 * (CallSignature), defined in kapsel/lib/container/container.ts, does not
 * have any documentation`). The examples in the TSDoc compile against the published
 * types, as the README's snippets do (docs.test.ts).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../helpers/bundle';
import { brokenHtmlLinks, runTypedoc, tsdocExamples } from '../helpers/api-docs';
import { snippetModule, typecheck } from '../helpers/typecheck';

async function withTemp<T>(fn: (dir: string) => T | Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-api-docs-'));
  try {
    return await fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What the examples take as given: a container (`c`) obtained as another
 * example shows, and a config (`config`, or its text) read from somewhere.
 */
const EXAMPLE_PREAMBLE = "declare const c: import('kapsel').Container;\ndeclare const config: unknown;\ndeclare const text: string;";

// The typedoc runs are child processes: the tests overlap.
describe('the API reference', { concurrency: true }, () => {
  test('every public export and member has TSDoc, and the reference has no broken link', async () => {
    await withTemp(async (dir) => {
      const out = path.join(dir, 'api');
      const run = await runTypedoc(REPO_ROOT, out);
      assert.equal(run.problems.length, 0, `typedoc (npm run docs) reported ${run.problems.length} problems:\n${run.problems.join('\n')}`);
      assert.equal(run.status, 0, run.output);
      assert.ok(fs.existsSync(path.join(out, 'classes', 'kapsel.Container.html')), `no page for Container in ${out}`);
      assert.deepEqual(brokenHtmlLinks(out), []);
    });
  });

  test('the checks find an undocumented export, an undocumented member, a link to nothing, an unexported type and a broken HTML link', async () => {
    await withTemp(async (dir) => {
      // typedoc names files by their package (and reports an unexported type
      // only from a file of one), so the fixture is a package of its own.
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'fixture', version: '1.0.0' }));
      fs.writeFileSync(path.join(dir, 'hidden.ts'), 'export interface Hidden { a: number }\n');
      fs.writeFileSync(
        path.join(dir, 'index.ts'),
        [
          "import type { Hidden } from './hidden';",
          '/** Documented, but its field is not, and it links to {@link Nowhere}. */',
          'export interface Shown { field: string; hidden: Hidden }',
          'export function bare(): void {}',
          '',
        ].join('\n'),
      );
      fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, types: [] }, files: ['index.ts'] }));
      const config = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'typedoc.json'), 'utf8')) as Record<string, unknown>;
      fs.writeFileSync(path.join(dir, 'typedoc.json'), JSON.stringify({ ...config, entryPoints: ['index.ts'], tsconfig: 'tsconfig.json' }));
      const out = path.join(dir, 'api');
      const problems = (await runTypedoc(dir, out)).problems.join('\n');
      assert.match(problems, /bare \(CallSignature\), defined in fixture\/index\.ts, does not have any documentation/);
      assert.match(problems, /Shown\.field \(Property\).*does not have any documentation/);
      assert.match(problems, /Failed to resolve link to "Nowhere"/);
      assert.match(problems, /Hidden, defined in fixture\/hidden\.ts, is referenced by Shown\.hidden but not included in the documentation/);

      const page = fs.readdirSync(path.join(out, 'interfaces'))[0]!;
      fs.appendFileSync(path.join(out, 'interfaces', page), '<a href="../gone.html">x</a><a href="#no-such-anchor">y</a><a href="https://example.org/">z</a>');
      assert.deepEqual(brokenHtmlLinks(out), [`interfaces/${page}: ../gone.html: no such file`, `interfaces/${page}: #no-such-anchor: no anchor #no-such-anchor`]);
    });
  });

  test('the @example code of the TSDoc compiles against the published types', async () => {
    const examples = tsdocExamples(path.join(REPO_ROOT, 'lib'));
    // create, run, load, plan, start, exec, kill, delete, validateConfig (both forms), conformance, KapselError
    assert.ok(examples.length >= 12, `only ${examples.length} examples found`);
    await withTemp((dir) => {
      const files = examples.map((e, i) => {
        const file = path.join(dir, `${path.basename(e.file, '.ts')}-line-${e.line}.ts`);
        fs.writeFileSync(file, snippetModule(e.code, `example${i}`, EXAMPLE_PREAMBLE));
        return file;
      });
      assert.deepEqual(typecheck(files), [], 'TSDoc examples (file names give the source file and the line of the fence)');
    });
  });
});

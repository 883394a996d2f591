/**
 * The user docs (README.md, SECURITY.md, docs/*.md) stay a front door that
 * works: every relative link reaches a file of the repository (and a
 * heading, when it names an anchor), the README stays short, no work-log
 * references (issue numbers, dated entries) leak into them, and the
 * README's TypeScript snippets compile against the library's published
 * types (dist/lib/index.d.ts), so that a snippet cannot drift from the API.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../helpers/bundle';
import { anchorsOf, brokenLinks, codeBlocks, linkTargets } from '../helpers/markdown';
import { snippetModule } from '../helpers/typecheck';

const README = path.join(REPO_ROOT, 'README.md');
const README_MAX_LINES = 250;

function userDocs(): string[] {
  const docsDir = path.join(REPO_ROOT, 'docs');
  const docs = fs
    .readdirSync(docsDir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => path.join(docsDir, f));
  return [README, path.join(REPO_ROOT, 'SECURITY.md'), ...docs];
}

function rel(file: string): string {
  return path.relative(REPO_ROOT, file);
}

test('the user docs exist: README.md, SECURITY.md and docs/*.md', () => {
  const names = userDocs().map(rel);
  for (const name of ['README.md', 'SECURITY.md', 'docs/architecture.md', 'docs/security.md', 'docs/performance.md', 'docs/engines.md', 'docs/decisions.md', 'docs/compatibility.md']) {
    assert.ok(names.includes(name) && fs.existsSync(path.join(REPO_ROOT, name)), `${name} is missing`);
  }
});

test('every relative link in the user docs resolves inside the repository, anchors included', () => {
  const problems = userDocs().flatMap((file) => brokenLinks(file, REPO_ROOT).map((p) => `${rel(file)}: ${p}`));
  assert.deepEqual(problems, []);
});

test('the README links into every page of docs/', () => {
  const linked = new Set(linkTargets(fs.readFileSync(README, 'utf8')).map((t) => t.split('#')[0]));
  const pages = userDocs().filter((f) => path.dirname(f) === path.join(REPO_ROOT, 'docs')).map(rel);
  assert.deepEqual(pages.filter((p) => !linked.has(p)), []);
});

test('the link check itself finds a missing file, a missing anchor and a path outside the repository', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-docs-'));
  try {
    fs.writeFileSync(path.join(dir, 'other.md'), '# Other page\n\n## A `code` heading\n');
    const page = path.join(dir, 'page.md');
    fs.writeFileSync(
      page,
      [
        '# Page',
        '[good](other.md#a-code-heading) [self](#page) [web](https://example.org/x.md)',
        '[gone](missing.md) [bad anchor](other.md#nope) [out](../outside.md)',
        '`[in code](not-a-link.md)`',
        '```',
        '[in a block](not-a-link-either.md)',
        '```',
      ].join('\n'),
    );
    assert.deepEqual(brokenLinks(page, dir), [
      'missing.md: no such file',
      'other.md#nope: no heading with anchor #nope',
      '../outside.md: outside the repository',
    ]);
    assert.ok(anchorsOf('# A\n# A\n').has('a-1'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test(`the README is at most ${README_MAX_LINES} lines`, () => {
  const lines = fs.readFileSync(README, 'utf8').split('\n').length;
  assert.ok(lines <= README_MAX_LINES, `README.md has ${lines} lines`);
});

test('no issue numbers, work-log dates or paths outside the repository in the user docs', () => {
  const patterns: [RegExp, string][] = [
    [/(^|[^\w&/])#\d+\b/, 'an issue reference "#NN"'],
    [/\bissues?\s+#?\d+/i, 'an issue reference "issue NN"'],
    [/\b20\d\d-\d\d-\d\d\b/, 'a dated entry'],
    [/\.\.\/shared\b/, 'a path outside the repository'],
  ];
  const found: string[] = [];
  for (const file of userDocs()) {
    fs.readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        for (const [re, what] of patterns) if (re.test(line)) found.push(`${rel(file)}:${i + 1}: ${what}: ${line.trim()}`);
      });
  }
  assert.deepEqual(found, []);
});

test("the README's TypeScript snippets compile against the library's types", () => {
  const types = path.join(REPO_ROOT, 'dist', 'lib', 'index.d.ts');
  const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  assert.ok(fs.existsSync(types), `${rel(types)} is missing: build first (npx tsc -p tsconfig.json)`);
  const snippets = codeBlocks(fs.readFileSync(README, 'utf8')).filter((b) => b.lang === 'ts' || b.lang === 'typescript');
  assert.ok(snippets.length >= 4, `only ${snippets.length} TypeScript snippets in README.md`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-snippets-'));
  try {
    const files = snippets.map((s, i) => {
      const file = path.join(dir, `readme-line-${s.line}.ts`);
      fs.writeFileSync(file, snippetModule(s.code, `snippet${i}`));
      return file;
    });
    // A snippet that misuses the API, compiled in the same run: it must
    // fail, so a passing run means the snippets were really checked.
    const wrong = path.join(dir, 'wrong.ts');
    fs.writeFileSync(wrong, snippetModule("import { Container } from 'kapsel';\nawait Container.create({ bundle: '/tmp/bundle' });", 'wrong'));
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'commonjs',
          moduleResolution: 'node',
          lib: ['ES2022'],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [path.join(REPO_ROOT, 'node_modules', '@types')],
          paths: { kapsel: [types], 'kapsel/testing': [path.join(REPO_ROOT, 'dist', 'lib', 'testing', 'index.d.ts')] },
        },
        files: [...files, wrong],
      }),
    );
    const run = spawnSync(process.execPath, [tsc, '-p', path.join(dir, 'tsconfig.json'), '--pretty', 'false'], { encoding: 'utf8', cwd: dir });
    assert.equal(run.error, undefined);
    const errors = `${run.stdout}${run.stderr}`.split('\n').filter((l) => /error TS\d+/.test(l));
    // tsc names a file relative to its cwd, the temporary directory.
    const byFile = (f: string): string[] => errors.filter((l) => l.startsWith(`${path.basename(f)}(`));
    assert.notDeepEqual(byFile(wrong), [], `the wrong snippet compiled: ${run.stdout}${run.stderr}`);
    assert.deepEqual(errors.filter((l) => !byFile(wrong).includes(l)), [], 'README.md snippets (file names give the line of the fence)');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

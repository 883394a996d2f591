/**
 * Type-checking code as a user of the package compiles it: the settings of
 * test/types/tsconfig.json (the README's: TypeScript 5.9, target and lib
 * ES2022, @types/node, strict), `kapsel` and `kapsel/testing` resolved to
 * the built declarations in dist/lib. For the type tests (test/types) and
 * the code of the docs (README snippets, TSDoc examples).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from './bundle';

export const TYPE_TESTS = path.join(REPO_ROOT, 'test', 'types');

function parsedConfig(): ts.ParsedCommandLine {
  const file = path.join(TYPE_TESTS, 'tsconfig.json');
  const read = ts.readConfigFile(file, ts.sys.readFile);
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  return ts.parseJsonConfigFileContent(read.config, ts.sys, TYPE_TESTS, undefined, file);
}

/** The type tests: test/types/*.ts. */
export function typeTestFiles(): string[] {
  return parsedConfig().fileNames;
}

/**
 * The compiler's errors for `files` (none: they compile), each as
 * "NAME:LINE: message", NAME the file's base name.
 */
export function typecheck(files: readonly string[]): string[] {
  const dist = path.join(REPO_ROOT, 'dist', 'lib', 'index.d.ts');
  if (!fs.existsSync(dist)) throw new Error(`${dist} is missing: build first (npx tsc -p tsconfig.json)`);
  const program = ts.createProgram(files, parsedConfig().options);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
    return where + ts.flattenDiagnosticMessageText(d.messageText, '\n');
  });
}

/**
 * A snippet as a module of its own: its imports on top, the rest in an
 * async function (the snippets use top-level await, which a CommonJS
 * module cannot), after `preamble` (declarations of what the snippet
 * takes as given).
 */
export function snippetModule(code: string, name: string, preamble = ''): string {
  const lines = code.split('\n');
  const imports = lines.filter((l) => /^import\s/.test(l));
  const body = lines.filter((l) => !/^import\s/.test(l));
  return [...imports, preamble, `export async function ${name}(): Promise<void> {`, ...body, '}', ''].join('\n');
}

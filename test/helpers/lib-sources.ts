/** The TypeScript sources of lib/, for tests that read the code itself (import cycles, typed errors). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './bundle';

export const LIB = path.join(REPO_ROOT, 'lib');

/** Every .ts file under `dir` (lib/ by default), declarations left out. */
export function libSources(dir: string = LIB, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) libSources(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/**
 * Relative module specifiers of `import ... from`, `import type ... from`,
 * `export ... from`, side-effect `import '...'`, `require('...')` and
 * `import('...')`, resolved to the .ts file (or the folder's index.ts).
 */
export function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]/gm),
    ...text.matchAll(/\b(?:require|import)\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!);
  const out: string[] = [];
  for (const spec of specifiers) {
    const base = path.resolve(path.dirname(file), spec).replace(/\.js$/, '');
    const target = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
    if (target) out.push(target);
  }
  return out;
}

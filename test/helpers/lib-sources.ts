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

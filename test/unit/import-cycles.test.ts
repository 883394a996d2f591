/**
 * lib/ has no import cycle, type-only imports included. A cycle makes the
 * load order decide which module sees the other half-initialized (a value
 * import), and even a type-only one ties two modules that should be one or
 * should share a leaf module. tsc erases `import type`, so the compiled JS
 * cannot show those: this reads the TypeScript sources.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { REPO_ROOT as ROOT } from '../helpers/bundle';
import { LIB, importsOf, libSources } from '../helpers/lib-sources';


/** Strongly connected components with more than one module, or a module importing itself (Tarjan). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

function libGraph(): Map<string, string[]> {
  return new Map(libSources().map((f) => [f, importsOf(f)]));
}

test('the cycle finder finds a cycle through a type-only edge, and none in a tree', () => {
  assert.deepEqual(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]])), [['a', 'b', 'c']]);
  assert.deepEqual(cycles(new Map([['a', ['a']]])), [['a']]);
  assert.deepEqual(cycles(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]])), []);
});

test('the scanner sees type-only imports and re-exports', () => {
  const graph = libGraph();
  const rel = (f: string): string => path.join(LIB, f);
  // `import type { SeccompSummary } from './summary'`
  assert.ok(graph.get(rel('seccomp/disk-cache.ts'))!.includes(rel('seccomp/summary.ts')));
  // `export type { DeviceRule } from './device-rule'`
  assert.ok(graph.get(rel('cgroups/devices.ts'))!.includes(rel('cgroups/device-rule.ts')));
  // a value import
  assert.ok(graph.get(rel('seccomp/compile.ts'))!.includes(rel('config/seccomp/names.ts')));
});

test('lib/ has no import cycle, counting type-only imports', () => {
  const found = cycles(libGraph()).map((c) => c.map((f) => path.relative(ROOT, f)));
  assert.deepEqual(found, []);
});

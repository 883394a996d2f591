// Limits checked before anything recurses into a config or sets it up:
// nesting depth (lib/config/depth.ts) and what execve can take
// (lib/config/exec-size.ts). The attacks themselves: system/kept-strong.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkNestingDepth, MAX_NESTING_DEPTH } from '../../lib/config/depth';
import { checkExecSize, MAX_EXEC_BYTES } from '../../lib/config/exec-size';
import { validateConfig, validateProcess } from '../../lib/config/validate';
import { defaultSpec } from '../../lib/config/default-spec';

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { k: v };
  return v;
}

test('nesting up to the limit passes; one level more names where the deep value starts', () => {
  checkNestingDepth({ x: nested(MAX_NESTING_DEPTH - 1) });
  assert.throws(() => checkNestingDepth({ annotations: { 'a/b': nested(MAX_NESTING_DEPTH) } }), {
    code: 'ERR_INVALID_CONFIG',
    jsonPath: '/annotations/a~1b',
    problem: `is nested more than ${MAX_NESTING_DEPTH} levels deep`,
  });
  // 200k levels: no recursion, so no RangeError.
  assert.throws(() => checkNestingDepth(nested(200_000)), { code: 'ERR_INVALID_CONFIG' });
});

test('validateConfig and validateProcess check the depth of objects handed to them', () => {
  const spec = defaultSpec({ rootless: false }) as unknown as Record<string, unknown>;
  spec['x-extension'] = nested(200_000);
  assert.throws(() => validateConfig(spec), { code: 'ERR_INVALID_CONFIG', jsonPath: '/x-extension/0' });
  assert.throws(() => validateProcess({ args: ['/x'], cwd: '/', deep: nested(200_000) }), { code: 'ERR_INVALID_CONFIG' });
});

test('args and env over what execve accepts are refused naming the field; just under passes', () => {
  const entry = 'V=' + 'x'.repeat(1000);
  const perEntry = entry.length + 1 + 8;
  const fits = Array.from({ length: Math.floor((MAX_EXEC_BYTES - 16) / perEntry) }, () => entry);
  checkExecSize({ args: ['/x'], env: fits }, '/process');
  assert.throws(() => checkExecSize({ args: ['/x'], env: [...fits, entry] }, '/process'), { code: 'ERR_INVALID_CONFIG', jsonPath: '/process/env' });
  assert.throws(() => checkExecSize({ args: ['x'.repeat(MAX_EXEC_BYTES)] }, ''), { jsonPath: '/args' });
  // Through validation: a million tiny entries are over by their pointers alone.
  assert.throws(() => validateProcess({ args: ['/x'], cwd: '/', env: Array.from({ length: 1_000_000 }, () => 'A=') }), { jsonPath: '/env' });
});

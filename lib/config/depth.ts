/**
 * How deeply config.json (or an `exec --process` / `update --resources`
 * document) may nest. Key normalization, validation, the plan cache's
 * freezing and JSON.stringify of the state all recurse into the document,
 * unknown keys and free-form values included; a 200,000-deep array made
 * them throw V8's RangeError ("Maximum call stack size exceeded"), an
 * untyped error naming nothing. A real config nests about eight levels;
 * runc's decoder (Go's encoding/json) stops at 10,000, which is already
 * more than those recursions survive, so the limit here is lower. Checked
 * without recursion, right after parsing.
 */
import { InvalidConfigError } from '../errors';
import { pointerSegment } from './pointer';

export const MAX_NESTING_DEPTH = 1000;

/** Segments of the JSON pointer an error names: where the deep value starts, not all of its 1000 levels. */
const NAMED_SEGMENTS = 2;

/** Throws InvalidConfigError when `value` holds arrays or objects nested more than MAX_NESTING_DEPTH deep. */
export function checkNestingDepth(value: unknown, base = ''): void {
  const stack: Array<{ value: unknown; depth: number; at: string }> = [{ value, depth: 0, at: base }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (item.value === null || typeof item.value !== 'object') continue;
    if (item.depth >= MAX_NESTING_DEPTH) throw new InvalidConfigError(item.at || '/', `is nested more than ${MAX_NESTING_DEPTH} levels deep`);
    const named = item.depth < NAMED_SEGMENTS;
    for (const [key, child] of Object.entries(item.value as object)) {
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth: item.depth + 1, at: named ? `${item.at}/${pointerSegment(key)}` : item.at });
    }
  }
}

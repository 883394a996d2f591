/**
 * NUL bytes in config strings. Every string kapsel hands to the kernel
 * (paths, args, env, names, sysctl keys and values...) travels as a C
 * string, where a NUL silently ends it: `"/etc\u0000/x"` would mount on
 * /etc and `"a\u0000b"` arrive as `a`. So a NUL anywhere in a string the
 * schema knows is a config error naming its JSON path. Annotations are the
 * one free-text field that never reaches a syscall (they are stored as JSON
 * and given to hooks as JSON), and unknown properties are ignored, as the
 * spec requires, so neither is looked at.
 */
import { THROW_FIRST, type Findings } from './findings';
import { pointerSegment } from './pointer';
import { configSchema, type SchemaNode } from './schema';

/** JSON pointers (within a config) whose strings never reach a syscall. */
const NEVER_IN_A_SYSCALL = new Set(['/annotations']);

const PROBLEM = 'must not contain a NUL byte (it would cut the string short where the kernel reads it)';

/**
 * Reports each string (or map key) holding a NUL, walking `value` as
 * `schema` describes it (by default throwing the first as
 * InvalidConfigError). Any shape is walked: it needs no schema check first.
 */
export function checkNoNulBytes(value: unknown, schema: SchemaNode = configSchema, base = '', f: Findings = THROW_FIRST): void {
  walk(value, schema, base, f);
}

function walk(value: unknown, schema: SchemaNode | undefined, at: string, f: Findings): void {
  if (!schema || NEVER_IN_A_SYSCALL.has(at)) return;
  if (typeof value === 'string') {
    if (value.includes('\0')) f.error(at || '/', PROBLEM);
    return;
  }
  if (Array.isArray(value)) {
    const items = schema.items as SchemaNode | undefined;
    value.forEach((item, i) => walk(item, items, `${at}/${i}`, f));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const properties = (schema.properties ?? {}) as Record<string, SchemaNode>;
  const additional = schema.additionalProperties as SchemaNode | undefined;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const where = `${at}/${pointerSegment(key)}`;
    if (Object.prototype.hasOwnProperty.call(properties, key)) {
      walk(child, properties[key], where, f);
    } else if (additional && typeof additional === 'object') {
      // A map (sysctl, unified...): its keys reach the kernel too.
      if (key.includes('\0')) f.error(where, `key ${PROBLEM}`);
      walk(child, additional, where, f);
    }
  }
}

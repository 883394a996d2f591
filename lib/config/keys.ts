/**
 * Object keys matched as Go's encoding/json matches them, so that a config
 * runc runs means the same to kapsel. Go decodes a JSON key into the struct
 * field of that name, preferring an exact match but accepting one that
 * differs only in case: runc reads `"postStop"` as `poststop` (the tutorial
 * kapsel follows writes it so) and `"Process"` as `process`.
 *
 * normalizeKeys rewrites the keys the schema knows (schema.ts `properties`)
 * to the schema's spelling before validation. Free-form maps (annotations,
 * sysctl, netDevices: schema nodes with `additionalProperties`) keep their
 * keys, and keys that match no field are left alone (and ignored, as the spec
 * requires of unknown properties).
 *
 * When one object holds two spellings of a field, Go decodes both in
 * document order into the same field: the later one wins, and when both are
 * objects the later one is decoded into the earlier (fields it lacks are
 * kept). mergeLater does the same.
 */
import type { ConfigIssue } from './findings';
import { pointerSegment } from './pointer';
import type { SchemaNode } from './schema';

/** A key read under the schema's spelling. */
export interface RenamedKey {
  /** JSON pointer of the key as written ("/hooks/postStop"). */
  path: string;
  /** The spelling it was read as ("poststop"). */
  canonical: string;
}

export interface NormalizedKeys {
  /** A copy of the document with known keys in the schema's spelling (the input is not modified). */
  value: unknown;
  renamed: RenamedKey[];
}

const hasOwn = (obj: object, key: string): boolean => Object.prototype.hasOwnProperty.call(obj, key);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The schema's property table of a node, or undefined for leaves and free-form maps. */
function propertiesOf(node: SchemaNode | undefined): Record<string, SchemaNode> | undefined {
  const props = node?.properties;
  return isObject(props) ? (props as Record<string, SchemaNode>) : undefined;
}

/** The field a key decodes into, as Go finds it: the exact name, else the one equal but for case. */
function fieldFor(key: string, props: Record<string, SchemaNode>): string | undefined {
  if (hasOwn(props, key)) return key;
  const folded = key.toLowerCase();
  return Object.keys(props).find((name) => name.toLowerCase() === folded);
}

/** Sets an own property, even one named "__proto__" (JSON.parse makes those own keys too). */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Go's decoding of a second value into a field already set: objects merge, anything else replaces. */
function mergeLater(earlier: unknown, later: unknown): unknown {
  if (!isObject(earlier) || !isObject(later)) return later;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(earlier)) setOwn(out, k, v);
  for (const [k, v] of Object.entries(later)) setOwn(out, k, hasOwn(out, k) ? mergeLater(out[k], v) : v);
  return out;
}

function walk(value: unknown, node: SchemaNode | undefined, at: string, renamed: RenamedKey[]): unknown {
  if (Array.isArray(value)) {
    const items = isObject(node?.items) ? (node!.items as SchemaNode) : undefined;
    return value.map((v, i) => walk(v, items, `${at}/${i}`, renamed));
  }
  if (!isObject(value)) return value;
  const props = propertiesOf(node);
  const free = isObject(node?.additionalProperties) ? (node!.additionalProperties as SchemaNode) : undefined;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const field = props ? fieldFor(key, props) : undefined;
    const where = `${at}/${pointerSegment(key)}`;
    if (field === undefined) {
      // Unknown or free-form key: kept as written; free-form values still have a shape.
      setOwn(out, key, free ? walk(v, free, where, renamed) : v);
      continue;
    }
    if (field !== key) renamed.push({ path: where, canonical: field });
    const decoded = walk(v, props![field], where, renamed);
    setOwn(out, field, hasOwn(out, field) ? mergeLater(out[field], decoded) : decoded);
  }
  return out;
}

/** Rewrites the known keys of `value` (a document of `schema`) to the schema's spelling. */
export function normalizeKeys(value: unknown, schema: SchemaNode): NormalizedKeys {
  const renamed: RenamedKey[] = [];
  return { value: walk(value, schema, '', renamed), renamed };
}

/** The warning for one renamed key, as `kapsel validate` lists it. */
export function renamedKeyIssue(r: RenamedKey): ConfigIssue {
  return { path: r.path, message: `read as "${r.canonical}" (keys are matched case-insensitively, as runc does; write "${r.canonical}")`, code: 'key-case' };
}

/** The warning for one renamed key, as the log shows it. */
export function renamedKeyWarning(file: string, r: RenamedKey): string {
  return `${file}: key ${r.path} ${renamedKeyIssue(r).message}`;
}

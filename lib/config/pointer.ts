/** JSON pointers (RFC 6901) of config fields, as InvalidConfigError names them. */

/** Escapes one JSON-pointer segment. */
export function pointerSegment(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

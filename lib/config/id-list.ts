/**
 * The "0-3,7" lists of config.md (execCPUAffinity) and config-linux.md
 * (memoryPolicy.nodes): comma-separated numbers and dash ranges. Parsed
 * once here, for validation (a bad list names its JSON path) and for the
 * plan (which hands the init the numbers, not the text).
 */

/** Above this, a CPU or node number is a typo: the kernel's NR_CPUS / MAX_NUMNODES limits are far below. */
export const MAX_ID = 8191;

/**
 * The sorted, distinct numbers of a list, or a string saying what is wrong.
 * An empty (or all-blank) list is empty: the spec reads it as "not set".
 */
export function parseIdList(text: string): number[] | string {
  const ids = new Set<number>();
  if (text.trim() === '') return [];
  for (const raw of text.split(',')) {
    const part = raw.trim();
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return `"${part}" is not a number or a range like "0-3"`;
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    if (last < first) return `the range "${part}" ends before it starts`;
    if (last > MAX_ID) return `${last} is above the largest id (${MAX_ID})`;
    for (let id = first; id <= last; id++) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

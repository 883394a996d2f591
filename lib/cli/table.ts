/**
 * Column alignment as Go's text/tabwriter does it for runc's `list`
 * (tabwriter.NewWriter(out, 12, 1, 3, ' ', 0)): every cell but the last of
 * a row is padded with spaces to its column's width, which is the widest
 * cell plus the padding, and at least the minimum width; the last cell is
 * written as is. Scripts cut runc's table by these widths.
 */

export interface TableOptions {
  /** Minimum column width, padding included (runc: 12). */
  minWidth: number;
  /** Spaces added to the widest cell (runc: 3). */
  padding: number;
}

export const RUNC_LIST_TABLE: TableOptions = { minWidth: 12, padding: 3 };

/** Width in characters (code points), as tabwriter counts UTF-8 runes. */
function width(text: string): number {
  return [...text].length;
}

/** Renders rows (the header is just the first row) as aligned lines, each ending in "\n". */
export function formatTable(rows: readonly (readonly string[])[], options: TableOptions = RUNC_LIST_TABLE): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.slice(0, -1).forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? options.minWidth, width(cell) + options.padding);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell + ' '.repeat(widths[column]! - width(cell))))
        .join(''),
    )
    .map((line) => `${line}\n`)
    .join('');
}

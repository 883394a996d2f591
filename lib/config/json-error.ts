/**
 * Locating JSON syntax errors. V8's JSON.parse messages only sometimes carry
 * a position ("Unexpected token '}', ... is not valid JSON" does not), so a
 * small syntax-only scanner finds the offset of the first bad character
 * itself. It runs only after JSON.parse has failed.
 */

/** Offset of the first JSON syntax error in `text`, or -1 if the text is valid JSON. */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (at: number): never => {
    throw new SyntaxAt(at);
  };
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const literal = (word: string): void => {
    for (const ch of word) {
      if (text[i] !== ch) fail(i);
      i++;
    }
  };
  const digits = (): void => {
    if (!/[0-9]/.test(text[i] ?? '')) fail(i);
    while (/[0-9]/.test(text[i] ?? '')) i++;
  };
  const number = (): void => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else digits();
    if (text[i] === '.') {
      i++;
      digits();
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      digits();
    }
  };
  const string = (): void => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail(i);
      const ch = text.charCodeAt(i);
      if (ch === 0x22) break;
      if (ch < 0x20) fail(i);
      if (ch === 0x5c) {
        i++;
        const esc = text[i] ?? '';
        if (esc === 'u') {
          for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) fail(i + k);
          i += 4;
        } else if (!'"\\/bfnrt'.includes(esc) || esc === '') {
          fail(i);
        }
      }
      i++;
    }
    i++; // closing quote
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') return container('}', true);
    if (ch === '[') return container(']', false);
    if (ch === '"') return string();
    if (ch === 't') return literal('true');
    if (ch === 'f') return literal('false');
    if (ch === 'n') return literal('null');
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return number();
    fail(i);
  };
  const container = (close: string, isObject: boolean): void => {
    i++;
    ws();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      if (isObject) {
        ws();
        if (text[i] !== '"') fail(i);
        string();
        ws();
        if (text[i] !== ':') fail(i);
        i++;
      }
      value();
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === close) {
        i++;
        return;
      }
      fail(i);
    }
  };
  try {
    value();
    ws();
    if (i < text.length) fail(i);
    return -1;
  } catch (err) {
    if (err instanceof SyntaxAt) return err.offset;
    return -1; // e.g. RangeError on absurd nesting: no position to offer
  }
}

class SyntaxAt {
  constructor(readonly offset: number) {}
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/**
 * A one-line description of why `text` is not JSON, with its position, e.g.
 * `unexpected "}" at line 3, column 5 (position 27)`. `fallback` (the
 * JSON.parse message) is used if the scanner finds no error.
 */
export function describeJsonError(text: string, fallback: string): string {
  const offset = jsonErrorOffset(text);
  if (offset < 0) return fallback;
  const { line, column } = lineColumn(text, offset);
  const what = offset >= text.length ? 'unexpected end of input' : `unexpected ${JSON.stringify(text[offset])}`;
  return `${what} at line ${line}, column ${column} (position ${offset})`;
}

/**
 * Reading the project's Markdown the way a reader's renderer does, for the
 * docs test: links outside code, GitHub's heading anchors, fenced code
 * blocks by language.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A fenced code block: its info string's first word and its text. */
export interface CodeBlock {
  lang: string;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** The fenced code blocks of `text`, in order. */
export function codeBlocks(text: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  let open: { fence: string; lang: string; line: number; lines: string[] } | undefined;
  text.split('\n').forEach((line, i) => {
    if (open) {
      if (line.trimStart().startsWith(open.fence) && line.trim() === line.trim().replace(/[^`~]/g, '')) {
        blocks.push({ lang: open.lang, code: open.lines.join('\n'), line: open.line });
        open = undefined;
      } else {
        open.lines.push(line);
      }
      return;
    }
    const m = /^\s*(`{3,}|~{3,})\s*([\w+-]*)/.exec(line);
    if (m) open = { fence: m[1]!, lang: m[2] ?? '', line: i + 1, lines: [] };
  });
  return blocks;
}

/** `text` with fenced blocks and inline code spans blanked (links in code are not links). */
export function proseOf(text: string): string {
  return outsideFences(text)
    .map((line) => (line === undefined ? '' : line.replace(/(`+)[^`]*?\1/g, '')))
    .join('\n');
}

/** The lines of `text`, those inside fenced blocks (fences included) as undefined. */
function outsideFences(text: string): (string | undefined)[] {
  let inFence: string | undefined;
  return text.split('\n').map((line) => {
    const fence = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (inFence) {
      if (fence && fence.startsWith(inFence)) inFence = undefined;
      return undefined;
    }
    if (fence) {
      inFence = fence;
      return undefined;
    }
    return line;
  });
}

/** The targets of inline links and images (`[text](target)`) in the prose of `text`. */
export function linkTargets(text: string): string[] {
  return [...proseOf(text).matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as "-". */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Every anchor the headings of `text` define (a repeated heading gets "-1", "-2", ...). */
export function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of outsideFences(text)) {
    const m = line === undefined ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/**
 * What is wrong with each relative link of the Markdown file `file`: a
 * target that leaves `repoRoot`, a file that does not exist, an anchor the
 * target's headings do not define. External links (a scheme) are not checked.
 */
export function brokenLinks(file: string, repoRoot: string): string[] {
  const problems: string[] = [];
  const text = fs.readFileSync(file, 'utf8');
  for (const target of linkTargets(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const [rawPath, anchor] = target.split('#', 2) as [string, string | undefined];
    const resolved = rawPath === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(rawPath));
    const inRepo = path.relative(repoRoot, resolved);
    if (inRepo.startsWith('..') || path.isAbsolute(inRepo)) {
      problems.push(`${target}: outside the repository`);
      continue;
    }
    if (!fs.existsSync(resolved)) {
      problems.push(`${target}: no such file`);
      continue;
    }
    if (anchor !== undefined) {
      if (!resolved.endsWith('.md')) problems.push(`${target}: an anchor into a file that is not Markdown`);
      else if (!anchorsOf(fs.readFileSync(resolved, 'utf8')).has(anchor)) problems.push(`${target}: no heading with anchor #${anchor}`);
    }
  }
  return problems;
}

/**
 * The API reference as `npm run docs` builds it, for the api-docs test:
 * typedoc run with the project's typedoc.json (validation on: an
 * undocumented export or member, a `{@link}` to nothing, a type the
 * entries use but do not export) into a directory of the caller's, and a
 * check of every link in the HTML it wrote.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './bundle';

const TYPEDOC = path.join(REPO_ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc');

/** What one typedoc run reported. */
export interface TypedocRun {
  status: number | null;
  /** typedoc's warnings and errors, one a line, colours removed. */
  problems: string[];
  output: string;
}

/**
 * Runs typedoc in `cwd` with `args` (the options file there, plus `--out`).
 * Warnings are collected rather than fatal (the caller asserts on them, so
 * that a failure lists each export or member, not the first). A child
 * process, so that two runs (and other tests) overlap.
 */
export function runTypedoc(cwd: string, out: string, args: string[] = []): Promise<TypedocRun> {
  const child = spawn(process.execPath, [TYPEDOC, '--out', out, '--treatWarningsAsErrors', 'false', '--logLevel', 'Warn', ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  let text = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (text += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => {
      const output = text.replace(/\x1b\[[0-9;]*m/g, '');
      const problems = output
        .split('\n')
        .filter((l) => /^\[(warning|error)\]/.test(l) && !/^\[warning\] Found \d+ errors? and \d+ warnings?/.test(l))
        .map((l) => l.trim());
      resolve({ status, problems, output });
    });
  });
}

function htmlFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.html'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

const anchorCache = new Map<string, Set<string>>();
function anchorsIn(file: string): Set<string> {
  let anchors = anchorCache.get(file);
  if (!anchors) {
    const html = fs.readFileSync(file, 'utf8');
    anchors = new Set([...html.matchAll(/\s(?:id|name)="([^"]+)"/g)].map((m) => m[1]!));
    anchorCache.set(file, anchors);
  }
  return anchors;
}

/**
 * The links in the HTML under `dir` that lead nowhere: a relative href or
 * src naming no file under `dir`, or an anchor no element of its page
 * carries. Links with a scheme (https:, mailto:) are left alone: the
 * reference links out only to the TypeScript and Node docs typedoc knows.
 */
export function brokenHtmlLinks(reference: string): string[] {
  const dir = path.resolve(reference);
  anchorCache.clear();
  const broken: string[] = [];
  for (const file of htmlFiles(dir)) {
    const html = fs.readFileSync(file, 'utf8');
    for (const m of html.matchAll(/\s(href|src)="([^"]*)"/g)) {
      const link = m[2]!.replace(/&amp;/g, '&');
      if (link === '' || link === '#' || /^[a-z][a-z0-9+.-]*:/i.test(link)) continue;
      const [target, anchor] = link.split('#', 2) as [string, string | undefined];
      const targetFile = target === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(target.split('?')[0]!));
      const where = `${path.relative(dir, file)}: ${link}`;
      if (!targetFile.startsWith(dir + path.sep)) broken.push(`${where}: outside the reference`);
      else if (!fs.existsSync(targetFile)) broken.push(`${where}: no such file`);
      else if (anchor && targetFile.endsWith('.html') && !anchorsIn(targetFile).has(decodeURIComponent(anchor))) broken.push(`${where}: no anchor #${anchor}`);
    }
  }
  return broken;
}

/** One `@example` of the TSDoc: its file, the line of its fence, its code. */
export interface TsdocExample {
  file: string;
  line: number;
  code: string;
}

/** The ```ts code blocks of every `@example` in the doc comments of the .ts files under `dir`. */
export function tsdocExamples(dir: string): TsdocExample[] {
  const out: TsdocExample[] = [];
  const files = fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
      const lines = comment[0].split('\n').map((l) => l.replace(/^\s*\*(?: |$)/, ''));
      const firstLine = text.slice(0, comment.index).split('\n').length;
      let inExample = false;
      let block: string[] | undefined;
      let fenceLine = 0;
      lines.forEach((line, i) => {
        if (/^@\w/.test(line.trim())) inExample = line.trim().startsWith('@example');
        if (!inExample) return;
        if (block === undefined && /^```(ts|typescript)\s*$/.test(line.trim())) {
          block = [];
          fenceLine = firstLine + i;
        } else if (block !== undefined && line.trim() === '```') {
          out.push({ file, line: fenceLine, code: block.join('\n') });
          block = undefined;
        } else if (block !== undefined) {
          block.push(line);
        }
      });
    }
  }
  return out;
}

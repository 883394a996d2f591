// The conformance kit's checks cite the OCI runtime spec: each quoted
// sentence must be the spec's own words, inside the section it names, so
// that a report of a failed check points at the sentence it verifies.
// Also: one title per check, and the `kapsel conformance` usage errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AREA_NAMES, AREAS, checkName } from '../../lib/testing';
import { REPO_ROOT } from '../helpers/bundle';

/** The spec's copy beside the checkout (shared/ in development and CI). */
const SPEC = path.join(REPO_ROOT, '..', 'shared', 'oci-runtime-spec');
const noSpec = fs.existsSync(SPEC) ? false : `no copy of the spec at ${SPEC}`;

/** Markdown to the words it shows: links to their text, no emphasis or code marks, one space. */
function words(md: string): string {
  return md
    .replace(/\[([^\]]*)\]\[[^\]]*\]/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\*\*|`/g, '')
    .replace(/\s+/g, ' ');
}

/** The text of the section headed `name` (up to the next heading of its level or above). */
function section(md: string, name: string): string | undefined {
  const lines = md.split('\n');
  let start = -1;
  let level = 0;
  for (let i = 0; i < lines.length; i++) {
    const m = /^(#+)\s+(?:<a name="[^"]*"\s*\/>)?(.*)$/.exec(lines[i]!);
    if (!m) continue;
    if (start < 0 && m[2]!.trim() === name) {
      start = i;
      level = m[1]!.length;
    } else if (start >= 0 && m[1]!.length <= level) {
      return lines.slice(start, i).join('\n');
    }
  }
  return start < 0 ? undefined : lines.slice(start).join('\n');
}

test('every check quotes the spec verbatim, inside the section it names', { skip: noSpec }, () => {
  const wrong: string[] = [];
  for (const area of AREAS) {
    for (const check of area.checks) {
      const md = fs.readFileSync(path.join(SPEC, check.cite.file), 'utf8');
      const text = section(md, check.cite.section);
      if (text === undefined) {
        wrong.push(`${check.title}: no section "${check.cite.section}" in ${check.cite.file}`);
        continue;
      }
      // " ... " joins sentences quoted from one passage.
      for (const part of check.cite.text.split(' ... ')) {
        if (!words(text).includes(words(part))) wrong.push(`${check.title}: "${part}" is not in ${check.cite.file} § ${check.cite.section}`);
      }
      // REQUIRED is MUST's synonym (RFC 2119), as the spec uses it for fields.
      const keyword = { MUST: /MUST|REQUIRED/, SHOULD: /SHOULD/, DEFINITION: /./ }[check.cite.level];
      if (!keyword.test(check.cite.text)) wrong.push(`${check.title}: not a ${check.cite.level} sentence`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('check titles are unique (expectedFailures names checks by title) and names carry the citation', () => {
  const titles = AREAS.flatMap((a) => a.checks.map((c) => c.title));
  assert.equal(new Set(titles).size, titles.length);
  const check = AREAS.find((a) => a.name === 'state')!.checks.find((c) => c.title === 'state of an unknown id fails')!;
  assert.equal(checkName(check), 'state of an unknown id fails [runtime.md § Query State, MUST: "Attempting to query a container that does not exist MUST generate an error."]');
  assert.deepEqual(AREA_NAMES, ['state', 'lifecycle', 'create', 'start', 'kill', 'delete', 'hooks', 'process']);
});

test('kapsel conformance: usage errors name the flag (exit 1), without running anything', () => {
  const bin = path.join(REPO_ROOT, 'bin', 'kapsel');
  const cases: [string[], RegExp][] = [
    [['conformance'], /needs --runtime PATH/],
    [['conformance', '--runtime', '/bin/true', '--area', 'nope'], /unknown --area nope/],
    [['conformance', '--runtime', '/no/such/runtime'], /--runtime \/no\/such\/runtime: no such file/],
  ];
  for (const [args, message] of cases) {
    const res = spawnSync(bin, args, { encoding: 'utf8', timeout: 60_000 });
    assert.equal(res.status, 1, `${args.join(' ')}: ${res.stderr}`);
    assert.match(res.stderr, message);
    assert.equal(res.stdout, '');
  }
});

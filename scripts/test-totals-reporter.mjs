// A node:test reporter that writes nothing but the run's closing summary
// (tests, suites, pass, fail, cancelled, skipped, todo, duration_ms) as
// JSON, so that scripts/run-tests.js can add up the summaries of the tiers
// it runs one after another and print one summary for the whole run. The
// numbers are node's own: the summary arrives as the run's last
// diagnostics at nesting 0.
const KEYS = new Set(['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo', 'duration_ms']);

export default async function* totals(source) {
  const summary = {};
  for await (const event of source) {
    if (event.type !== 'test:diagnostic' || event.data.nesting !== 0) continue;
    const m = /^(\w+) (\d+(?:\.\d+)?)$/.exec(event.data.message);
    if (m && KEYS.has(m[1])) summary[m[1]] = Number(m[2]);
  }
  yield JSON.stringify(summary);
}

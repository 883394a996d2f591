// linux.intelRdt is refused at create with the reason: no resctrl on the
// host (no runtime could apply it), or resctrl present but not written by kapsel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSpec } from '../../lib/config/default-spec';
import { validateConfig } from '../../lib/config/validate';
import { NotSupportedError } from '../../lib/errors';
import { compilePlan } from '../../lib/plan/compile';
import { fakeFacts } from '../helpers/facts';

function compileWith(resctrl: boolean, intelRdt: Record<string, unknown>) {
  const s = defaultSpec({ rootless: false });
  s.linux!.intelRdt = intelRdt;
  return () => compilePlan(validateConfig(s), { bundle: '/b', rootfs: '/b/rootfs' }, fakeFacts({ resctrl }));
}

test('intelRdt without resctrl on the host: refused naming the field and the reason', () => {
  assert.throws(compileWith(false, { closID: 'c1', l3CacheSchema: 'L3:0=ff' }), (err: unknown) => {
    assert.ok(err instanceof NotSupportedError);
    assert.match(err.message, /\/linux\/intelRdt: this host has no resctrl filesystem at \/sys\/fs\/resctrl/);
    return true;
  });
});

test('intelRdt with resctrl mounted: refused as not applied by kapsel', () => {
  assert.throws(compileWith(true, { closID: 'c1' }), /\/linux\/intelRdt: Intel RDT \(resctrl groups\) is not supported by kapsel yet/);
});

test('an empty intelRdt object asks for nothing', () => {
  compileWith(false, {})();
});

// `kapsel features` validates against the runtime-spec's own Features schema
// (test/fixtures/oci-schema, copied from the spec), and claims only what
// kapsel applies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { features } from '../../lib/cli/features';
import { MEMORY_POLICY_FLAGS, MEMORY_POLICY_MODES } from '../../lib/config/process-attrs';
import { REPO_ROOT } from '../helpers/bundle';

const SCHEMA_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'oci-schema');

function load(name: string): Record<string, unknown> {
  const schema = JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, name), 'utf8')) as Record<string, unknown>;
  // The spec's schemas are draft-04, referenced by file name; ajv resolves $refs by these ids.
  delete schema.$schema;
  return { ...schema, $id: name };
}

function validator(): ReturnType<Ajv['compile']> {
  const ajv = new Ajv({ strict: false, allErrors: true });
  for (const name of ['defs.json', 'defs-linux.json', 'features-linux.json']) ajv.addSchema(load(name));
  return ajv.compile(load('features-schema.json'));
}

test('features() validates against the spec\'s Features schema', () => {
  const validate = validator();
  const f = features();
  assert.ok(validate(f), JSON.stringify(validate.errors, null, 2));
});

test('the schema check can fail: a wrong namespace name or a non-boolean is caught', () => {
  const validate = validator();
  const bad = JSON.parse(JSON.stringify(features())) as { linux: { namespaces: string[]; intelRdt: { enabled: unknown } } };
  bad.linux.namespaces.push('net');
  assert.equal(validate(bad), false);
  const bad2 = JSON.parse(JSON.stringify(features())) as { linux: { intelRdt: { enabled: unknown } } };
  bad2.linux.intelRdt.enabled = 'no';
  assert.equal(validate(bad2), false);
});

test('features: exactly what is applied, field by field', () => {
  const linux = features().linux;
  assert.deepEqual(linux.memoryPolicy, { modes: Object.keys(MEMORY_POLICY_MODES), flags: Object.keys(MEMORY_POLICY_FLAGS) });
  assert.deepEqual(
    [...linux.memoryPolicy.modes].sort(),
    ['MPOL_BIND', 'MPOL_DEFAULT', 'MPOL_INTERLEAVE', 'MPOL_LOCAL', 'MPOL_PREFERRED', 'MPOL_PREFERRED_MANY', 'MPOL_WEIGHTED_INTERLEAVE'],
  );
  assert.deepEqual([...linux.memoryPolicy.flags].sort(), ['MPOL_F_NUMA_BALANCING', 'MPOL_F_RELATIVE_NODES', 'MPOL_F_STATIC_NODES']);
  // Refused at create (plan/supported.ts): reported as not available.
  assert.equal(linux.intelRdt.enabled, false);
  assert.equal(linux.netDevices.enabled, true);
  // Id-mapped bind mounts are applied, and their options are listed.
  assert.equal(linux.mountExtensions.idmap.enabled, true);
  assert.ok(features().mountOptions.includes('idmap') && features().mountOptions.includes('ridmap'));
  assert.ok(linux.namespaces.includes('time'));
});

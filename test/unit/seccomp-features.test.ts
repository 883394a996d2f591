/**
 * seccompFeatures() reports what this machine's libseccomp and kernel
 * support, within the names features-linux.json allows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { features } from '../../lib/cli/features';
import { seccompAnnotations, seccompFeatures } from '../../lib/seccomp';
import { ACTIONS, ARCHITECTURES, FLAGS, OPERATORS } from '../../lib/config/seccomp/names';
import { archToken, libseccompVersionString } from '../../lib/seccomp/library';
import { native } from '../../lib/native/addon';

test('seccomp features: enabled, every name one the spec defines, archs and flags as the machine says', () => {
  const f = seccompFeatures();
  assert.equal(f.enabled, true, 'libseccomp.so.2 is installed on this kind of machine');
  for (const a of f.actions!) assert.ok(a in ACTIONS, a);
  for (const o of f.operators!) assert.ok(o in OPERATORS, o);
  for (const a of f.archs!) assert.ok(a in ARCHITECTURES, a);
  for (const flag of f.knownFlags!) assert.ok(flag in FLAGS, flag);
  assert.deepEqual(f.operators, Object.keys(OPERATORS));
  assert.deepEqual(f.knownFlags, Object.keys(FLAGS));
  // Every action the kernel has is listed (libseccomp 2.5 compiles all of them).
  for (const name of Object.keys(ACTIONS) as (keyof typeof ACTIONS)[]) {
    assert.equal(f.actions!.includes(name), native().seccompKernelActionAvailable(ACTIONS[name]), name);
  }
  assert.ok(f.archs!.includes('SCMP_ARCH_X86_64') || f.archs!.includes('SCMP_ARCH_AARCH64'));
  assert.deepEqual(f.archs, (Object.keys(ARCHITECTURES) as (keyof typeof ARCHITECTURES)[]).filter((a) => archToken(ARCHITECTURES[a]) !== 0));
  for (const flag of f.supportedFlags!) assert.ok(f.knownFlags!.includes(flag));
  assert.equal(f.supportedFlags!.includes('SECCOMP_FILTER_FLAG_LOG'), native().seccompKernelFlagSupported(FLAGS.SECCOMP_FILTER_FLAG_LOG));
});

test('kapsel features carries them, and the libseccomp version annotation', () => {
  const f = features();
  assert.deepEqual(f.linux.seccomp, seccompFeatures());
  assert.deepEqual(seccompAnnotations(), { 'io.github.seccomp.libseccomp.version': libseccompVersionString() });
  assert.equal(f.annotations['io.github.seccomp.libseccomp.version'], libseccompVersionString());
  assert.match(libseccompVersionString(), /^2\.\d+\.\d+$/);
});

// Whether the runtime runs in a user namespace (lib/cgroups/user-namespace.ts):
// anything but the initial namespace's identity map.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUserNamespaceMap } from '../../lib/cgroups/user-namespace';

test('the identity map is the initial user namespace; any other map is a user namespace', () => {
  assert.equal(isUserNamespaceMap('         0          0 4294967295\n'), false);
  assert.equal(isUserNamespaceMap('         0       1000          1\n'), true);
  assert.equal(isUserNamespaceMap('0 0 1\n'), true);
  assert.equal(isUserNamespaceMap('0 0 4294967295\n1 1 1\n'), true);
  assert.equal(isUserNamespaceMap(''), true);
});

/**
 * Issue 20 item 6: the library's warnings go through process.emitWarning
 * with a code (as Node's own do), not to a stderr the application may not
 * own, unless a logger is given (the CLI gives its own).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { warningLogger } from '../../lib/logger';

test('warningLogger emits a process warning with code KAPSEL_WARNING', async () => {
  const seen = new Promise<Error & { code?: string }>((resolve) => process.once('warning', resolve));
  warningLogger.warn('poststop hook /bin/false failed: exit status 1');
  const warning = await seen;
  assert.equal(warning.code, 'KAPSEL_WARNING');
  assert.equal(warning.name, 'KapselWarning');
  assert.equal(warning.message, 'poststop hook /bin/false failed: exit status 1');
});

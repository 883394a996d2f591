// Issue 8 "also fix": errors name the syscall, the errno and the path they
// are about, never the helper binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createTestContainer } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';

const suite = systemSuite();
const { skip } = suite;

test('joining a "namespace" path that is no namespace of that type names the path, setns and EINVAL', { skip }, async () => {
  const dir = tempDir('notns');
  const notNamespace = path.join(dir, 'plain-file');
  fs.writeFileSync(notNamespace, '');
  const bundle = suite.bundle({
    edit: (s) => {
      s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'ipc' ? { type: 'ipc', path: notNamespace } : n));
    },
  });
  try {
    await assert.rejects(createTestContainer(bundle, { root: suite.root }), (err: Error & { code?: string; path?: string; syscall?: string }) => {
      assert.equal(err.code, 'ERR_SYSCALL');
      assert.equal(err.syscall, 'setns');
      assert.equal(err.path, notNamespace);
      assert.match(err.message, new RegExp(`^setns ${notNamespace}: invalid argument`));
      assert.doesNotMatch(err.message, /kapsel-init/);
      return true;
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

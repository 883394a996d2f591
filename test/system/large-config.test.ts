// Issue 8 "also fix": a 300 KB annotation set works. The init's "go"
// message carries the state JSON (annotations included) twice; above one
// datagram it travels in a memfd. The createContainer hook (run by the
// init with that state on stdin) sees every annotation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readState } from '../../lib/state/store';
import { createTestContainer } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';

const suite = systemSuite();
const { skip } = suite;

test('a 300 KB annotation set: create, the in-container hooks\' state and the stored state have all of it', { skip }, async () => {
  const out = tempDir('annotations');
  const annotations: Record<string, string> = {};
  for (let i = 0; i < 300; i++) annotations[`example.com/key-${i}`] = 'v'.repeat(1000);
  const bundle = suite.bundle({
    edit: (s) => {
      s.annotations = annotations;
      // Run by the init (before pivot_root): its stdin is the state JSON the init was sent.
      s.hooks = { createContainer: [{ path: '/bin/sh', args: ['sh', '-c', `cat > ${out}/state.json`] }] };
    },
  });
  const run = await createTestContainer(bundle, { root: suite.root, args: ['/probe', 'report'] });
  try {
    const hookSaw = JSON.parse(fs.readFileSync(path.join(out, 'state.json'), 'utf8'));
    assert.deepEqual(hookSaw.annotations, annotations);
    assert.equal(hookSaw.status, 'creating');
    assert.deepEqual(readState(suite.root, run.container.id)!.annotations, annotations);
    assert.deepEqual(run.container.state().annotations, annotations);
  } finally {
    await run.destroy();
    fs.rmSync(out, { recursive: true, force: true });
  }
});

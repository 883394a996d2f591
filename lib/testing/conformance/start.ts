/** runtime.md, Start: its errors on wrong states and unknown ids. */
import assert from 'node:assert/strict';
import { SHORT } from './harness';
import { cite, type Area } from './spec';

const NOT_CREATED = cite('runtime.md', 'Start', 'MUST', 'Attempting to start a container that is not created MUST have no effect on the container and MUST generate an error.');

export const startArea: Area = {
  name: 'start',
  checks: [
    {
      title: 'start of a running container fails and leaves it running',
      cite: NOT_CREATED,
      async run(h) {
        const id = h.id();
        await h.created(id, h.bundle());
        await h.ok(['start', id]);
        await h.waitFile('ran');
        const before = await h.state(id);
        await h.fails(['start', id], 'the container is running');
        const after = await h.state(id);
        assert.equal(after.status, 'running');
        assert.equal(after.pid, before.pid);
      },
    },
    {
      title: 'start of a stopped container fails, leaves it stopped and does not run the program again',
      cite: NOT_CREATED,
      async run(h) {
        const id = h.id();
        await h.created(id, h.bundle(undefined, ['/bin/sh', '-c', 'echo ran >> /out/runs']));
        await h.ok(['start', id]);
        await h.waitStatus(id, 'stopped');
        await h.fails(['start', id], 'the container is stopped');
        assert.equal((await h.state(id)).status, 'stopped');
        assert.equal(h.read('runs'), 'ran\n', 'the program ran once');
      },
    },
    {
      title: 'start of an unknown id fails',
      cite: NOT_CREATED,
      async run(h) {
        await h.fails(['start', h.id()], 'no container has this id');
      },
    },
    {
      title: 'start without an id fails',
      cite: cite('runtime.md', 'Start', 'MUST', 'This operation MUST generate an error if it is not provided the container ID.'),
      async run(h) {
        await h.fails(['start'], 'no id was given');
      },
    },
    {
      title: 'a config without process cannot be started (create or start fails)',
      cite: cite('runtime.md', 'Start', 'MUST', 'This operation MUST generate an error if process was not set.'),
      async run(h) {
        const id = h.id();
        const bundle = h.bundle((c) => delete c.process, SHORT);
        const created = await h.create(id, bundle);
        if (created.code === 0) await h.fails(['start', id], 'the config has no process');
        assert.equal(h.read('ran'), undefined);
      },
    },
  ],
};

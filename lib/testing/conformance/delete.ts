/** runtime.md, Delete: errors on live containers; what delete removes and keeps. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { alive, SHORT } from './harness';
import { cite, type Area } from './spec';

const NOT_STOPPED = cite('runtime.md', 'Delete', 'MUST', 'Attempting to delete a container that is not stopped MUST have no effect on the container and MUST generate an error.');
const REMOVES = cite('runtime.md', 'Delete', 'MUST', 'Deleting a container MUST delete the resources that were created during the create step.');

export const deleteArea: Area = {
  name: 'delete',
  checks: [
    {
      title: 'delete (without --force) of a running container fails and leaves it running',
      cite: NOT_STOPPED,
      async run(h) {
        const id = h.id();
        const state = await h.created(id, h.bundle());
        await h.ok(['start', id]);
        await h.waitFile('ran');
        await h.fails(['delete', id], 'the container is running');
        const after = await h.state(id);
        assert.equal(after.status, 'running');
        assert.equal(after.pid, state.pid);
        assert.ok(alive(state.pid as number));
      },
    },
    {
      title: 'delete (without --force) of a created container fails and leaves it created',
      cite: NOT_STOPPED,
      async run(h) {
        const id = h.id();
        const state = await h.created(id, h.bundle());
        await h.fails(['delete', id], 'the container is created, not stopped');
        const after = await h.state(id);
        assert.equal(after.status, 'created');
        assert.equal(after.pid, state.pid);
        // Still startable: delete had no effect.
        await h.ok(['start', id]);
        await h.waitFile('ran');
      },
    },
    {
      title: 'delete of an unknown id fails',
      cite: NOT_STOPPED,
      async run(h) {
        await h.fails(['delete', h.id()], 'no container has this id');
      },
    },
    {
      title: 'delete without an id fails',
      cite: cite('runtime.md', 'Delete', 'MUST', 'This operation MUST generate an error if it is not provided the container ID.'),
      async run(h) {
        await h.fails(['delete'], 'no id was given');
      },
    },
    {
      title: 'delete of a stopped container removes it: state fails, the id is free again',
      cite: REMOVES,
      async run(h) {
        const id = h.id();
        await h.created(id, h.bundle(undefined, SHORT));
        await h.ok(['start', id]);
        await h.waitStatus(id, 'stopped');
        await h.ok(['delete', id]);
        await h.gone(id, 'the container was deleted');
        // Nothing of the old container is left to clash with a new one.
        await h.created(id, h.bundle());
      },
    },
    {
      title: 'delete keeps what the container did not create: the bundle, its config.json and the bind-mount source',
      cite: cite('runtime.md', 'Delete', 'MUST', 'Note that resources associated with the container, but not created by this container, MUST NOT be deleted.'),
      async run(h) {
        const id = h.id();
        const bundle = h.bundle(undefined, SHORT);
        await h.created(id, bundle);
        await h.ok(['start', id]);
        await h.waitStatus(id, 'stopped');
        await h.ok(['delete', id]);
        assert.ok(fs.existsSync(path.join(bundle, 'config.json')), 'config.json is kept');
        assert.equal(h.read('ran'), 'ran\n', 'the bind mount\'s source and its files are kept');
      },
    },
    {
      title: 'delete --force (runc\'s CLI) of a running container kills and removes it',
      cite: REMOVES,
      async run(h) {
        const id = h.id();
        const state = await h.created(id, h.bundle());
        await h.ok(['start', id]);
        await h.waitFile('ran');
        await h.ok(['delete', '--force', id]);
        await h.gone(id, 'the container was force-deleted');
        await h.until(() => !alive(state.pid as number), `process ${String(state.pid)} to be gone`);
      },
    },
  ],
};

/** runtime.md, State and Query State: the state's values and fields. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { alive, SHORT } from './harness';
import { cite, type Area } from './spec';

const STATUSES = ['creating', 'created', 'running', 'stopped'];

/** The state schema's required fields and types (schema/state-schema.json). */
function assertStateShape(state: Record<string, unknown>): void {
  assert.equal(typeof state.ociVersion, 'string', 'ociVersion is a string');
  assert.equal(typeof state.id, 'string', 'id is a string');
  assert.equal(typeof state.status, 'string', 'status is a string');
  assert.equal(typeof state.bundle, 'string', 'bundle is a string');
  if (state.pid !== undefined) assert.ok(Number.isInteger(state.pid) && (state.pid as number) >= 0, `pid ${String(state.pid)} is an integer >= 0`);
  if (state.annotations !== undefined) {
    assert.equal(typeof state.annotations, 'object', 'annotations is a map');
    for (const [k, v] of Object.entries(state.annotations as object)) assert.equal(typeof v, 'string', `annotation ${k} is a string`);
  }
}

export const stateArea: Area = {
  name: 'state',
  checks: [
    {
      title: 'state of a created container has ociVersion, id, status, pid and bundle of the schema\'s types',
      cite: cite('runtime.md', 'State', 'MUST', 'When serialized in JSON, the format MUST adhere to the JSON Schema schema/state-schema.json.'),
      async run(h) {
        const id = h.id();
        const state = await h.created(id, h.bundle());
        assertStateShape(state);
      },
    },
    {
      title: 'state reports the id the container was created with',
      cite: cite('runtime.md', 'State', 'MUST', '`id` (string, REQUIRED) is the container\'s ID. This MUST be unique across all containers on this host.'),
      async run(h) {
        const id = h.id();
        const state = await h.created(id, h.bundle());
        assert.equal(state.id, id);
      },
    },
    {
      title: 'state.bundle is the absolute path of the bundle directory',
      cite: cite('runtime.md', 'State', 'MUST', '`bundle` (string, REQUIRED) is the absolute path to the container\'s bundle directory.'),
      async run(h) {
        const id = h.id();
        const bundle = h.bundle();
        const state = await h.created(id, bundle);
        assert.equal(typeof state.bundle, 'string');
        assert.ok((state.bundle as string).startsWith('/'), `bundle ${String(state.bundle)} is absolute`);
        assert.equal(fs.realpathSync(state.bundle as string), fs.realpathSync(bundle));
      },
    },
    {
      title: 'state.pid of a created container is its live process',
      cite: cite('runtime.md', 'State', 'MUST', '`pid` (int, REQUIRED when `status` is `created` or `running` on Linux, OPTIONAL on other platforms) is the ID of the container process.'),
      async run(h) {
        const id = h.id();
        const state = await h.created(id, h.bundle());
        assert.ok(Number.isInteger(state.pid) && (state.pid as number) > 0, `pid ${String(state.pid)}`);
        assert.ok(alive(state.pid as number), `process ${String(state.pid)} is alive`);
      },
    },
    {
      title: 'state.annotations are the config\'s annotations',
      cite: cite('runtime.md', 'Query State', 'MUST', 'This operation MUST return the state of a container as specified in the State section.'),
      async run(h) {
        const id = h.id();
        const annotations = { 'org.opencontainers.conformance.a': 'one', 'org.opencontainers.conformance.b': 'two words' };
        const state = await h.created(id, h.bundle((c) => (c.annotations = annotations)));
        assert.deepEqual(state.annotations, annotations);
      },
    },
    {
      title: 'status is "created" after create, before the program runs',
      cite: cite('runtime.md', 'State', 'DEFINITION', '`created`: the runtime has finished the create operation (after step 2 in the lifecycle), and the container process has neither exited nor executed the user-specified program'),
      async run(h) {
        const id = h.id();
        const state = await h.created(id, h.bundle());
        assert.equal(state.status, 'created');
        assert.equal(h.read('ran'), undefined, 'the program has not run');
      },
    },
    {
      title: 'status is "running" once start has run the program',
      cite: cite('runtime.md', 'State', 'DEFINITION', '`running`: the container process has executed the user-specified program but has not exited (after step 8 in the lifecycle)'),
      async run(h) {
        const id = h.id();
        await h.created(id, h.bundle());
        await h.ok(['start', id]);
        await h.waitFile('ran');
        const state = await h.state(id);
        assert.equal(state.status, 'running');
        assert.ok(alive(state.pid as number), `pid ${String(state.pid)} is alive`);
        assertStateShape(state);
      },
    },
    {
      title: 'status is "stopped" once the program exited',
      cite: cite('runtime.md', 'State', 'DEFINITION', '`stopped`: the container process has exited (step 10 in the lifecycle)'),
      async run(h) {
        const id = h.id();
        await h.created(id, h.bundle(undefined, SHORT));
        await h.ok(['start', id]);
        const state = await h.waitStatus(id, 'stopped');
        assertStateShape(state);
        assert.ok(STATUSES.includes(state.status as string));
      },
    },
    {
      title: 'state of an unknown id fails',
      cite: cite('runtime.md', 'Query State', 'MUST', 'Attempting to query a container that does not exist MUST generate an error.'),
      async run(h) {
        await h.fails(['state', h.id()], 'no container has this id');
      },
    },
    {
      title: 'state without an id fails',
      cite: cite('runtime.md', 'Query State', 'MUST', 'This operation MUST generate an error if it is not provided the ID of a container.'),
      async run(h) {
        await h.fails(['state'], 'no id was given');
      },
    },
  ],
};

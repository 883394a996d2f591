/** runtime.md, Create: its errors. */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { alive } from './harness';
import { cite, type Area } from './spec';

export const createArea: Area = {
  name: 'create',
  checks: [
    {
      title: 'create with the id of an existing container fails and leaves that container as it was',
      cite: cite('runtime.md', 'Create', 'MUST', 'If the ID provided is not unique across all containers within the scope of the runtime, or is not valid in any other way, the implementation MUST generate an error and a new container MUST NOT be created.'),
      async run(h) {
        const id = h.id();
        const first = await h.created(id, h.bundle());
        const other = h.bundle((c) => (c.annotations = { 'org.opencontainers.conformance.second': 'yes' }));
        await h.fails(['create', '--bundle', other, id], `a container ${id} exists`);
        const after = await h.state(id);
        assert.equal(after.status, 'created');
        assert.equal(after.pid, first.pid);
        assert.equal(after.bundle, first.bundle);
        assert.ok(alive(first.pid as number));
      },
    },
    {
      title: 'create with an id of a running container fails and leaves it running',
      cite: cite('runtime.md', 'Create', 'MUST', 'If the ID provided is not unique across all containers within the scope of the runtime, or is not valid in any other way, the implementation MUST generate an error and a new container MUST NOT be created.'),
      async run(h) {
        const id = h.id();
        const first = await h.created(id, h.bundle());
        await h.ok(['start', id]);
        await h.waitFile('ran');
        await h.fails(['create', '--bundle', h.bundle(), id], `a container ${id} runs`);
        const after = await h.state(id);
        assert.equal(after.status, 'running');
        assert.equal(after.pid, first.pid);
      },
    },
    {
      title: 'create with an id containing "/" fails and creates nothing',
      cite: cite('runtime.md', 'Create', 'MUST', 'If the ID provided is not unique across all containers within the scope of the runtime, or is not valid in any other way, the implementation MUST generate an error and a new container MUST NOT be created.'),
      async run(h) {
        const id = `../${h.id()}`;
        await h.fails(['create', '--bundle', h.bundle(), id], `the id ${id} is not valid`);
        await h.gone(path.basename(id), 'create failed');
        assert.equal(h.read('ran'), undefined);
      },
    },
    {
      title: 'create without an id fails',
      cite: cite('runtime.md', 'Create', 'MUST', 'This operation MUST generate an error if it is not provided a path to the bundle and the container ID to associate with the container.'),
      async run(h) {
        await h.fails(['create', '--bundle', h.bundle()], 'no id was given');
      },
    },
    {
      title: 'create of a config whose mount cannot be made fails and creates nothing',
      cite: cite('runtime.md', 'Create', 'MUST', 'If the runtime cannot apply a property as specified in the configuration, it MUST generate an error and a new container MUST NOT be created.'),
      async run(h) {
        const id = h.id();
        const [bundle, why] = h.unmountableBundle();
        await h.fails(['create', '--bundle', bundle, id], why);
        await h.gone(id, 'create failed');
      },
    },
    {
      title: 'create does not run process.args',
      cite: cite('runtime.md', 'Create', 'MUST', 'process.args MUST NOT be applied until triggered by the start operation.'),
      async run(h) {
        const id = h.id();
        await h.created(id, h.bundle());
        // The check's other operations take a while: a program run by
        // create would have written its file by the time state answered.
        await h.state(id);
        assert.equal(h.read('ran'), undefined, 'the program ran before start');
      },
    },
  ],
};

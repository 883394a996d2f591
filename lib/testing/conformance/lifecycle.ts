/** runtime.md, Lifecycle and Errors: each step, in order. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { alive, nsOf, SHORT } from './harness';
import { OUT } from './rootfs';
import { cite, type Area } from './spec';

export const lifecycleArea: Area = {
  name: 'lifecycle',
  checks: [
    {
      title: 'create, start, exit, delete: created -> running -> stopped -> gone',
      cite: cite('runtime.md', 'Lifecycle', 'DEFINITION', 'The lifecycle describes the timeline of events that happen from when a container is created to when it ceases to exist.'),
      async run(h) {
        const id = h.id();
        const bundle = h.bundle(undefined, ['/bin/sh', '-c', `echo ran > ${OUT}/ran; while [ ! -e ${OUT}/stop ]; do sleep 0.05; done`]);
        assert.equal((await h.created(id, bundle)).status, 'created');
        await h.ok(['start', id]);
        await h.waitFile('ran');
        const running = await h.state(id);
        assert.equal(running.status, 'running');
        fs.writeFileSync(path.join(h.out, 'stop'), '');
        await h.waitStatus(id, 'stopped');
        await h.ok(['delete', id]);
        await h.gone(id, 'the container was deleted');
        assert.ok(!alive(running.pid as number), `process ${String(running.pid)} is gone`);
      },
    },
    {
      title: 'create makes the namespaces the config asks for',
      cite: cite('runtime.md', 'Lifecycle', 'MUST', 'While the resources requested in the config.json MUST be created, the user-specified program (from process) MUST NOT be run at this time.'),
      async run(h) {
        const id = h.id();
        const state = await h.created(id, h.bundle());
        const pid = state.pid as number;
        for (const [config, proc] of [['pid', 'pid'], ['ipc', 'ipc'], ['uts', 'uts'], ['mount', 'mnt'], ...(h.rootless ? [['user', 'user']] : [['network', 'net']])]) {
          const theirs = nsOf(pid, proc!);
          assert.ok(theirs, `cannot read /proc/${pid}/ns/${proc}`);
          assert.notEqual(theirs, nsOf('self', proc!), `the container has a ${config} namespace of its own`);
        }
        assert.equal(h.read('ran'), undefined, 'the program has not run');
      },
    },
    {
      title: 'create applies the mounts before start',
      cite: cite('runtime.md', 'Create', 'MUST', 'All of the properties configured in config.json except for process MUST be applied.'),
      async run(h) {
        const id = h.id();
        const state = await h.created(id, h.bundle());
        fs.writeFileSync(path.join(h.out, 'marker'), 'from the host');
        const seen = fs.readFileSync(`/proc/${String(state.pid)}/root${OUT}/marker`, 'utf8');
        assert.equal(seen, 'from the host', `${OUT} is the bind mount in the container's root`);
      },
    },
    {
      title: 'a config.json changed after create does not change the container',
      cite: cite('runtime.md', 'Lifecycle', 'MUST', 'Any updates to config.json after this step MUST NOT affect the container.'),
      async run(h) {
        const id = h.id();
        const bundle = h.bundle(undefined, ['/bin/sh', '-c', `echo original > ${OUT}/which`]);
        await h.created(id, bundle);
        const file = path.join(bundle, 'config.json');
        const config = JSON.parse(fs.readFileSync(file, 'utf8'));
        config.process.args = ['/bin/sh', '-c', `echo changed > ${OUT}/which`];
        fs.writeFileSync(file, JSON.stringify(config));
        await h.ok(['start', id]);
        assert.equal((await h.waitFile('which')).trim(), 'original');
      },
    },
    {
      title: 'start runs the user-specified program',
      cite: cite('runtime.md', 'Lifecycle', 'MUST', 'The runtime MUST run the user-specified program, as specified by process.'),
      async run(h) {
        const id = h.id();
        await h.created(id, h.bundle(undefined, SHORT));
        await h.ok(['start', id]);
        assert.equal((await h.waitFile('ran')).trim(), 'ran');
      },
    },
    {
      title: 'delete destroys the container: its process is gone and state fails',
      cite: cite('runtime.md', 'Lifecycle', 'MUST', 'The container MUST be destroyed by undoing the steps performed during create phase (step 2).'),
      async run(h) {
        const id = h.id();
        const state = await h.created(id, h.bundle());
        await h.ok(['kill', id, 'KILL']);
        await h.waitStatus(id, 'stopped');
        await h.ok(['delete', id]);
        await h.gone(id, 'the container was deleted');
        assert.ok(!alive(state.pid as number), `process ${String(state.pid)} is gone`);
      },
    },
    {
      title: 'a failed create leaves nothing: the id is unknown and can be created again',
      cite: cite('runtime.md', 'Errors', 'MUST', 'Unless otherwise stated, generating an error MUST leave the state of the environment as if the operation were never attempted - modulo any possible trivial ancillary changes such as logging.'),
      async run(h) {
        const id = h.id();
        const [bundle, why] = h.unmountableBundle();
        await h.fails(['create', '--bundle', bundle, id], why);
        await h.gone(id, 'create failed');
        const state = await h.created(id, h.bundle());
        assert.equal(state.status, 'created');
      },
    },
  ],
};

/** runtime.md, Kill: the signal reaches the container process; errors on wrong states. */
import assert from 'node:assert/strict';
import { SHORT } from './harness';
import { OUT } from './rootfs';
import { cite, type Area } from './spec';

const NOT_LIVE = cite('runtime.md', 'Kill', 'MUST', 'Attempting to send a signal to a container that is neither created nor running MUST have no effect on the container and MUST generate an error.');
const SENDS = cite('runtime.md', 'Kill', 'MUST', 'This operation MUST send the specified signal to the container process.');

export const killArea: Area = {
  name: 'kill',
  checks: [
    {
      title: 'kill sends the named signal to the container process (SIGUSR1 reaches its trap)',
      cite: SENDS,
      async run(h) {
        const id = h.id();
        const program = `trap 'echo usr1 > ${OUT}/got; exit 0' USR1; echo ready > ${OUT}/ready; while true; do sleep 0.05; done`;
        await h.created(id, h.bundle(undefined, ['/bin/sh', '-c', program]));
        await h.ok(['start', id]);
        await h.waitFile('ready');
        await h.ok(['kill', id, 'USR1']);
        assert.equal((await h.waitFile('got')).trim(), 'usr1');
        await h.waitStatus(id, 'stopped');
      },
    },
    {
      title: 'kill of a created container with SIGKILL stops it',
      cite: SENDS,
      async run(h) {
        const id = h.id();
        await h.created(id, h.bundle());
        await h.ok(['kill', id, 'KILL']);
        await h.waitStatus(id, 'stopped');
        assert.equal(h.read('ran'), undefined, 'the program never ran');
      },
    },
    {
      title: 'kill of a running container with SIGKILL stops it',
      cite: SENDS,
      async run(h) {
        const id = h.id();
        await h.created(id, h.bundle());
        await h.ok(['start', id]);
        await h.waitFile('ran');
        await h.ok(['kill', id, 'KILL']);
        await h.waitStatus(id, 'stopped');
      },
    },
    {
      title: 'kill of a stopped container fails and leaves it stopped',
      cite: NOT_LIVE,
      async run(h) {
        const id = h.id();
        await h.created(id, h.bundle(undefined, SHORT));
        await h.ok(['start', id]);
        await h.waitStatus(id, 'stopped');
        await h.fails(['kill', id, 'KILL'], 'the container is stopped');
        assert.equal((await h.state(id)).status, 'stopped');
      },
    },
    {
      title: 'kill of an unknown id fails',
      cite: NOT_LIVE,
      async run(h) {
        await h.fails(['kill', h.id(), 'KILL'], 'no container has this id');
      },
    },
    {
      title: 'kill without an id fails',
      cite: cite('runtime.md', 'Kill', 'MUST', 'This operation MUST generate an error if it is not provided the container ID.'),
      async run(h) {
        await h.fails(['kill'], 'no id was given');
      },
    },
  ],
};

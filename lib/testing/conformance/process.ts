/** config.md, Process, POSIX process and Linux Process: what start must apply. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { OUT } from './rootfs';
import { cite, type Area } from './spec';

/** `Max open files  SOFT  HARD  files` from a /proc/PID/limits text. */
function nofile(limits: string): { soft: string; hard: string } {
  const line = limits.split('\n').find((l) => l.startsWith('Max open files'));
  assert.ok(line, `no "Max open files" line in ${limits}`);
  const [soft, hard] = line.slice('Max open files'.length).trim().split(/\s+/);
  return { soft: soft!, hard: hard! };
}

/** util-linux's setpriv, which every Linux distribution has. */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p)) ?? 'setpriv';

const RLIMIT_TYPE = cite('config.md', 'POSIX process', 'MUST', 'The runtime MUST generate an error for any values which cannot be mapped to a relevant kernel interface.');

export const processArea: Area = {
  name: 'process',
  checks: [
    {
      title: 'the program runs with process.args, process.cwd and process.env',
      cite: cite('runtime.md', 'Start', 'MUST', 'This operation MUST run the user-specified program as specified by process.'),
      async run(h) {
        const id = h.id();
        const script = `pwd > ${OUT}/cwd; echo "$CONFORMANCE_VAR" > ${OUT}/env; echo "$0 $1" > ${OUT}/args`;
        await h.created(id, h.bundle((c) => {
          c.process.cwd = '/proc';
          c.process.env.push('CONFORMANCE_VAR=a value with spaces');
        }, ['/bin/sh', '-c', script, 'zero', 'one']));
        await h.ok(['start', id]);
        await h.waitStatus(id, 'stopped');
        assert.equal(h.read('cwd')?.trim(), '/proc');
        assert.equal(h.read('env')?.trim(), 'a value with spaces');
        assert.equal(h.read('args')?.trim(), 'zero one');
      },
    },
    {
      title: 'process.rlimits set the soft and hard limits',
      cite: cite('config.md', 'POSIX process', 'MUST', 'rlim.rlim_cur MUST match the configured value. ... rlim.rlim_max MUST match the configured value.'),
      async run(h) {
        const id = h.id();
        await h.created(id, h.bundle((c) => (c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 123, hard: 456 }]), ['/bin/sh', '-c', `cat /proc/self/limits > ${OUT}/limits`]));
        await h.ok(['start', id]);
        await h.waitStatus(id, 'stopped');
        assert.deepEqual(nofile(h.read('limits') ?? ''), { soft: '123', hard: '456' });
      },
    },
    {
      title: 'duplicated rlimits types fail create or start, and the program does not run',
      cite: cite('config.md', 'POSIX process', 'MUST', 'If rlimits contains duplicated entries with same type, the runtime MUST generate an error.'),
      async run(h) {
        const id = h.id();
        const rlimits = [{ type: 'RLIMIT_NOFILE', soft: 100, hard: 200 }, { type: 'RLIMIT_NOFILE', soft: 300, hard: 400 }];
        const bundle = h.bundle((c) => (c.process.rlimits = rlimits));
        const created = await h.create(id, bundle);
        if (created.code === 0) await h.fails(['start', id], 'RLIMIT_NOFILE is given twice');
        assert.equal(h.read('ran'), undefined, 'the program ran');
      },
    },
    {
      title: 'an rlimit type the kernel does not have fails create or start, and the program does not run',
      cite: RLIMIT_TYPE,
      async run(h) {
        const id = h.id();
        const bundle = h.bundle((c) => (c.process.rlimits = [{ type: 'RLIMIT_CONFORMANCE_NONE', soft: 1, hard: 1 }]));
        const created = await h.create(id, bundle);
        if (created.code === 0) await h.fails(['start', id], 'RLIMIT_CONFORMANCE_NONE is no rlimit');
        assert.equal(h.read('ran'), undefined, 'the program ran');
      },
    },
    {
      title: 'process.oomScoreAdj is the program\'s oom_score_adj',
      cite: cite('config.md', 'Linux Process', 'MUST', 'If oomScoreAdj is set, the runtime MUST set oom_score_adj to the given value.'),
      async run(h) {
        const id = h.id();
        // Above our own: raising it needs no privilege (rootless too).
        const ours = Number(fs.readFileSync('/proc/self/oom_score_adj', 'utf8'));
        const wanted = Math.min(1000, ours + 123);
        await h.created(id, h.bundle((c) => (c.process.oomScoreAdj = wanted), ['/bin/sh', '-c', `cat /proc/self/oom_score_adj > ${OUT}/oom`]));
        await h.ok(['start', id]);
        await h.waitStatus(id, 'stopped');
        assert.equal(h.read('oom')?.trim(), String(wanted));
      },
    },
    {
      title: 'without process.oomScoreAdj the program keeps the caller\'s oom_score_adj',
      cite: cite('config.md', 'Linux Process', 'MUST', 'If oomScoreAdj is not set, the runtime MUST NOT change the value of oom_score_adj.'),
      async run(h) {
        const id = h.id();
        const ours = fs.readFileSync('/proc/self/oom_score_adj', 'utf8').trim();
        await h.created(id, h.bundle(undefined, ['/bin/sh', '-c', `cat /proc/self/oom_score_adj > ${OUT}/oom`]));
        await h.ok(['start', id]);
        await h.waitStatus(id, 'stopped');
        assert.equal(h.read('oom')?.trim(), ours);
      },
    },
    {
      title: 'process.noNewPrivileges sets no_new_privs',
      cite: cite('config.md', 'Linux Process', 'DEFINITION', 'noNewPrivileges (bool, OPTIONAL) setting noNewPrivileges to true prevents the process from gaining additional privileges.'),
      async run(h) {
        const id = h.id();
        await h.created(id, h.bundle((c) => (c.process.noNewPrivileges = true), ['/bin/sh', '-c', `grep NoNewPrivs /proc/self/status > ${OUT}/nnp`]));
        await h.ok(['start', id]);
        await h.waitStatus(id, 'stopped');
        assert.match(h.read('nnp') ?? '', /^NoNewPrivs:\s+1$/m);
      },
    },
    {
      title: 'process.consoleSize is ignored when terminal is false',
      cite: cite('config.md', 'Process', 'MUST', 'Runtimes MUST ignore consoleSize if terminal is false or unset.'),
      async run(h) {
        const id = h.id();
        await h.created(id, h.bundle((c) => {
          c.process.terminal = false;
          c.process.consoleSize = { height: 40, width: 100 };
        }));
        await h.ok(['start', id]);
        await h.waitFile('ran');
      },
    },
    {
      title: 'a capability the runtime cannot grant (outside its own bounding set) does not fail the container',
      cite: cite('config.md', 'Linux Process', 'SHOULD', 'Runtimes SHOULD NOT fail if the container configuration requests capabilities that cannot be granted, for example, if the runtime operates in a restricted environment with a limited set of capabilities.'),
      rootOnly: 'shrinking the runtime\'s bounding set (setpriv) needs CAP_SETPCAP',
      async run(h) {
        const id = h.id();
        // The runtime runs without CAP_SYS_MODULE in its bounding set (a
        // restricted environment), so it cannot give the container that one.
        const restricted = [SETPRIV, '--bounding-set', '-sys_module', '--'];
        const bundle = h.bundle((c) => {
          for (const set of ['bounding', 'effective', 'permitted']) c.process.capabilities[set].push('CAP_SYS_MODULE');
        });
        await h.ok(['create', '--bundle', bundle, id], restricted);
        await h.ok(['start', id], restricted);
        await h.waitFile('ran');
      },
    },
  ],
};

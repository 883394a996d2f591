// pause, resume, ps, events, update and kill --all through the real
// bin/kapsel, as an engine calls them, with runc's flags and output shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectLayout } from '../../lib/cgroups/layout';
import { REPO_ROOT } from '../helpers/bundle';
import { uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';

const suite = systemSuite();
const layout = detectLayout();
const skip = suite.skip || (layout.kind === 'v2' ? 'checks v1 files (this host is pure cgroup v2)' : false);
const BIN = path.join(REPO_ROOT, 'bin', 'kapsel');

function kapsel(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(BIN, ['--root', suite.root, ...args], {
    encoding: 'utf8',
    input,
    // create hands its stdio to the container: no pipes that would stay open.
    stdio: args[0] === 'create' ? ['ignore', 'ignore', 'ignore'] : ['pipe', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  if (res.error) throw res.error;
  return { status: res.status, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
}

/** The parts of runc's stats JSON the test reads. */
interface StatsShape {
  cpu: { usage: { percpu_kernel: number[]; percpu_user: number[] }; throttling: Record<string, number> };
  cpuset: { cpus: number[] };
  memory: { kernelTCP: { limit: number; failcnt: number } };
  network_interfaces: null;
}

function ok(args: string[], input?: string): string {
  const r = kapsel(args, input);
  assert.equal(r.status, 0, `kapsel ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('pause, resume, ps, events --stats, update and kill --all from the command line', { skip }, async () => {
  const id = uniqueId();
  const b = suite.bundle({
    edit(s) {
      s.process!.args = ['/probe', 'sleep', '60'];
      s.linux!.cgroupsPath = `/${id}`;
      s.linux!.resources = { ...s.linux!.resources, pids: { limit: 50 } };
    },
  });
  ok(['create', '--bundle', b.dir, id]);
  try {
    ok(['start', id]);
    const pid = (JSON.parse(ok(['state', id])) as { pid: number }).pid;

    assert.deepEqual(JSON.parse(ok(['ps', '--format', 'json', id])), [pid]);
    const table = ok(['ps', id, '--', '-o', 'pid,comm']).trim().split('\n');
    assert.match(table[0]!, /PID/);
    assert.deepEqual(table.slice(1).map((l) => Number(l.trim().split(/\s+/)[0])), [pid]);

    ok(['pause', id]);
    assert.equal((JSON.parse(ok(['state', id])) as { status: string }).status, 'paused');
    assert.match(kapsel(['pause', id]).stderr, /already paused/);
    ok(['resume', id]);
    assert.equal((JSON.parse(ok(['state', id])) as { status: string }).status, 'running');

    const event = JSON.parse(ok(['events', '--stats', id])) as { type: string; id: string; data: { pids: { current: number; limit: number }; memory: { usage: object }; cpu: { usage: { total: number } } } };
    assert.equal(event.type, 'stats');
    assert.equal(event.id, id);
    assert.deepEqual(event.data.pids, { current: 1, limit: 50 });
    assert.ok('usage' in event.data.memory && typeof event.data.cpu.usage.total === 'number');
    // runc's stats shape (issue 17 item 7): its keys, and integers printed
    // exactly; the values compared with the files of the container's cgroup.
    const text = ok(['events', '--stats', id]);
    const data = (JSON.parse(text) as { data: StatsShape }).data;
    assert.deepEqual(Object.keys(data), ['cpu', 'cpuset', 'memory', 'pids', 'blkio', 'hugetlb', 'intel_rdt', 'network_interfaces']);
    const cpuacct = path.join(layout.v1.cpuacct.mountPoint, id);
    const perCpu = (file: string): number => fs.readFileSync(path.join(cpuacct, file), 'utf8').trim().split(/\s+/).length;
    assert.equal(data.cpu.usage.percpu_kernel.length, perCpu('cpuacct.usage_percpu_sys'));
    assert.equal(data.cpu.usage.percpu_user.length, perCpu('cpuacct.usage_percpu_user'));
    assert.ok(Object.keys(data.cpu.throttling).every((k) => ['periods', 'throttledPeriods', 'throttledTime'].includes(k)), JSON.stringify(data.cpu.throttling));
    const memDir = path.join(layout.v1.memory.mountPoint, id);
    const tcpLimit = fs.readFileSync(path.join(memDir, 'memory.kmem.tcp.limit_in_bytes'), 'utf8').trim();
    assert.match(text, new RegExp(`"kernelTCP":\\{"limit":${tcpLimit},`), 'kernelTCP with its limit, every digit');
    assert.equal(data.memory.kernelTCP.failcnt, Number(fs.readFileSync(path.join(memDir, 'memory.kmem.tcp.failcnt'), 'utf8')));
    const cpusetCpus = fs.readFileSync(path.join(layout.v1.cpuset.mountPoint, id, 'cpuset.cpus'), 'utf8').trim();
    assert.ok(data.cpuset.cpus.length > 0 && cpusetCpus.length > 0, cpusetCpus);
    assert.equal(data.network_interfaces, null);

    // The stream: stats every interval until the container is gone.
    const stream = spawn(BIN, ['--root', suite.root, 'events', '--interval', '50ms', id], { stdio: ['ignore', 'pipe', 'pipe'] });
    let streamed = '';
    stream.stdout.on('data', (d: Buffer) => (streamed += d.toString()));
    let streamErr = '';
    stream.stderr.on('data', (d: Buffer) => (streamErr += d.toString()));
    // 'close', not 'exit': the pipes are read to their end and closed too
    // (Node 24 keeps a pipe nobody read open after the child's exit: an fd
    // the leak check finds).
    const streamEnd = new Promise<number | null>((resolve) => stream.once('close', (code) => resolve(code)));
    for (let i = 0; i < 2000 && streamed.split('\n').length < 3; i++) await new Promise((r) => setTimeout(r, 5));
    const streamEvents = streamed.trim().split('\n').slice(0, 2).map((l) => JSON.parse(l) as { type: string; id: string });
    assert.deepEqual(streamEvents.map((e) => [e.type, e.id]), [['stats', id], ['stats', id]]);

    const pidsMax = path.join(layout.v1.pids.mountPoint, id, 'pids.max');
    ok(['update', '--pids-limit', '33', '--memory', '64m', id]);
    assert.equal(fs.readFileSync(pidsMax, 'utf8').trim(), '33');
    assert.equal(fs.readFileSync(path.join(layout.v1.memory.mountPoint, id, 'memory.limit_in_bytes'), 'utf8').trim(), String(64 * 1024 * 1024));
    ok(['update', '--resources', '-', id], JSON.stringify({ pids: { limit: 44 } }));
    assert.equal(fs.readFileSync(pidsMax, 'utf8').trim(), '44');
    assert.notEqual(kapsel(['update', '--memory', 'lots', id]).status, 0);

    ok(['kill', '--all', id, 'KILL']);
    for (let i = 0; i < 2000 && (JSON.parse(ok(['state', id])) as { status: string }).status !== 'stopped'; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal((JSON.parse(ok(['state', id])) as { status: string }).status, 'stopped');
    assert.match(kapsel(['pause', id]).stderr, /container not running/);
    assert.equal(await streamEnd, 0, `events ends with the container: ${streamErr}`);
  } finally {
    ok(['delete', '--force', id]);
  }
  assert.equal(fs.existsSync(path.join(layout.v1.pids.mountPoint, id)), false);
});

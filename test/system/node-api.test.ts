// Issue 20 items 3-5: the library the Node way, checked on real
// containers. `await using` leaves nothing behind (no init, no exec'd
// process, no state directory); 'exit' reaches listeners without wait();
// Container.run does the whole life; exec([...]) starts the container's
// own process with new args (checked from inside with the probe); a bad
// signal name is a typed error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Container, ContainerNotFoundError, InvalidArgumentError, type ExecCommandAndOptions, type ExitStatus } from '../../lib';
import { TEST_USER } from '../helpers/bundle';
import { uniqueId, type ProbeReport } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';
import { readProcStat } from '../../lib/state/proc';

const suite = systemSuite();
const { skip } = suite;

interface Output {
  stdio: [number, number, number];
  read(): string;
}

/** Runs `fn` with stdio for the library (stdin, stderr /dev/null; stdout a file), closed and removed after. */
async function withOutput(kind: string, fn: (out: Output) => Promise<void>): Promise<void> {
  const dir = tempDir(kind);
  const out = outputTo(dir);
  try {
    await fn(out);
  } finally {
    out.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** stdio for the library: stdin and stderr /dev/null, stdout a file of `dir`; closed by close(). */
function outputTo(dir: string): Output & { close(): void } {
  const file = path.join(dir, 'out');
  const fds = [fs.openSync('/dev/null', 'r'), fs.openSync(file, 'w'), fs.openSync('/dev/null', 'w')];
  return {
    stdio: [fds[0], fds[1], fds[2]],
    read: () => fs.readFileSync(file, 'utf8'),
    close: () => fds.forEach((fd) => fs.closeSync(fd)),
  };
}

/** The process is gone: no such pid, or one that started later (never a zombie of ours). */
function gone(pid: number, startTime: number): boolean {
  const stat = readProcStat(pid);
  return !stat || stat.startTime !== startTime;
}

function sleeperBundle() {
  return suite.bundle({ edit: (s) => (s.process!.args = ['/probe', 'sleep', '60']) });
}

test('await using: a running container is killed, reaped and deleted at the end of the scope', { skip }, async () => {
  const bundle = sleeperBundle();
  const id = uniqueId();
  let pid = 0;
  let startTime = 0;
  await withOutput('dispose', async (out) => {
    {
      await using c = await Container.create({ id, bundle: bundle.dir, root: suite.root, stdio: out.stdio });
      await c.start();
      pid = c.pid;
      startTime = readProcStat(pid)!.startTime;
      assert.equal(c.state().status, 'running');
    }
    assert.ok(gone(pid, startTime), 'the init is gone (killed and reaped, not a zombie)');
    assert.equal(fs.existsSync(path.join(suite.root, id)), false, 'the state directory is removed');
    await assert.rejects(Container.load(id, { root: suite.root }), ContainerNotFoundError);
  });
});

test('await using: a container deleted already in the scope is not an error; nor is one never started', { skip }, async () => {
  const bundle = suite.bundle();
  await withOutput('dispose', async (out) => {
    {
      await using c = await Container.create({ id: uniqueId(), bundle: bundle.dir, root: suite.root, stdio: out.stdio });
      await c.delete({ force: true });
    }
    const id = uniqueId();
    {
      await using c = await Container.create({ id, bundle: bundle.dir, root: suite.root, stdio: out.stdio });
      assert.equal(c.state().status, 'created');
    }
    assert.equal(fs.existsSync(path.join(suite.root, id)), false);
  });
});

test('await using: an exec\'d process is killed with SIGKILL and reaped at the end of the scope', { skip }, async () => {
  const bundle = sleeperBundle();
  await withOutput('dispose', async (out) => {
    await using c = await Container.create({ id: uniqueId(), bundle: bundle.dir, root: suite.root, stdio: out.stdio });
    await c.start();
    let pid = 0;
    let startTime = 0;
    let status: ExitStatus | undefined;
    {
      await using p = await c.exec(['/probe', 'sleep', '60'], { stdio: out.stdio });
      pid = p.pid;
      startTime = readProcStat(pid)!.startTime;
      p.on('exit', (s) => (status = s));
    }
    assert.ok(gone(pid, startTime), 'the exec\'d process is gone (reaped, not a zombie)');
    assert.equal(c.state().status, 'running', 'the container itself goes on');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(status, { exitCode: null, signal: 'SIGKILL' });
  });
});

test("'exit' reaches a container's listener without wait(), with the status", { skip }, async () => {
  const bundle = suite.bundle({ edit: (s) => (s.process!.args = ['/probe', 'exit', '7']) });
  await withOutput('events', async (out) => {
    await using c = await Container.create({ id: uniqueId(), bundle: bundle.dir, root: suite.root, stdio: out.stdio });
    const exited = new Promise<ExitStatus>((resolve) => c.once('exit', resolve));
    const started = new Promise<void>((resolve) => c.once('started', resolve));
    await c.start();
    await started;
    assert.deepEqual(await exited, { exitCode: 7, signal: null });
    assert.equal(c.state().status, 'stopped');
  });
});

test("'exit' reaches a loaded container's listener without wait(); paused, resumed, deleted are emitted", { skip }, async () => {
  const bundle = sleeperBundle();
  await withOutput('events', async (out) => {
    await using c = await Container.create({ id: uniqueId(), bundle: bundle.dir, root: suite.root, stdio: out.stdio });
    await c.start();
    const loaded = await Container.load(c.id, { root: suite.root });
    const seen: string[] = [];
    for (const event of ['paused', 'resumed', 'deleted'] as const) loaded.on(event, () => seen.push(event));
    const exited = new Promise<ExitStatus>((resolve) => loaded.once('exit', resolve));
    await loaded.pause();
    assert.equal(c.state().status, 'paused');
    await loaded.resume();
    await loaded.kill('SIGKILL');
    // This process is the init's parent and has not reaped it yet: the loaded handle's peek (WNOWAIT) reads the status.
    assert.deepEqual(await exited, { exitCode: null, signal: 'SIGKILL' });
    assert.deepEqual(await c.wait(), { exitCode: null, signal: 'SIGKILL' });
    await loaded.delete();
    assert.deepEqual(seen, ['paused', 'resumed', 'deleted']);
  });
});

test('Container.run creates, starts, waits and deletes: the exit status, nothing left', { skip }, async () => {
  const bundle = suite.bundle({ edit: (s) => (s.process!.args = ['/probe', 'exit', '5']) });
  const id = uniqueId();
  await withOutput('run', async (out) => {
    const result = await Container.run({ id, bundle: bundle.dir, root: suite.root, stdio: out.stdio });
    assert.deepEqual(result, { id, exitCode: 5, signal: null });
    assert.equal(fs.existsSync(path.join(suite.root, id)), false, 'deleted');
  });
});

test('Container.run deletes the container when start fails (a missing executable)', { skip }, async () => {
  const bundle = suite.bundle({ edit: (s) => (s.process!.args = ['/no-such-program']) });
  const id = uniqueId();
  await withOutput('run', async (out) => {
    await assert.rejects(Container.run({ id, bundle: bundle.dir, root: suite.root, stdio: out.stdio }));
    assert.equal(fs.existsSync(path.join(suite.root, id)), false, 'deleted');
  });
});

test("exec(args) runs the container's own process (cwd, env, user) with new args; options change it as runc exec's flags do", { skip }, async () => {
  const bundle = suite.bundle({
    edit: (s) => {
      s.process!.args = ['/probe', 'sleep', '60'];
      s.process!.cwd = '/etc';
      s.process!.env = ['PATH=/bin', 'FROM_CONFIG=1', 'OVERRIDDEN=old'];
      s.process!.user = { uid: TEST_USER.uid, gid: TEST_USER.gid };
    },
  });
  const dir = tempDir('exec-args');
  try {
    await using c = await Container.create({ id: uniqueId(), bundle: bundle.dir, root: suite.root, stdio: [0, 1, 2] });
    await c.start();
    const report = async (options: ExecCommandAndOptions): Promise<ProbeReport> => {
      const out = outputTo(dir);
      try {
        const p = await c.exec(['/probe', 'report'], { ...options, stdio: out.stdio });
        assert.deepEqual(await p.wait(), { exitCode: 0, signal: null });
        return JSON.parse(out.read()) as ProbeReport;
      } finally {
        out.close();
      }
    };
    const plain = await report({});
    assert.equal(plain.cwd, '/etc');
    assert.equal(plain.uid, TEST_USER.uid);
    assert.equal(plain.gid, TEST_USER.gid);
    assert.ok(plain.env.includes('FROM_CONFIG=1') && plain.env.includes('OVERRIDDEN=old'), plain.env.join(' '));
    assert.deepEqual(plain.argv, ['/probe', 'report']);

    const changed = await report({ cwd: '/', env: ['OVERRIDDEN=new'], user: { uid: 0, gid: 0 } });
    assert.equal(changed.cwd, '/');
    assert.equal(changed.uid, 0);
    assert.ok(changed.env.includes('OVERRIDDEN=new') && !changed.env.includes('OVERRIDDEN=old'), changed.env.join(' '));
    assert.ok(changed.env.includes('FROM_CONFIG=1'));

    const p = await c.exec(['/probe', 'exit', '5'], { stdio: [0, 1, 2] });
    assert.deepEqual(await p.wait(), { exitCode: 5, signal: null });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a signal name that is no signal is an InvalidArgumentError from both kills, and nothing is signalled', { skip }, async () => {
  const bundle = sleeperBundle();
  await withOutput('kill', async (out) => {
    await using c = await Container.create({ id: uniqueId(), bundle: bundle.dir, root: suite.root, stdio: out.stdio });
    await c.start();
    await using p = await c.exec(['/probe', 'sleep', '60'], { stdio: out.stdio });
    await assert.rejects(c.kill('SIGFOO' as NodeJS.Signals), InvalidArgumentError);
    await assert.rejects(p.kill('SIGFOO' as NodeJS.Signals), InvalidArgumentError);
    assert.equal(c.state().status, 'running');
    await p.kill('SIGTERM');
    assert.deepEqual(await p.wait(), { exitCode: null, signal: 'SIGTERM' });
    await assert.rejects(p.kill('SIGTERM'), (err: Error & { code?: string }) => err.code === 'ERR_INVALID_STATE');
  });
});

test('without a logger, a warning (a failing poststop hook) is a process warning with code KAPSEL_WARNING', { skip }, async () => {
  const bundle = suite.bundle({ edit: (s) => (s.hooks = { poststop: [{ path: '/bin/false' }] }) });
  const warnings: Array<Error & { code?: string }> = [];
  const onWarning = (w: Error & { code?: string }): void => void warnings.push(w);
  process.on('warning', onWarning);
  try {
    await withOutput('warn', async (out) => {
      const c = await Container.create({ id: uniqueId(), bundle: bundle.dir, root: suite.root, stdio: out.stdio });
      await c.delete({ force: true });
      await new Promise((r) => setImmediate(r)); // emitWarning delivers on the next tick
      assert.deepEqual(
        warnings.filter((w) => w.code === 'KAPSEL_WARNING').map((w) => w.message),
        ['poststop hook /bin/false failed: exit status 1'],
      );
    });
  } finally {
    process.off('warning', onWarning);
  }
});

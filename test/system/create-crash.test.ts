// Issue 8, hole 12: SIGKILL of the `create` CLI at any point must not leave
// a container init behind that `delete -f` cannot find. The CLI is killed
// at points spread over a whole create (measured first); after each,
// `delete -f` succeeds and no process holds anything of the container.
// Also: the state root and container directories are 0700.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';

const BIN = path.resolve(__dirname, '..', '..', '..', 'bin', 'kapsel');
const suite = systemSuite();
const { skip } = suite;
const KILL_POINTS = 24;
// Most of a create is spent before the init is spawned (loading, planning);
// the kill points cover the rest densely, up to just past its end.
const FIRST_POINT = 0.3;
const LAST_POINT = 1.05;

function kapsel(root: string, args: string[]): { status: number | null; stderr: string } {
  const res = spawnSync(BIN, ['--root', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
  if (res.error) throw res.error;
  return { status: res.status, stderr: res.stderr };
}

/** Pids of live processes holding an fd into the container's state directory (its init holds the exec fifo). */
function holders(dir: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${name}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (fs.readlinkSync(`/proc/${name}/fd/${fd}`).startsWith(dir + '/')) {
          out.push(Number(name));
          break;
        }
      } catch {
        // closed meanwhile
      }
    }
  }
  return out;
}

/**
 * An init killed before it was recorded exits by itself once it sees the
 * runtime's end of the setup socket close; give such a one a moment. One
 * that blocks on the exec fifo would stay forever and fail here.
 */
async function settledHolders(dir: string): Promise<number[]> {
  for (let i = 0; i < 100; i++) {
    const left = holders(dir);
    if (left.length === 0) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
  return holders(dir);
}

/** Runs `create`, killing it with SIGKILL after `delayMs` (or never, for -1); resolves the time it took. */
function createKilledAfter(root: string, id: string, bundle: string, delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(BIN, ['--root', root, 'create', '--bundle', bundle, id], { stdio: 'ignore' });
    const timer = delayMs >= 0 ? setTimeout(() => child.kill('SIGKILL'), delayMs) : undefined;
    child.on('error', reject);
    child.on('exit', () => {
      if (timer) clearTimeout(timer);
      resolve(Number(process.hrtime.bigint() - started) / 1e6);
    });
  });
}

test('a create killed at any point leaves nothing that survives delete -f', { skip }, async () => {
  const root = suite.root;
  const bundle = suite.bundle({ edit: (s) => (s.process!.args = ['/probe', 'report']) });
  // One whole create, to spread the kill points over its duration.
  const measure = uniqueId();
  const whole = await createKilledAfter(root, measure, bundle.dir, -1);
  assert.equal(kapsel(root, ['delete', '-f', measure]).status, 0);
  for (let i = 0; i < KILL_POINTS; i++) {
    const id = uniqueId();
    const at = FIRST_POINT + ((LAST_POINT - FIRST_POINT) * i) / (KILL_POINTS - 1);
    await createKilledAfter(root, id, bundle.dir, Math.floor(whole * at));
    const dir = path.join(root, id);
    const res = kapsel(root, ['delete', '-f', id]);
    assert.equal(res.status, 0, `delete -f after a kill at point ${i}: ${res.stderr}`);
    assert.equal(fs.existsSync(dir), false, `the state directory of point ${i} is gone`);
    assert.deepEqual(await settledHolders(dir), [], `nothing of the container killed at point ${i} is alive`);
  }
});

test('a create killed between the init\'s "ready" and state.json: delete -f kills the recorded init', { skip }, async () => {
  const root = suite.root;
  const bundle = suite.bundle({ edit: (s) => (s.process!.args = ['/probe', 'report']) });
  const id = uniqueId();
  await createKilledAfter(root, id, bundle.dir, -1);
  const dir = path.join(root, id);
  // What that crash leaves (too narrow a window to hit by timing alone):
  // the init blocked on the exec fifo, recorded in init.json, no state.json.
  fs.rmSync(path.join(dir, 'state.json'));
  assert.equal(fs.existsSync(path.join(dir, 'init.json')), true);
  assert.notDeepEqual(holders(dir), [], 'the init waits on the exec fifo');
  const res = kapsel(root, ['delete', '-f', id]);
  assert.equal(res.status, 0, res.stderr);
  assert.equal(fs.existsSync(dir), false);
  assert.deepEqual(await settledHolders(dir), []);
});

test('the state root and a container directory are 0700: no other user reaches the exec fifo', { skip }, async () => {
  const root = path.join(suite.root, 'fresh-root');
  const bundle = suite.bundle({ edit: (s) => (s.process!.args = ['/probe', 'report']) });
  const id = uniqueId();
  await createKilledAfter(root, id, bundle.dir, -1);
  try {
    assert.equal(fs.statSync(root).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.join(root, id)).mode & 0o777, 0o700);
  } finally {
    assert.equal(kapsel(root, ['delete', '-f', id]).status, 0);
    fs.rmSync(root, { recursive: true, force: true });
  }
});

// Issue 9 item 18 (LISTEN_FDS): kapsel started by systemd socket activation
// (LISTEN_FDS=N, LISTEN_PID its own pid) passes fds 3.. on, and the
// container's process sees LISTEN_FDS=N with LISTEN_PID=1, its own pid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';

const BIN = path.resolve(__dirname, '..', '..', '..', 'bin', 'kapsel');
const suite = systemSuite();
const { skip } = suite;

test('socket activation of kapsel reaches the container: fd 3, LISTEN_FDS=1, LISTEN_PID=1', { skip }, () => {
  const dir = tempDir('listen');
  const socketFile = path.join(dir, 'the-socket-stand-in');
  fs.writeFileSync(socketFile, '');
  const out = path.join(dir, 'report.json');
  const bundle = suite.bundle({
    edit: (s) => {
      s.process!.args = ['/probe', 'report'];
      s.process!.env = [...(s.process!.env ?? []), 'LISTEN_PID=4242', 'LISTEN_FDS=9'];
    },
  });
  try {
    // As systemd starts a service: LISTEN_PID is the pid that execs kapsel.
    const script = `export LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=web; exec "$0" --root "$1" create --bundle "$2" listen-id 3<"$3" >"$4" 2>&1`;
    const created = spawnSync('/bin/sh', ['-c', script, BIN, suite.root, bundle.dir, socketFile, out], { stdio: 'ignore', timeout: 60_000 });
    assert.equal(created.status, 0, fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '');
    const started = spawnSync(BIN, ['--root', suite.root, 'start', 'listen-id'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(started.status, 0, started.stderr);
    for (let i = 0; i < 200 && !/\}\s*$/.test(fs.readFileSync(out, 'utf8')); i++) spawnSync('sleep', ['0.05']);
    const report = JSON.parse(fs.readFileSync(out, 'utf8'));
    assert.equal(report.pid, 1);
    assert.ok(report.env.includes('LISTEN_FDS=1'), report.env.join(' '));
    assert.ok(report.env.includes('LISTEN_PID=1'), report.env.join(' '));
    assert.ok(report.env.includes('LISTEN_FDNAMES=web'), report.env.join(' '));
    assert.ok(!report.env.includes('LISTEN_PID=4242') && !report.env.includes('LISTEN_FDS=9'), 'the config\'s own values are replaced');
    assert.equal(report.fds['3'], socketFile);
  } finally {
    spawnSync(BIN, ['--root', suite.root, 'delete', '-f', 'listen-id'], { stdio: 'ignore', timeout: 60_000 });
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

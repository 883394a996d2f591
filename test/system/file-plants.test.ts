/**
 * Issue 16 hole 5: files kapsel writes in a directory another user can
 * write. --pid-file was written with writeFileSync on a predictable
 * temporary name (.NAME.<pid>.tmp), following a symlink planted there: a
 * root-owned 0600 file received the pid. Now the temporary is created
 * O_CREAT|O_EXCL|O_NOFOLLOW under a random name and renamed over the
 * target (lib/state/replace-file.ts), and --log is opened O_NOFOLLOW and
 * checked on its fd (lib/cli/log-file.ts).
 *
 * The attacker, kapsel-test, owns the directory the pid and log files go
 * to (a directory of theirs that an engine running as root writes into)
 * and plants symlinks to a root-owned 0600 file at the target and at
 * every temporary name the old code could have used; root runs kapsel.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { kapselCli, type CliResult } from '../helpers/cli';
import { uniqueId } from '../helpers/run';
import { systemSuite } from '../helpers/suite';
import { tempDir } from '../helpers/tmp';
import { TEST_USER_NAME, ensureTestUser, runAs } from '../helpers/user';

const suite = systemSuite();
const { skip } = suite;

/** bin/kapsel GLOBAL --root ROOT ARGS as root (helpers/cli.ts). */
function kapsel(args: string[], global: string[] = []): CliResult {
  return kapselCli(suite.root, args, { global });
}

/** The victim: a root-owned 0600 file, and a check that it is exactly as it was. */
function victimFile(): { file: string; assertUntouched(): void } {
  const file = path.join(tempDir('victim'), 'secret');
  fs.writeFileSync(file, 'root only\n', { mode: 0o600 });
  return {
    file,
    assertUntouched() {
      const st = fs.lstatSync(file);
      assert.ok(st.isFile());
      assert.equal(st.uid, 0);
      assert.equal(st.mode & 0o7777, 0o600);
      assert.equal(fs.readFileSync(file, 'utf8'), 'root only\n', 'the victim file was written');
    },
  };
}

/** A directory the attacker owns (0755: kapsel, as root, writes into it). */
function attackerDir(): string {
  const owner = ensureTestUser();
  const dir = tempDir('attacker-dir');
  fs.chownSync(dir, owner.uid, owner.gid);
  fs.chmodSync(dir, 0o755);
  return dir;
}

/**
 * As the attacker: symlinks to `victim` at `name` in `dir` and at every
 * temporary name `.NAME.<pid>.tmp` the old code would use for the next
 * 3000 pids (it named the temporary after its own pid).
 */
function plantLinks(dir: string, name: string, victim: string): void {
  const script = `
    const fs = require('fs'), path = require('path');
    const [dir, name, victim] = process.argv.slice(1);
    fs.symlinkSync(victim, path.join(dir, name));
    const last = Number(fs.readFileSync('/proc/sys/kernel/ns_last_pid', 'utf8'));
    for (let pid = last; pid < last + 3000; pid++) fs.symlinkSync(victim, path.join(dir, '.' + name + '.' + pid + '.tmp'));
  `;
  const res = runAs(TEST_USER_NAME, [process.execPath, '-e', script, dir, name, victim], {});
  assert.equal(res.status, 0, res.stderr);
}

/** Files in `dir` that are neither the planted links nor `expected`: a temporary left behind would show here. */
function unexpectedFiles(dir: string, expected: string[]): string[] {
  return fs.readdirSync(dir).filter((f) => !expected.includes(f) && !fs.lstatSync(path.join(dir, f)).isSymbolicLink());
}

test('hole 5: --pid-file of create and exec into a directory of another user with symlinks planted at the target and the temporary names: the victim file stays unchanged, the pid files hold the pids', { skip }, () => {
  const victim = victimFile();
  const dir = attackerDir();
  const bundle = suite.bundle({ edit: (spec) => (spec.process!.args = ['/probe', 'sleep', '60']) });
  const id = uniqueId();
  try {
    plantLinks(dir, 'init.pid', victim.file);
    const created = kapsel(['create', '--bundle', bundle.dir, '--pid-file', path.join(dir, 'init.pid'), id]);
    assert.equal(created.status, 0, created.stderr);
    victim.assertUntouched();
    const state = kapsel(['state', id]);
    const initPid = (JSON.parse(state.stdout) as { pid: number }).pid;
    assert.ok(fs.lstatSync(path.join(dir, 'init.pid')).isFile(), 'the planted link was replaced, not written through');
    assert.equal(fs.readFileSync(path.join(dir, 'init.pid'), 'utf8'), String(initPid));

    assert.equal(kapsel(['start', id]).status, 0);
    plantLinks(dir, 'exec.pid', victim.file);
    const exec = kapsel(['exec', '--detach', '--pid-file', path.join(dir, 'exec.pid'), id, '/probe', 'sleep', '60']);
    assert.equal(exec.status, 0, exec.stderr);
    victim.assertUntouched();
    assert.ok(fs.lstatSync(path.join(dir, 'exec.pid')).isFile());
    const execPid = Number(fs.readFileSync(path.join(dir, 'exec.pid'), 'utf8'));
    // The pid is the exec'd process, in the container: its pid namespace is the init's.
    assert.equal(fs.readlinkSync(`/proc/${execPid}/ns/pid`), fs.readlinkSync(`/proc/${initPid}/ns/pid`));
    assert.match(fs.readFileSync(`/proc/${execPid}/cmdline`, 'utf8'), /^\/probe\0sleep\0/);
    assert.deepEqual(unexpectedFiles(dir, ['init.pid', 'exec.pid']), [], 'temporaries left behind');
  } finally {
    kapsel(['delete', '--force', id]);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(path.dirname(victim.file), { recursive: true, force: true });
  }
});

test('hole 5: --log at a symlink another user planted, or at a file they made: refused with the path and why, nothing written', { skip }, () => {
  const victim = victimFile();
  const dir = attackerDir();
  const owner = ensureTestUser();
  try {
    const link = path.join(dir, 'log.json');
    const res1 = runAs(TEST_USER_NAME, ['/bin/ln', '-s', victim.file, link], {});
    assert.equal(res1.status, 0, res1.stderr);
    const viaLink = kapsel(['state', 'ghost'], ['--log', link, '--log-format', 'json']);
    assert.equal(viaLink.status, 1);
    assert.match(viaLink.stderr, new RegExp(`refusing log file ${link}: it is a symbolic link`));
    victim.assertUntouched();

    const theirs = path.join(dir, 'theirs.log');
    const res2 = runAs(TEST_USER_NAME, ['/bin/sh', '-c', 'printf "" > "$0"', theirs], {});
    assert.equal(res2.status, 0, res2.stderr);
    const intoTheirs = kapsel(['state', 'ghost'], ['--log', theirs, '--log-format', 'json']);
    assert.equal(intoTheirs.status, 1);
    assert.match(intoTheirs.stderr, new RegExp(`refusing log file ${theirs}: it is owned by uid ${owner.uid}, not by uid 0`));
    assert.equal(fs.readFileSync(theirs, 'utf8'), '', 'a line went into the other user\'s file');

    // A log of our own is appended to, as runc does (engines read it after every call).
    const ours = path.join(dir, 'ours.log');
    fs.writeFileSync(ours, 'earlier line\n');
    const intoOurs = kapsel(['state', 'ghost'], ['--log', ours, '--log-format', 'json']);
    assert.equal(intoOurs.status, 1);
    const lines = fs.readFileSync(ours, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'earlier line');
    assert.match(JSON.parse(lines[1]).msg, /does not exist/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(path.dirname(victim.file), { recursive: true, force: true });
  }
});

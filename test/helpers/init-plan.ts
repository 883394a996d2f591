// The init helper as an executor of hand-written plans, outside any
// container: started without namespaces and without hook states (a "go"
// with none, as exec sends it), so a native test can run any step.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initHelperPath, native } from '../../lib/native/addon';
import { encodeSteps } from '../../lib/plan/encode';
import { createPlanHeader } from '../../lib/plan/header';
import { decodeMessage, encodeMessage, type InitMessage } from '../../lib/plan/protocol';
import type { JoinNamespace } from '../../lib/native/addon';
import type { Step } from '../../lib/plan/steps';
import { testAddon } from './test-addon';

/**
 * A program started in the helper's place that execs it in the end (the
 * helper's path and its fd arguments are appended to `argv`), to set up
 * what the helper then finds (a mount namespace of its own, a mount).
 */
export interface PlanLauncher {
  file: string;
  argv: string[];
}

/** How the helper is spawned: namespaces it creates and joins (join mode: native/common/join_protocol.h). */
export interface PlanSpawn {
  cloneFlags?: number;
  join?: JoinNamespace[];
  /** Sends the steps as they are, without the header put in front (a malformed plan). */
  withoutHeader?: boolean;
}

/**
 * Runs `steps` in a fresh init helper; its exit, stderr (fds 1 and 2) and
 * what it reported. `extraFds` become the helper's fds 5, 6, ... (a
 * wait-start step's exec fifo).
 */
export async function runPlan(
  steps: Step[],
  launcher?: PlanLauncher,
  extraFds: number[] = [],
  spawn: PlanSpawn = {},
): Promise<{ pid: number; exitCode: number | null; stderr: string; reported?: InitMessage }> {
  // A plan starts with its header (native/init/main.cc): a create plan's,
  // unless the test gives its own. Reported step indices count the steps
  // the test gave (`shift` undoes the header put in front of them).
  // Encoded first: a plan the encoder refuses leaves nothing behind.
  const shift = steps[0]?.op === 'header' || spawn.withoutHeader ? 0 : 1;
  const bytes = encodeSteps(shift ? [createPlanHeader(), ...steps] : steps);
  const addon = native();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapsel-native-'));
  const errFile = path.join(dir, 'stderr');
  const err = fs.openSync(errFile, 'w');
  const plan = addon.memfdCreate('kapsel-plan', 1);
  fs.writeSync(plan, bytes);
  const [parentSock, childSock] = addon.seqpacketPair();
  try {
    const { pid, pidfd } = testAddon().spawn({
      file: launcher ? launcher.file : initHelperPath(),
      argv: launcher
        ? [...launcher.argv, initHelperPath(), '--plan-fd', '3', '--sync-fd', '4']
        : ['kapsel-init', '--plan-fd', '3', '--sync-fd', '4'],
      env: [],
      fds: [0, err, err, plan, childSock, ...extraFds],
      cloneFlags: spawn.cloneFlags ?? 0,
      join: spawn.join ?? [],
    });
    fs.closeSync(childSock);
    try {
      fs.writeSync(parentSock, encodeMessage({ type: 'go' }));
    } catch (e) {
      // A helper that failed on its plan (before "go") may be gone already.
      if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw e;
    }
    const { exitCode } = await addon.pidfdWait(pidfd);
    fs.closeSync(pidfd);
    const buf = Buffer.alloc(65536);
    let reported: InitMessage | undefined;
    // A helper that failed before it read "go" closed its end with "go"
    // unread: the first read answers ECONNRESET, the next one its report.
    for (let attempt = 0; attempt < 2 && !reported; attempt++) {
      try {
        const n = fs.readSync(parentSock, buf);
        if (n > 0) reported = decodeMessage(buf.subarray(0, n));
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') break; // nothing was sent
      }
    }
    if (reported && (reported.type === 'error' || reported.type === 'hook-failed') && reported.step >= 0) reported = { ...reported, step: reported.step - shift };
    return { pid, exitCode, stderr: fs.readFileSync(errFile, 'utf8'), reported };
  } finally {
    for (const fd of [err, plan, parentSock]) fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}


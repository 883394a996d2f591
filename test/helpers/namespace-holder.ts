/**
 * A process holding namespaces of its own (an `unshare ... sleep 600`
 * command line), for tests that make a container join them by path; and
 * the host's mount table, to check that a container left it unchanged.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { parseMountinfo } from '../../lib/state/mountinfo';

export interface NamespaceHolder {
  pid: number;
  /** The holder's namespace of the watched type (its /proc/PID/ns link). */
  ns: string;
  /** Kills and reaps the holder. */
  stop(): Promise<void>;
}

/**
 * Starts `command` and waits until it has exec'd `sleep` in a namespace of
 * type `type` (a /proc/PID/ns name: "mnt", "user") other than ours; then
 * `ready` runs (to write its maps, say). The holder is stopped if that fails.
 */
export async function namespaceHolder(command: string[], type: string, ready?: (pid: number) => void): Promise<NamespaceHolder> {
  const holder = spawn(command[0]!, command.slice(1), { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => holder.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    holder.kill('SIGKILL');
    await exited;
  };
  const pid = holder.pid!;
  const own = fs.readlinkSync(`/proc/self/ns/${type}`);
  try {
    for (let i = 0; i < 500; i++) {
      let ns: string | undefined;
      try {
        ns = fs.readlinkSync(`/proc/${pid}/ns/${type}`);
        if (ns === own || fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'sleep') ns = undefined;
      } catch {
        // not there yet
      }
      if (ns !== undefined) {
        ready?.(pid);
        return { pid, ns, stop };
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`${command.join(' ')} did not make its ${type} namespace`);
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The host's mount table with the mount ids (reused after unmounts) left out. */
export function hostMounts(): string[] {
  return parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8')).map(({ mountId: _id, parentId: _parent, ...mount }) => JSON.stringify(mount));
}

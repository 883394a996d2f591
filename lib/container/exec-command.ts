/**
 * The process of `exec ID cmd...` without a full process object: the
 * container's own process as create recorded it (create-record.ts), with
 * the command and the caller's few changes applied as runc's getProcess
 * applies its flags. Shared by Container#exec(args) and `kapsel exec`
 * without --process, so that both start the same process.
 */
import type { Process, User } from '../config/types';

/** What a caller may change of the container's process for one exec (runc exec's flags). */
export interface ExecCommandOptions {
  /** Working directory (default: the container process's). */
  cwd?: string;
  /** "KEY=VALUE" entries appended to the container process's env (a later one wins, as for runc exec -e). */
  env?: readonly string[];
  /** uid and, optionally, gid (default: the container process's user). */
  user?: {
    /** The uid in the container. */
    uid: number;
    /** The gid in the container (default: the container process's). */
    gid?: number;
  };
  /** Supplementary gids appended to the user's. */
  additionalGids?: readonly number[];
  /** Capabilities added to the bounding, effective and permitted sets (never inheritable or ambient, as runc --cap). */
  addCapabilities?: readonly string[];
  /** Sets no_new_privs (default: the container process's setting). */
  noNewPrivileges?: boolean;
  /** AppArmor profile (default: the container process's). */
  apparmorProfile?: string;
  /** SELinux label (default: the container process's). */
  selinuxLabel?: string;
  /** A terminal for the process (needs a consoleSocket); default false, as runc exec without -t. */
  terminal?: boolean;
}

/** `base` (not changed) with `args` and `o` applied. */
export function execProcessFrom(base: Process, args: readonly string[], o: ExecCommandOptions = {}): Process {
  const p = JSON.parse(JSON.stringify(base)) as Process;
  p.args = [...args];
  if (o.cwd) p.cwd = o.cwd;
  if (o.apparmorProfile) p.apparmorProfile = o.apparmorProfile;
  if (o.selinuxLabel) p.selinuxLabel = o.selinuxLabel;
  const caps = o.addCapabilities ?? [];
  if (caps.length > 0) {
    const c = (p.capabilities ??= {});
    c.bounding = [...(c.bounding ?? []), ...caps];
    c.effective = [...(c.effective ?? []), ...caps];
    c.permitted = [...(c.permitted ?? []), ...caps];
  }
  p.env = [...(p.env ?? []), ...(o.env ?? [])];
  p.terminal = o.terminal ?? false;
  if (o.noNewPrivileges !== undefined) p.noNewPrivileges = o.noNewPrivileges;
  if (o.user) {
    const { uid, gid } = o.user;
    p.user = { ...(p.user ?? { uid: 0, gid: 0 }), uid, ...(gid !== undefined && { gid }) } as User;
  }
  const gids = o.additionalGids ?? [];
  if (gids.length > 0) {
    p.user ??= { uid: 0, gid: 0 };
    p.user.additionalGids = [...(p.user.additionalGids ?? []), ...gids];
  }
  return p;
}

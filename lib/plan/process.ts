/**
 * The process part of the plan: uts names, rlimits, oom score, credentials,
 * capabilities, and the exec of process.args, in the order runc applies
 * them (bounding set and groups while still privileged, then the uid, then
 * the final capability sets).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LinuxCapabilities, Process, Spec } from '../config/types';
import { InvalidConfigError } from '../errors';
import * as C from '../native/constants';
import type { Step } from './steps';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Bit mask of capability names; unknown names are an error naming the field. */
export function capabilityMask(names: readonly string[] | undefined, where: string): bigint {
  let mask = 0n;
  (names ?? []).forEach((name, i) => {
    const bit = C.CAPABILITIES[name];
    if (bit === undefined) throw new InvalidConfigError(`${where}/${i}`, `unknown capability "${name}"`);
    mask |= 1n << BigInt(bit);
  });
  return mask;
}

export function capabilitySteps(caps: LinuxCapabilities): { before: Step[]; after: Step[] } {
  const where = '/process/capabilities';
  return {
    before: [{ op: 'bounding', keep: capabilityMask(caps.bounding, `${where}/bounding`) }],
    after: [
      {
        op: 'capset',
        effective: capabilityMask(caps.effective, `${where}/effective`),
        permitted: capabilityMask(caps.permitted, `${where}/permitted`),
        inheritable: capabilityMask(caps.inheritable, `${where}/inheritable`),
      },
      { op: 'ambient', raise: capabilityMask(caps.ambient, `${where}/ambient`) },
    ],
  };
}

/** The home directory of `uid` in the container's /etc/passwd, as runc sets HOME. */
export function containerHome(rootfs: string, uid: number): string {
  try {
    const passwd = fs.readFileSync(path.join(rootfs, 'etc', 'passwd'), 'utf8');
    for (const line of passwd.split('\n')) {
      const fields = line.split(':');
      if (fields.length >= 6 && Number(fields[2]) === uid && fields[5]) return fields[5];
    }
  } catch {
    // no passwd in the image: fall through
  }
  return '/';
}

/** process.env with HOME added when missing, as runc does. */
export function processEnv(proc: Process, rootfs: string): string[] {
  const env = [...(proc.env ?? [])];
  const has = (key: string): boolean => env.some((kv) => kv.startsWith(`${key}=`));
  if (!has('HOME')) env.push(`HOME=${containerHome(rootfs, proc.user?.uid ?? 0)}`);
  return env;
}

export interface ProcessContext {
  spec: Spec;
  rootfs: string;
  /** setgroups(2) is denied in this user namespace (rootless). */
  setgroupsDenied: boolean;
}

/** Steps applied while still privileged, before pivot_root is irrelevant to them. */
export function namespaceSettingSteps(spec: Spec, hasUts: boolean): Step[] {
  const steps: Step[] = [];
  if (spec.hostname !== undefined && spec.hostname !== '') {
    if (!hasUts) throw new InvalidConfigError('/hostname', 'setting the hostname needs a new uts namespace');
    steps.push({ op: 'hostname', name: spec.hostname });
  }
  if (spec.domainname !== undefined && spec.domainname !== '') {
    if (!hasUts) throw new InvalidConfigError('/domainname', 'setting the domainname needs a new uts namespace');
    steps.push({ op: 'domainname', name: spec.domainname });
  }
  return steps;
}

/**
 * JSON numbers lose precision above 2^53: RLIM_INFINITY (2^64-1) arrives as
 * 2^64, and anything that large (or negative, as -1 in some configs) means
 * unlimited.
 */
export function rlimitValue(n: number): bigint {
  if (n < 0 || n >= 2 ** 64 - 1) return C.RLIM_INFINITY;
  return BigInt(Math.floor(n));
}

export function rlimitSteps(proc: Process): Step[] {
  return (proc.rlimits ?? []).map((r, i): Step => {
    const resource = C.RLIMIT[r.type];
    if (resource === undefined) throw new InvalidConfigError(`/process/rlimits/${i}/type`, `unknown rlimit "${r.type}"`);
    return { op: 'rlimit', type: r.type, resource, soft: rlimitValue(r.soft), hard: rlimitValue(r.hard) };
  });
}

/**
 * Credentials and capabilities, then the checks that must fail `create`
 * rather than `start` (cwd, the binary). Ends before the wait for `start`.
 */
export function credentialSteps(ctx: ProcessContext): Step[] {
  const proc = ctx.spec.process!;
  const steps: Step[] = [];
  if (proc.oomScoreAdj !== undefined) steps.push({ op: 'oom-score-adj', value: proc.oomScoreAdj });
  steps.push(...rlimitSteps(proc));
  const caps = proc.capabilities ? capabilitySteps(proc.capabilities) : undefined;
  if (caps) steps.push(...caps.before);
  const user = proc.user ?? { uid: 0, gid: 0 };
  // Keep the permitted set across the uid change; capset trims it after.
  if (caps) steps.push({ op: 'keep-caps', keep: true });
  const gids = user.additionalGids ?? [];
  if (!ctx.setgroupsDenied) {
    steps.push({ op: 'setgroups', gids });
  } else if (gids.length > 0) {
    throw new InvalidConfigError(
      '/process/user/additionalGids',
      'additional groups cannot be set in a rootless user namespace (setgroups is denied)',
    );
  }
  steps.push({ op: 'setresgid', gid: user.gid });
  steps.push({ op: 'setresuid', uid: user.uid });
  if (caps) {
    steps.push({ op: 'keep-caps', keep: false });
    steps.push(...caps.after);
  }
  if (proc.noNewPrivileges) steps.push({ op: 'no-new-privs' });
  steps.push({ op: 'umask', mask: user.umask ?? 0o022 });
  steps.push({ op: 'chdir', path: proc.cwd });
  return steps;
}

/** Where the init looks up a program name: the container's PATH, else DEFAULT_PATH. */
export function searchPathOf(env: readonly string[]): string {
  const entry = env.find((kv) => kv.startsWith('PATH='));
  return entry !== undefined && entry.length > 'PATH='.length ? entry.slice('PATH='.length) : DEFAULT_PATH;
}

export function execSteps(proc: Process, env: string[]): { check: Step; exec: Step } {
  const args = proc.args ?? [];
  if (args.length === 0) throw new InvalidConfigError('/process/args', 'must contain at least one element');
  const searchPath = searchPathOf(env);
  return { check: { op: 'check-exec', file: args[0], env, searchPath }, exec: { op: 'exec', args, env, searchPath } };
}

/**
 * create's failures in the words of the config that caused them. The
 * failure itself is reported by the syscall that failed (a SyscallError
 * from the launch, with its plan step); some causes are clearer named by
 * the config field behind them, as runc names them. Only the wording
 * changes: by the time this runs create has already undone everything
 * (create.ts), and the original error stays the `cause`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ValidSpec } from '../config/valid';
import { MountSourceError, SyscallError } from '../errors';
import { CLONE_NEWUSER, MS_BIND } from '../native/constants';
import type { LaunchPlan } from '../plan/steps';

export interface FailedCreate {
  spec: ValidSpec;
  plan: LaunchPlan;
  /** The bundle directory (relative mount sources are resolved against it). */
  bundle: string;
}

/** `err` (from create), or a clearer error for the same failure. */
export function explainCreateFailure(err: unknown, ctx: FailedCreate): unknown {
  if (!(err instanceof SyscallError)) return err;
  return missingBindSource(err, ctx) ?? rootlessWithoutUserNamespace(err, ctx) ?? err;
}

/**
 * A bind mount step that failed with ENOENT while its source is missing:
 * the init reports the mount (target) it was making, but the fault is the
 * source named by a config entry.
 */
function missingBindSource(err: SyscallError, { spec, plan, bundle }: FailedCreate): MountSourceError | undefined {
  if (err.errnoName !== 'ENOENT' || !err.step) return undefined;
  const step = plan.steps[err.step.index];
  if (step?.op !== 'mount' || (step.flags & MS_BIND) === 0 || !step.source) return undefined;
  // Only a source that is really gone: ENOENT can also come from the target side.
  if (exists(step.source)) return undefined;
  const index = (spec.mounts ?? []).findIndex((m) => m.source !== undefined && path.posix.resolve(bundle, m.source) === step.source);
  if (index < 0) return undefined;
  return new MountSourceError(`/mounts/${index}/source`, step.source, err.errnoName, err);
}

function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * clone refused (EPERM) for a config without a user namespace: the
 * runtime lacks the privilege to make the other namespaces outside one.
 * runc's words, and the fix.
 */
function rootlessWithoutUserNamespace(err: SyscallError, { plan }: FailedCreate): SyscallError | undefined {
  if (err.errnoName !== 'EPERM' || !err.syscall.startsWith('clone') || err.step) return undefined;
  const userns = (plan.cloneFlags & CLONE_NEWUSER) !== 0 || plan.join.some((j) => (j.type & CLONE_NEWUSER) !== 0);
  if (userns) return undefined;
  return new SyscallError({
    errnoName: err.errnoName,
    errno: err.errno,
    syscall: err.syscall,
    message:
      'rootless container requires user namespaces: config.json has none (/linux/namespaces) and this runtime may not create namespaces without one ' +
      `(${err.syscall}: operation not permitted); make a rootless config with \`kapsel spec --rootless\`, or run as root`,
    cause: err,
  });
}

/**
 * Validation of the whole `linux.seccomp` object against config-linux.md
 * ("Seccomp"), with runc's rules where the spec leaves room. Every problem is
 * an InvalidConfigError naming the JSON path of the bad field, e.g.
 * `/linux/seccomp/syscalls/3/args/0/op`. Pure: nothing is loaded. It runs
 * once, in validateConfig (config/checks.ts): the plan and the compiler take
 * the validated profile and do not check it again. Whether this kernel has
 * a valid flag or action is the plan's check (from the host facts,
 * lib/plan/seccomp.ts); whether libseccomp knows an architecture, the
 * compiler's (lib/seccomp/compile.ts).
 */
import { InvalidConfigError } from '../../errors';
import type { Seccomp } from '../types';
import {
  ACTIONS,
  ARCHITECTURES,
  ERRNO_ACTIONS,
  FLAGS,
  MAX_ERRNO_RET,
  OPERATORS,
  isActionName,
  isArchitectureName,
  isFlagName,
  isOperatorName,
} from './names';

/** Largest syscall argument index: seccomp_data has six arguments. */
export const MAX_ARG_INDEX = 5;

const UINT64_MAX = (1n << 64n) - 1n;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function oneOf(table: object): string {
  return `must be one of ${Object.keys(table).join(', ')}`;
}

function checkString(value: unknown, path: string): asserts value is string {
  if (typeof value !== 'string' || value === '') throw new InvalidConfigError(path, 'must be a non-empty string');
  if (value.includes('\0')) throw new InvalidConfigError(path, 'must not contain a NUL byte');
}

function checkArray(value: unknown, path: string): asserts value is unknown[] {
  if (!Array.isArray(value)) throw new InvalidConfigError(path, 'must be an array');
}

function checkErrno(value: unknown, path: string, action: string, actionPath: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_ERRNO_RET) {
    throw new InvalidConfigError(path, `must be an integer from 0 to ${MAX_ERRNO_RET}`);
  }
  // config-linux.md: "When the action doesn't support an errno, the runtime
  // MUST print and error and fail."
  if (!(ERRNO_ACTIONS as readonly string[]).includes(action)) {
    throw new InvalidConfigError(path, `is only allowed with ${ERRNO_ACTIONS.join(' or ')}, not ${action} (${actionPath})`);
  }
}

/** A uint64 from JSON: a non-negative integer number (or a bigint from the library API). */
function checkUint64(value: unknown, path: string): void {
  if (typeof value === 'bigint') {
    if (value < 0n || value > UINT64_MAX) throw new InvalidConfigError(path, 'must be an integer from 0 to 2^64-1');
    return;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > Number(UINT64_MAX)) {
    throw new InvalidConfigError(path, 'must be an integer from 0 to 2^64-1');
  }
}

function checkArg(arg: unknown, path: string): void {
  if (!isObject(arg)) throw new InvalidConfigError(path, 'must be an object');
  if (arg.index === undefined) throw new InvalidConfigError(`${path}/index`, 'is required');
  if (typeof arg.index !== 'number' || !Number.isInteger(arg.index) || arg.index < 0 || arg.index > MAX_ARG_INDEX) {
    throw new InvalidConfigError(`${path}/index`, `must be an integer from 0 to ${MAX_ARG_INDEX} (a syscall has six arguments)`);
  }
  if (arg.value === undefined) throw new InvalidConfigError(`${path}/value`, 'is required');
  checkUint64(arg.value, `${path}/value`);
  if (arg.valueTwo !== undefined) checkUint64(arg.valueTwo, `${path}/valueTwo`);
  if (arg.op === undefined) throw new InvalidConfigError(`${path}/op`, 'is required');
  if (!isOperatorName(arg.op)) throw new InvalidConfigError(`${path}/op`, `unknown operator ${JSON.stringify(arg.op)}: ${oneOf(OPERATORS)}`);
}

function checkSyscall(rule: unknown, path: string): void {
  if (!isObject(rule)) throw new InvalidConfigError(path, 'must be an object');
  if (rule.names === undefined) throw new InvalidConfigError(`${path}/names`, 'is required');
  checkArray(rule.names, `${path}/names`);
  if (rule.names.length === 0) throw new InvalidConfigError(`${path}/names`, 'must contain at least one entry');
  rule.names.forEach((name, i) => checkString(name, `${path}/names/${i}`));
  if (rule.action === undefined) throw new InvalidConfigError(`${path}/action`, 'is required');
  if (!isActionName(rule.action)) throw new InvalidConfigError(`${path}/action`, `unknown action ${JSON.stringify(rule.action)}: ${oneOf(ACTIONS)}`);
  if (rule.errnoRet !== undefined) checkErrno(rule.errnoRet, `${path}/errnoRet`, rule.action, `${path}/action`);
  if (rule.args !== undefined) {
    checkArray(rule.args, `${path}/args`);
    rule.args.forEach((arg, i) => checkArg(arg, `${path}/args/${i}`));
  }
}

/**
 * Checks `seccomp` (the value of `linux.seccomp`) and throws an
 * InvalidConfigError naming the first bad field; `basePath` is the JSON path
 * of the object itself.
 */
export function validateSeccomp(seccomp: unknown, basePath = '/linux/seccomp'): asserts seccomp is Seccomp {
  const path = basePath;
  if (!isObject(seccomp)) throw new InvalidConfigError(path, 'must be an object');
  if (seccomp.defaultAction === undefined) throw new InvalidConfigError(`${path}/defaultAction`, 'is required');
  if (!isActionName(seccomp.defaultAction)) {
    throw new InvalidConfigError(`${path}/defaultAction`, `unknown action ${JSON.stringify(seccomp.defaultAction)}: ${oneOf(ACTIONS)}`);
  }
  // runc's rule, for the same reason: with NOTIFY as the default every
  // syscall of the init after loading (the one that hands the listener fd
  // out included) would wait for an agent that has not got the fd yet.
  if (seccomp.defaultAction === 'SCMP_ACT_NOTIFY') {
    throw new InvalidConfigError(`${path}/defaultAction`, 'SCMP_ACT_NOTIFY cannot be the default action');
  }
  if (seccomp.defaultErrnoRet !== undefined) {
    checkErrno(seccomp.defaultErrnoRet, `${path}/defaultErrnoRet`, seccomp.defaultAction, `${path}/defaultAction`);
  }
  if (seccomp.architectures !== undefined) {
    checkArray(seccomp.architectures, `${path}/architectures`);
    seccomp.architectures.forEach((arch, i) => {
      if (!isArchitectureName(arch)) {
        throw new InvalidConfigError(`${path}/architectures/${i}`, `unknown architecture ${JSON.stringify(arch)}: ${oneOf(ARCHITECTURES)}`);
      }
    });
  }
  if (seccomp.flags !== undefined) {
    checkArray(seccomp.flags, `${path}/flags`);
    seccomp.flags.forEach((flag, i) => {
      if (!isFlagName(flag)) throw new InvalidConfigError(`${path}/flags/${i}`, `unknown flag ${JSON.stringify(flag)}: ${oneOf(FLAGS)}`);
    });
  }
  if (seccomp.listenerPath !== undefined) checkString(seccomp.listenerPath, `${path}/listenerPath`);
  if (seccomp.listenerMetadata !== undefined) {
    if (typeof seccomp.listenerMetadata !== 'string') throw new InvalidConfigError(`${path}/listenerMetadata`, 'must be a string');
    // config-linux.md: "This field MUST NOT be set if listenerPath is not set."
    if (seccomp.listenerPath === undefined) throw new InvalidConfigError(`${path}/listenerMetadata`, 'must not be set without listenerPath');
  }
  let notifyAt: string | undefined;
  if (seccomp.syscalls !== undefined) {
    checkArray(seccomp.syscalls, `${path}/syscalls`);
    seccomp.syscalls.forEach((rule, i) => {
      checkSyscall(rule, `${path}/syscalls/${i}`);
      if ((rule as { action: string }).action === 'SCMP_ACT_NOTIFY') notifyAt ??= `${path}/syscalls/${i}/action`;
    });
  }
  // The listener fd goes to the agent at listenerPath; without one nobody
  // could ever answer, and every notified syscall would hang.
  if (notifyAt !== undefined && seccomp.listenerPath === undefined) {
    throw new InvalidConfigError(`${path}/listenerPath`, `is required when SCMP_ACT_NOTIFY is used (${notifyAt})`);
  }
}

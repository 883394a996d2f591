/**
 * The libseccomp calls of the addon, with one error for a missing library:
 * a NotSupportedError naming libseccomp.so.2. The addon loads the library
 * on the first of these calls only, so configs without seccomp never load it.
 */
import { NotSupportedError } from '../errors';
import { native, type SeccompFilterSpec, type SeccompLibraryVersion } from '../native/addon';
import type { SyscallResolver } from './rules';

function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if ((err as { code?: unknown })?.code === 'ERR_SECCOMP_LIBRARY') {
      throw new NotSupportedError(`seccomp is not available: ${(err as Error).message}`);
    }
    throw err;
  }
}

export function libseccompVersion(): SeccompLibraryVersion {
  return call(() => native().seccompLibraryVersion());
}

/** "2.5.4" */
export function libseccompVersionString(): string {
  const v = libseccompVersion();
  return `${v.major}.${v.minor}.${v.micro}`;
}

/** AUDIT_ARCH token of this process's architecture. */
export function nativeArchToken(): number {
  return call(() => native().seccompArchNative());
}

/** AUDIT_ARCH token of a libseccomp arch name ("x86_64"), or 0 when the library does not know it. */
export function archToken(libseccompName: string): number {
  return call(() => native().seccompArchResolve(libseccompName));
}

/** libseccomp's syscall tables, memoized: profiles repeat names across compiles. */
export function libseccompResolver(): SyscallResolver {
  return {
    syscall(name: string, arch: number): number {
      const key = `${arch}:${name}`;
      let nr = resolved.get(key);
      if (nr === undefined) {
        nr = call(() => native().seccompSyscallResolve(name, arch));
        resolved.set(key, nr);
      }
      return nr;
    },
  };
}
const resolved = new Map<string, number>();

/** Compiles the numbers into a BPF program (struct sock_filter[]). */
export function compileFilter(spec: SeccompFilterSpec): Buffer {
  return call(() => native().seccompCompile(spec));
}

/**
 * What the plan shows about a compiled seccomp program. A leaf module:
 * compile.ts produces it and disk-cache.ts stores it, and neither imports
 * the other for the type (compile -> disk-cache -> compile was an import
 * cycle).
 */
import type { ActionName, ArchitectureName } from '../config/seccomp/names';

/** What the plan shows about a program (`kapsel plan`), without the bytes. */
export interface SeccompSummary {
  /** The profile's defaultAction ("SCMP_ACT_ERRNO"). */
  defaultAction: ActionName;
  /** Length of the program in BPF instructions. */
  instructions: number;
  /** Syscall names per action that reached the filter. */
  actions: Record<string, number>;
  /** The architectures compiled in: the native one plus every listed one. */
  architectures: ArchitectureName[];
  /** Names libseccomp does not know on this machine, skipped. */
  skipped: string[];
  /** Whether the ENOSYS prefix for newer syscalls was added. */
  enosys: boolean;
  /** sha256 of the normalized profile (the cache key). */
  hash: string;
}

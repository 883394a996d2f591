/**
 * The host's part of linux.seccomp, for the preparation phase (create,
 * `kapsel plan`): the seccomp facts of this kernel and libseccomp
 * (HostFacts.seccomp), and the default compiler, libseccomp's, which the
 * container layer runs before the plan compiler (lib/container/planning.ts).
 */
import { kernelActions, kernelFlags } from '../seccomp/features';
import { libseccompVersionString } from '../seccomp/library';
import { compileSeccomp } from '../seccomp/compile';
import type { SeccompFacts } from '../plan/plan-facts';
import type { SeccompCompiler } from '../plan/seccomp';

/**
 * HostFacts.seccomp of this host. A missing libseccomp is no error here:
 * the fact says so, and the compiler refuses the profile with the reason.
 */
export function gatherSeccompFacts(): SeccompFacts {
  let libseccomp: string | undefined;
  try {
    libseccomp = libseccompVersionString();
  } catch {
    libseccomp = undefined;
  }
  return { ...(libseccomp !== undefined && { libseccomp }), flags: kernelFlags(), actions: kernelActions() };
}

/** The default SeccompCompiler: libseccomp, through the addon, with the program caches (lib/seccomp/compile.ts). */
export const libseccompCompiler: SeccompCompiler = compileSeccomp;

/** A profile compiled as create compiles it: libseccomp's program, the plan's flags and listener, this host's facts. */
import type { Seccomp } from '../../lib/config/types';
import { gatherSeccompFacts, libseccompCompiler } from '../../lib/host/seccomp';
import { seccompFilter, type SeccompFilter, type SeccompProfile } from '../../lib/plan/seccomp';

/** The filter of `profile` (a valid one: nothing validates it here, as in create after validateConfig). */
export function compiledFilter(profile: Seccomp): SeccompFilter {
  return seccompFilter(profile as SeccompProfile, libseccompCompiler(profile, {}), gatherSeccompFacts());
}

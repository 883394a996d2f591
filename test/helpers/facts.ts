/** A fake host and image for compilePlan: a plan depends on nothing else. */
import type { LinuxNamespaceType } from '../../lib/config/types';
import type { HostFacts, PlanFacts } from '../../lib/plan/facts';

export interface FakeFacts {
  unprivileged?: boolean;
  inUserNamespace?: boolean;
  joinedRuntimeNamespaces?: LinuxNamespaceType[];
  cgroup2?: boolean;
  directories?: string[];
  runtimeEnv?: string[];
  passwd?: PlanFacts['image']['passwd'];
  lsm?: NonNullable<HostFacts['lsm']>;
}

export function fakeFacts(edit: FakeFacts = {}): PlanFacts {
  const host: HostFacts = {
    unprivileged: edit.unprivileged ?? false,
    inUserNamespace: edit.inUserNamespace ?? false,
    joinedRuntimeNamespaces: new Set(edit.joinedRuntimeNamespaces ?? []),
    cgroup2: edit.cgroup2 ?? false,
    directories: new Set(edit.directories ?? []),
    runtimeEnv: edit.runtimeEnv ?? ['RUNTIME=env'],
    lsm: edit.lsm ?? { selinux: false, apparmor: false },
  };
  return { host, image: { passwd: edit.passwd ?? [] } };
}

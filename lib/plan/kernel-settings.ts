/**
 * hostname/domainname, linux.sysctl and linux.personality. Which of them a
 * config may set (a uts namespace for the names, a namespace of the
 * container's own for a sysctl) is decided by validation
 * (config/checks.ts); which personality kapsel supports by supported.ts.
 */
import type { ValidSpec } from '../config/valid';
import { pointerSegment } from '../config/pointer';
import { sysctlName, sysctlNamespace } from '../config/sysctl';
import { InvalidConfigError } from '../errors';
import type { HostFacts } from './plan-facts';
import type { CheckedNamespace, Step } from './steps';
import type { LinuxNamespaceType } from '../config/types';

/**
 * The init's check, on arrival, that the namespace of this kind it joined
 * by path is none of the host's: the plan compared the path when it was
 * made, and a /proc/PID path may name another process by the time the init
 * joins it.
 */
export function checkJoinedNamespace(ns: CheckedNamespace, host: Pick<HostFacts, 'hostNamespaceIds'>): Step {
  const ids = host.hostNamespaceIds?.[ns] ?? [];
  return { op: 'check-ns', ns, forbiddenDevs: ids.map((n) => n.dev), forbiddenInodes: ids.map((n) => n.ino) };
}

/** True when the config joins its namespace of this type by path. */
function joinedByPath(spec: ValidSpec, type: LinuxNamespaceType): boolean {
  return (spec.linux?.namespaces ?? []).some((n) => n.type === type && n.path !== undefined && n.path !== '');
}

/**
 * sethostname/setdomainname in the container's uts namespace, before
 * pivot_root. A uts namespace joined at the runtime's or pid 1's path is
 * the host's: setting a name there is refused, as a sysctl there is; one
 * joined at another path is checked again by the init on arrival.
 */
export function utsSteps(spec: ValidSpec, host: Pick<HostFacts, 'joinedRuntimeNamespaces' | 'hostNamespaceIds'>): Step[] {
  const steps: Step[] = [];
  const field = spec.hostname ? '/hostname' : spec.domainname ? '/domainname' : undefined;
  if (!field) return steps;
  if (host.joinedRuntimeNamespaces.has('uts')) {
    const joined = spec.linux?.namespaces?.find((n) => n.type === 'uts')?.path;
    throw new InvalidConfigError(field, `setting it would change the host's: the uts namespace joined at ${joined} is the runtime's own`);
  }
  if (joinedByPath(spec, 'uts')) steps.push(checkJoinedNamespace('uts', host));
  if (spec.hostname) steps.push({ op: 'hostname', name: spec.hostname });
  if (spec.domainname) steps.push({ op: 'domainname', name: spec.domainname });
  return steps;
}

/**
 * linux.sysctl writes. Validation made sure each belongs to a namespace the
 * config has; one joined by path must not be the runtime's own namespace,
 * or the write would change the host's value.
 */
export function sysctlSteps(spec: ValidSpec, host: Pick<HostFacts, 'joinedRuntimeNamespaces' | 'hostNamespaceIds'>): Step[] {
  const checked = new Set<LinuxNamespaceType>();
  return Object.entries(spec.linux?.sysctl ?? {}).flatMap(([key, value]): Step[] => {
    const ns = sysctlNamespace(key);
    if (ns && host.joinedRuntimeNamespaces.has(ns)) {
      const joined = spec.linux?.namespaces?.find((n) => n.type === ns)?.path;
      throw new InvalidConfigError(
        `/linux/sysctl/${pointerSegment(key)}`,
        `sysctl "${key}" would change the host: the ${ns} namespace joined at ${joined} is the runtime's own`,
      );
    }
    const steps: Step[] = [];
    // A namespace joined by path: checked again on arrival, before its first write.
    if (ns && joinedByPath(spec, ns) && !checked.has(ns) && (ns === 'network' || ns === 'ipc')) {
      checked.add(ns);
      steps.push(checkJoinedNamespace(ns === 'network' ? 'net' : 'ipc', host));
    }
    // One form on the wire: the init turns the dots into /proc/sys/ slashes.
    steps.push({ op: 'sysctl', key: sysctlName(key), value });
    return steps;
  });
}

/** Execution domains by the spec's names (the schema admits these two). */
export const PERSONALITIES: Record<string, number> = { LINUX: 0x0000, LINUX32: 0x0008 };

export function personalitySteps(spec: ValidSpec): Step[] {
  const p = spec.linux?.personality;
  if (!p) return [];
  return [{ op: 'personality', persona: PERSONALITIES[p.domain] }];
}

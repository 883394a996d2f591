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
import type { HostFacts } from './facts';
import type { Step } from './steps';

/** sethostname/setdomainname in the container's uts namespace, before pivot_root. */
export function utsSteps(spec: ValidSpec): Step[] {
  const steps: Step[] = [];
  if (spec.hostname) steps.push({ op: 'hostname', name: spec.hostname });
  if (spec.domainname) steps.push({ op: 'domainname', name: spec.domainname });
  return steps;
}

/**
 * linux.sysctl writes. Validation made sure each belongs to a namespace the
 * config has; one joined by path must not be the runtime's own namespace,
 * or the write would change the host's value.
 */
export function sysctlSteps(spec: ValidSpec, host: Pick<HostFacts, 'joinedRuntimeNamespaces'>): Step[] {
  return Object.entries(spec.linux?.sysctl ?? {}).map(([key, value]): Step => {
    const ns = sysctlNamespace(key);
    if (ns && host.joinedRuntimeNamespaces.has(ns)) {
      const joined = spec.linux?.namespaces?.find((n) => n.type === ns)?.path;
      throw new InvalidConfigError(
        `/linux/sysctl/${pointerSegment(key)}`,
        `sysctl "${key}" would change the host: the ${ns} namespace joined at ${joined} is the runtime's own`,
      );
    }
    // One form on the wire: the init turns the dots into /proc/sys/ slashes.
    return { op: 'sysctl', key: sysctlName(key), value };
  });
}

/** Execution domains by the spec's names (the schema admits these two). */
const PERSONALITIES: Record<string, number> = { LINUX: 0x0000, LINUX32: 0x0008 };

export function personalitySteps(spec: ValidSpec): Step[] {
  const p = spec.linux?.personality;
  if (!p) return [];
  return [{ op: 'personality', persona: PERSONALITIES[p.domain] }];
}
